import { max } from 'd3-array'
import type { SessionAnalysis } from '../analysis/analyze'
import { renderChart, SERIES_COLOURS, type PlotTheme } from './chart'

/** The analysis plots of a session, each a standalone SVG string. */

export interface Plot {
  /** File name in exports (`<name>.svg`) and the key in the Analysis tab. */
  name: string
  caption: string
  svg: string
}

/** At most this many per-message curves are drawn (the earliest ones); the rest are summarized. */
const MAX_CURVES = 60

export function coveragePlot(a: SessionAnalysis, theme: PlotTheme = 'auto'): string {
  const shown = a.messages.slice(0, MAX_CURVES)
  return renderChart({
    id: 'coverage',
    title: `Coverage over time (${shown.length} of ${a.messages.length} messages)`,
    xLabel: 'ms after creation',
    yLabel: 'fraction of expected peers',
    theme,
    yDomain: [0, 1],
    series: shown.map((m) => ({ name: `${m.origin} #${m.seq}`, kind: 'step' as const, faint: shown.length > 10, points: [[0, 0], ...m.curve] })),
    empty: 'no gossip messages',
  })
}

export function latencyCdfPlot(a: SessionAnalysis, theme: PlotTheme = 'auto'): string {
  return renderChart({
    id: 'latency-cdf',
    title: `Dissemination latency CDF (time to reach all, ${a.latencyCdf.length} messages)`,
    xLabel: 'ms after creation',
    yLabel: 'fraction of messages',
    theme,
    yDomain: [0, 1],
    legend: a.network.predictedCdf.length > 0 && a.network.emulated,
    series: [
      { name: 'time to all', kind: 'step', points: [[0, 0], ...a.latencyCdf] },
      // The floor the configured delay sets: each message's hops x the global delay at its creation.
      ...(a.network.emulated && a.network.predictedCdf.length > 0
        ? [{ name: 'hops × configured delay', kind: 'step' as const, colour: SERIES_COLOURS[1], points: [[0, 0] as [number, number], ...a.network.predictedCdf] }]
        : []),
    ],
    empty: 'no message reached all its peers',
  })
}

export function broadcastPlot(a: SessionAnalysis, theme: PlotTheme = 'auto'): string {
  const ms = a.messages
  return renderChart({
    id: 'per-broadcast',
    title: 'Transmissions per broadcast',
    xLabel: 'message (creation order)',
    yLabel: 'messages sent',
    theme,
    legend: true,
    series: [
      { name: 'sent (gossip.forwarded)', kind: 'points', points: ms.map((m, i) => [i + 1, m.forwards]) },
      { name: 'flooding 2E-(N-1)', kind: 'line', colour: SERIES_COLOURS[1], points: ms.map((m, i) => [i + 1, m.floodingBound]) },
      { name: 'spanning tree N-1', kind: 'line', colour: SERIES_COLOURS[4], points: ms.map((m, i) => [i + 1, m.spanningTree]) },
    ],
    empty: 'no gossip messages',
  })
}

export function degreeHistogramPlot(a: SessionAnalysis, theme: PlotTheme = 'auto'): string {
  return renderChart({
    id: 'degree-histogram',
    title: `Degree distribution (${a.degree.degrees.size} alive peers)`,
    xLabel: 'degree',
    yLabel: 'peers',
    theme,
    series: [{ name: 'peers', kind: 'bars', points: a.degree.histogram }],
    empty: 'no alive peers',
  })
}

export function degreeLogLogPlot(a: SessionAnalysis, theme: PlotTheme = 'auto'): string {
  const n = a.degree.degrees.size
  const observed = a.degree.histogram.filter(([d]) => d > 0).map(([d, c]): [number, number] => [d, c / n])
  const fit = a.degree.fit
  const series: Parameters<typeof renderChart>[0]['series'][number][] = [{ name: 'P(degree)', kind: 'points', points: observed }]
  if (fit && observed.length > 0) {
    // Normalized discrete power law over the observed range, for comparison.
    const maxD = max(observed, (p) => p[0])!
    const ds = Array.from({ length: maxD - fit.dmin + 1 }, (_, i) => fit.dmin + i)
    let z = 0
    for (let d = fit.dmin; d < fit.dmin + 10_000; d++) z += d ** -fit.alpha
    const share = fit.n / n
    series.push({ name: `fit alpha = ${fit.alpha.toFixed(2)}`, kind: 'line', points: ds.map((d) => [d, (share * d ** -fit.alpha) / z]) })
  }
  return renderChart({
    id: 'degree-loglog',
    title: fit ? `Degree distribution, log-log (alpha = ${fit.alpha.toFixed(2)} +/- ${fit.stderr.toFixed(2)})` : 'Degree distribution, log-log',
    xLabel: 'degree',
    yLabel: 'fraction of peers',
    theme,
    logX: true,
    logY: true,
    legend: true,
    series,
    empty: 'no linked peers',
  })
}

export function failurePlot(a: SessionAnalysis, theme: PlotTheme = 'auto'): string {
  const fs = a.failures
  const window = fs.find((f) => f.windowMs !== null)?.windowMs ?? null
  const at = (pick: (f: (typeof fs)[number]) => number | null): Array<[number, number]> =>
    fs.flatMap((f, i) => {
      const v = pick(f)
      return v === null ? [] : [[i, v] as [number, number]]
    })
  return renderChart({
    id: 'failures',
    title: 'Failure detection per kill, crash, pause and restart',
    xLabel: 'failed node (kind)',
    yLabel: 'ms after the failure',
    theme,
    legend: true,
    xCategories: fs.map((f) => `${f.node} (${f.kind})`),
    xDomain: [-0.5, Math.max(0.5, fs.length - 0.5)],
    hlines: window === null ? [] : [{ y: window, label: 'expected window (misses + 1) x interval' }],
    series: [
      { name: 'first liveness miss', kind: 'points', points: at((f) => f.firstMissMs) },
      { name: 'Dead Node report', kind: 'points', points: at((f) => f.reportMs) },
      {
        name: 'seed removals',
        kind: 'points',
        points: fs.flatMap((f, i) => f.removals.flatMap((r) => (r.ms === null ? [] : [[i, r.ms] as [number, number]]))),
      },
      { name: 'resumed / restarted', kind: 'points', points: at((f) => f.backMs) },
      { name: 'linked again', kind: 'points', points: at((f) => (f.backMs === null || f.rejoinMs === null ? null : f.backMs + f.rejoinMs)) },
    ],
    empty: 'no node was killed, crashed, paused or restarted',
  })
}

/** False suspicions (misses and Dead Node reports about live nodes) per minute, per loss level in force. */
export function lossSuspicionsPlot(a: SessionAnalysis, theme: PlotTheme = 'auto'): string {
  const levels = a.network.byLoss.filter((l) => l.durationMs > 0)
  const perMinute = (n: number, ms: number) => (ms > 0 ? (n * 60_000) / ms : 0)
  return renderChart({
    id: 'loss-suspicions',
    title: 'False suspicions per loss level (per minute in force)',
    xLabel: 'loss in force',
    yLabel: 'per minute',
    theme,
    legend: true,
    xCategories: levels.map((l) => `${+(l.loss * 100).toFixed(2)}%`),
    series: [
      { name: 'misses of live nodes', kind: 'bars', points: levels.map((l, i) => [i, perMinute(l.falseMisses, l.durationMs)]) },
      { name: 'false Dead Node reports', kind: 'points', colour: SERIES_COLOURS[2], points: levels.map((l, i) => [i, perMinute(l.falseReports, l.durationMs)]) },
    ],
    empty: 'no loss level was in force',
  })
}

export function sessionPlots(a: SessionAnalysis, theme: PlotTheme = 'auto'): Plot[] {
  return [
    { name: 'coverage', caption: 'Coverage over time per message', svg: coveragePlot(a, theme) },
    { name: 'latency-cdf', caption: 'CDF of dissemination latency', svg: latencyCdfPlot(a, theme) },
    { name: 'per-broadcast', caption: 'Transmissions per broadcast vs flooding bound and spanning tree', svg: broadcastPlot(a, theme) },
    { name: 'degree-histogram', caption: 'Degree histogram', svg: degreeHistogramPlot(a, theme) },
    { name: 'degree-loglog', caption: 'Degree distribution on log-log axes with power-law fit', svg: degreeLogLogPlot(a, theme) },
    { name: 'failures', caption: 'Failure detection per kill, crash, pause and restart', svg: failurePlot(a, theme) },
    ...(a.network.emulated ? [{ name: 'loss-suspicions', caption: 'False suspicions per loss level', svg: lossSuspicionsPlot(a, theme) }] : []),
  ]
}
