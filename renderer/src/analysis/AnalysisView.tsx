import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react'
import { analyzeSessionSteps, type AnalysisProgress, type SessionAnalysis } from '../../../shared/analysis/analyze'
import { renderSummary } from '../../../shared/analysis/summary'
import { sessionPlots, type Plot } from '../../../shared/plots/session-plots'
import type { PlotTheme } from '../../../shared/plots/chart'
import { app } from '../store'
import { runInSlices } from '../../../shared/slices'
import { replay, replayUi, useReplay } from '../timeline/replay'
import { SourceNote } from '../timeline/SourceNote'
import { savePng, saveSvg } from './save-plot'

/** A live session this small is re-analysed as it grows, at most every AUTO_REFRESH_MS. */
const LIVE_REFRESH_LIMIT = 50_000
const AUTO_REFRESH_MS = 2_000

function currentTheme(): Exclude<PlotTheme, 'auto'> {
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'
}

interface Analysed {
  analysis: SessionAnalysis
  /** The replay index generation it was computed from, and how many of its events. */
  generation: number
  count: number
}

/**
 * The Analysis view (over the graph area): the session's plots at a readable size, each
 * with its figures beside it. It always shows the replay source the timeline holds: when
 * that changes (another recording opened, back to live, a new session) the old analysis is
 * cleared at once and the new source analysed; a small live session is re-analysed as it
 * grows. The analysis runs in slices of about 30 ms with the page free in between (a
 * progress line with Cancel), so a session of a million events never freezes the page. The
 * line at the top says what it was computed from.
 */
export default function AnalysisView() {
  const generation = useReplay((s) => s.generation)
  const version = useReplay((s) => s.version)
  const [analysed, setAnalysed] = useState<Analysed | null>(null)
  const [progress, setProgress] = useState<(AnalysisProgress & { events: number }) | null>(null)
  const lastRun = useRef(0)
  /** The run in progress and the source generation it reads; a run no longer here stops at its next slice. */
  const running = useRef<{ generation: number } | null>(null)
  /** The source generation whose analysis the user cancelled: not started again by itself. */
  const cancelledFor = useRef<number | null>(null)
  const [wasCancelled, setWasCancelled] = useState(false)
  const theme = currentTheme()

  const run = () => {
    const mine = { generation: replayUi.getState().generation }
    running.current = mine
    cancelledFor.current = null
    setWasCancelled(false)
    lastRun.current = performance.now()
    const count = replay.index.length
    const events = replay.index.events.slice(0, count)
    setProgress({ done: 0, total: count, events: count })
    void runInSlices(analyzeSessionSteps(events), {
      onProgress: (p) => setProgress({ ...p, events: count }),
      cancelled: () => running.current !== mine,
    }).then((result) => {
      if (running.current !== mine) return
      running.current = null
      setProgress(null)
      if (result) setAnalysed({ analysis: result.value, generation: mine.generation, count })
    })
  }
  /** Stops the run in progress, if any (it ends at its next slice). */
  const stop = () => {
    running.current = null
    setProgress(null)
  }
  /** The user's Cancel: the run stops and this source is not analysed again by itself. */
  const cancel = () => {
    if (running.current) {
      cancelledFor.current = running.current.generation
      setWasCancelled(true)
    }
    stop()
  }
  useEffect(() => () => void (running.current = null), [])
  const current = analysed !== null && analysed.generation === generation ? analysed : null
  useEffect(() => {
    const n = replay.index.length
    if (current === null) {
      if (analysed !== null) setAnalysed(null)
      if (cancelledFor.current !== generation) setWasCancelled(false)
      if (n === 0) stop()
      else if (running.current?.generation !== generation && cancelledFor.current !== generation) run()
      return
    }
    const live = replay.index.length > current.count && replayUi.getState().source === 'live'
    if (!live || n > LIVE_REFRESH_LIMIT || running.current !== null || cancelledFor.current === generation) return
    const wait = Math.max(0, AUTO_REFRESH_MS - (performance.now() - lastRun.current))
    const timer = setTimeout(run, wait)
    return () => clearTimeout(timer)
    // eslint-disable-next-line react-hooks/exhaustive-deps -- driven by the source's generation and growth
  }, [generation, version])

  const analysis = current?.analysis ?? null
  const plots: Plot[] = useMemo(() => (analysis ? sessionPlots(analysis, theme) : []), [analysis, theme])
  const newer = current ? replay.index.length - current.count : 0

  return (
    <section className="analysis analysis-full" aria-label="Analysis">
      <div className="analysis-bar">
        <button type="button" onClick={run} disabled={replay.index.length === 0 || progress !== null}>
          {analysis ? 'Refresh' : 'Analyze'}
        </button>
        {progress !== null ? (
          <span role="status" data-testid="analysis-progress">
            <button type="button" onClick={cancel}>
              Cancel
            </button>{' '}
            Analysing {progress.events.toLocaleString('en')} events: {Math.floor((100 * progress.done) / Math.max(1, progress.total))}%
          </span>
        ) : (
          <span>
            {analysis ? `${analysis.events} events analysed${newer > 0 ? `, ${newer} newer` : ''}` : replay.index.length === 0 ? 'No events yet: start a network or open a recording' : 'Not analysed yet'}
            {wasCancelled && (analysis ? ' (the refresh was cancelled)' : ': cancelled')}
          </span>
        )}
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
      {analysis && <SourceNote events={analysis.events} upTo={analysis.endT} />}
      {analysis && (
        <div className="plot-grid">
          {plots.map((p) => (
            <figure key={p.name} className="plot" data-plot={p.name}>
              <div className="plot-svg" dangerouslySetInnerHTML={{ __html: p.svg }} />
              <div className="plot-side">
                <figcaption>{p.caption}</figcaption>
                <dl className="figures">{figuresFor(p.name, analysis)}</dl>
                <div className="plot-actions">
                  <button type="button" onClick={() => saveSvg(p.svg, p.name)} aria-label={`Save ${p.caption} as SVG`}>
                    Save SVG
                  </button>
                  <button
                    type="button"
                    onClick={() => void savePng(p.svg, p.name).catch((e: Error) => app.store.getState().notify('error', `PNG: ${e.message}`))}
                    aria-label={`Save ${p.caption} as PNG`}
                  >
                    Save PNG
                  </button>
                </div>
              </div>
            </figure>
          ))}
        </div>
      )}
    </section>
  )
}

const ms = (v: number | null) => (v === null ? '–' : `${Math.round(v)} ms`)
const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(1)}%`)

function row(term: string, value: ReactNode, flag = false): ReactNode {
  return (
    <div key={term} className="figure-row">
      <dt>{term}</dt>
      <dd className={flag ? 'flag' : undefined}>{value}</dd>
    </div>
  )
}

/** The figures that belong beside each plot. */
function figuresFor(plot: string, a: SessionAnalysis): ReactNode[] {
  switch (plot) {
    case 'coverage':
      return [
        row('Messages', a.messages.length),
        row('Reached every expected peer', `${a.complete} of ${a.messages.length}`),
        row('Mean coverage', pct(a.meanCoverage)),
        row('Network', `${a.seeds} seeds, ${a.peers} peers`),
      ]
    case 'latency-cdf':
      return [
        row('Time to all, p50', ms(a.timeToAll.p50)),
        row('p99', ms(a.timeToAll.p99)),
        row('max', ms(a.timeToAll.max)),
        ...(a.network.emulated ? [row('Configured delay', a.network.delayMs === null ? 'changed during the session' : `${a.network.delayMs} ms per hop`)] : []),
      ]
    case 'loss-suspicions':
      return [
        ...a.network.byLoss.map((l) =>
          row(`Loss ${+(l.loss * 100).toFixed(2)}%`, `${l.falseMisses} misses, ${l.falseReports} false reports, ${l.dropped} dropped in ${(l.durationMs / 1000).toFixed(1)} s`, l.falseReports > 0),
        ),
        ...(a.network.duringPartitions.durationMs > 0
          ? [row('During partitions', `${a.network.duringPartitions.falseMisses} misses, ${a.network.duringPartitions.falseReports} reports in ${(a.network.duringPartitions.durationMs / 1000).toFixed(1)} s`)]
          : []),
        ...a.network.partitions.map((p) =>
          row(
            `Partition ${p.name}`,
            `${p.side.length} cut off for ${p.healedAt === null ? 'the rest of the session' : `${((p.healedAt - p.at) / 1000).toFixed(1)} s`}; ${p.reportsAcross} reports across the cut; removed by seeds: ${p.removed.length === 0 ? 'none' : p.removed.join(', ')}${p.healedAt === null ? '' : `; after the heal ${p.reRegistered.length} of them registered again, ${p.messagesAfterHeal} new messages reached ${p.coverageAfterHeal === null ? '–' : pct(p.coverageAfterHeal)} of their peers`}`,
          ),
        ),
      ]
    case 'per-broadcast':
      return [
        row('Sent per broadcast (mean)', a.perBroadcast.forwards?.toFixed(1) ?? '–'),
        row('Flooding bound 2E-(N-1)', a.perBroadcast.floodingBound?.toFixed(1) ?? '–'),
        row('Spanning tree N-1', a.perBroadcast.spanningTree?.toFixed(1) ?? '–'),
      ]
    case 'degree-histogram':
      return [row('Peers', a.peers), row('Taken at', new Date(a.degreeAt).toLocaleTimeString())]
    case 'degree-loglog':
      return [row('Power-law alpha', a.degree.fit ? `${a.degree.fit.alpha.toFixed(2)} ± ${a.degree.fit.stderr.toFixed(2)}` : '–'), row('Fitted from degree', a.degree.fit ? `≥ ${a.degree.fit.dmin}` : '–')]
    case 'failures':
      return [
        row(
          'Detected in window',
          `${a.failures.filter((f) => f.detectionExpected && f.detectedInWindow).length} of ${a.failures.filter((f) => f.detectionExpected).length}`,
        ),
        row('Kills / crashes / pauses / restarts', (['kill', 'crash', 'pause', 'restart'] as const).map((k) => a.failures.filter((f) => f.kind === k).length).join(' / ')),
        row('Pauses too short to need detection', a.failures.filter((f) => !f.detectionExpected).length),
        row('Rejoined (resumed or restarted, then linked)', `${a.failures.filter((f) => f.rejoinMs !== null).length} of ${a.failures.filter((f) => f.backMs !== null).length}`),
        row('False reports (about a running node)', a.falseReports.length, a.falseReports.length > 0),
      ]
    default:
      return []
  }
}
