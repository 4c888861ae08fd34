import { useEffect, useMemo, useState } from 'react'
import { analyzeSession, type SessionAnalysis } from '../../../shared/analysis/analyze'
import { renderSummary } from '../../../shared/analysis/summary'
import { sessionPlots, type Plot } from '../../../shared/plots/session-plots'
import type { PlotTheme } from '../../../shared/plots/chart'
import { app } from '../store'
import { replay, useReplay } from '../timeline/replay'
import { savePng, saveSvg } from './save-plot'

/** Sessions up to this many events are analysed when the tab opens; larger ones on request. */
const AUTO_LIMIT = 200_000

function currentTheme(): Exclude<PlotTheme, 'auto'> {
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'
}

/**
 * The Analysis tab: the session's plots (coverage, latency CDF, transmissions per
 * broadcast, degree distribution and fit, failure detection) and key figures, computed
 * from the replay source's events (live session so far, or the opened recording).
 */
export function AnalysisView() {
  const source = useReplay((s) => s.source)
  const version = useReplay((s) => s.version)
  const [analysis, setAnalysis] = useState<SessionAnalysis | null>(null)
  /** What the shown analysis covers: the source and how many of its events. */
  const [analysed, setAnalysed] = useState<{ source: string; count: number } | null>(null)
  const theme = currentTheme()

  const run = () => {
    setAnalysis(analyzeSession(replay.index.events))
    setAnalysed({ source, count: replay.index.length })
  }
  useEffect(() => {
    const stale = analysed === null || analysed.source !== source
    if (stale && replay.index.length > 0 && replay.index.length <= AUTO_LIMIT) run()
    // eslint-disable-next-line react-hooks/exhaustive-deps -- first analysis of a source only; later ones on Refresh
  }, [version, source])

  const plots: Plot[] = useMemo(() => (analysis ? sessionPlots(analysis, theme) : []), [analysis, theme])
  const fresh = analysed && analysed.source === source ? replay.index.length - analysed.count : 0

  return (
    <section className="analysis" aria-label="Analysis">
      <div className="analysis-bar">
        <button type="button" onClick={run} disabled={replay.index.length === 0}>
          {analysis ? 'Refresh' : 'Analyze'}
        </button>
        <span>{analysis ? `${analysis.events} events analysed${fresh > 0 ? `, ${fresh} newer` : ''}` : 'No analysis yet'}</span>
        {analysis && (
          <button
            type="button"
            onClick={() => {
              const md = renderSummary(analysis)
              void navigator.clipboard?.writeText(md).then(
                () => app.store.getState().notify('info', 'Summary copied as Markdown'),
                () => app.store.getState().notify('error', 'Clipboard not available'),
              )
            }}
          >
            Copy summary
          </button>
        )}
      </div>
      {analysis && <Figures analysis={analysis} />}
      {plots.map((p) => (
        <figure key={p.name} className="plot" data-plot={p.name}>
          <div className="plot-svg" dangerouslySetInnerHTML={{ __html: p.svg }} />
          <figcaption>
            {p.caption}{' '}
            <button type="button" onClick={() => saveSvg(p.svg, p.name)} aria-label={`Save ${p.caption} as SVG`}>
              Save SVG
            </button>{' '}
            <button
              type="button"
              onClick={() => void savePng(p.svg, p.name).catch((e: Error) => app.store.getState().notify('error', `PNG: ${e.message}`))}
              aria-label={`Save ${p.caption} as PNG`}
            >
              Save PNG
            </button>
          </figcaption>
        </figure>
      ))}
    </section>
  )
}

function Figures({ analysis: a }: { analysis: SessionAnalysis }) {
  const ms = (v: number | null) => (v === null ? '–' : `${Math.round(v)} ms`)
  return (
    <dl className="figures">
      <dt>Messages</dt>
      <dd>
        {a.messages.length} ({a.complete} complete, mean coverage {a.meanCoverage === null ? '–' : `${(a.meanCoverage * 100).toFixed(1)}%`})
      </dd>
      <dt>Time to all</dt>
      <dd>
        p50 {ms(a.timeToAll.p50)}, p99 {ms(a.timeToAll.p99)}, max {ms(a.timeToAll.max)}
      </dd>
      <dt>Sent per broadcast</dt>
      <dd>
        {a.perBroadcast.forwards?.toFixed(1) ?? '–'} (flooding {a.perBroadcast.floodingBound?.toFixed(1) ?? '–'}, tree{' '}
        {a.perBroadcast.spanningTree?.toFixed(1) ?? '–'})
      </dd>
      <dt>Power-law alpha</dt>
      <dd>{a.degree.fit ? `${a.degree.fit.alpha.toFixed(2)} ± ${a.degree.fit.stderr.toFixed(2)} (d ≥ ${a.degree.fit.dmin})` : '–'}</dd>
      <dt>Kills detected in window</dt>
      <dd>
        {a.failures.filter((f) => f.detectedInWindow).length}/{a.failures.length}
      </dd>
      <dt>False reports</dt>
      <dd className={a.falseReports.length > 0 ? 'flag' : undefined}>{a.falseReports.length}</dd>
    </dl>
  )
}
