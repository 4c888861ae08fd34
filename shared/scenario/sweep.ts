import { max, min } from 'd3-array'
import { renderChart, SERIES_COLOURS } from '../plots/chart'
import type { Plot } from '../plots/session-plots'
import { mean } from '../analysis/stats'
import { DEFAULT_PACKING } from '../packing'
import { validateScenario } from './parse'
import type { RunOutcome } from './report'
import type { Scenario } from './schema'

/**
 * Sweeps: `--vary peers=20,60 --vary topology=powerlaw,random --repeat 3` runs the product
 * of the variations, each cell `repeat` times with rng seeds rngSeed, rngSeed+1, ..., and
 * compares them (sweep.csv, sweep.md with mean and spread per cell, plots of each measure
 * against the first varied parameter, one series per combination of the others).
 */

/** Short names for the parameters users vary most; any dotted path into the scenario works too. */
export const VARY_ALIASES: Record<string, string> = {
  seeds: 'network.seeds',
  peers: 'network.peers',
  rngSeed: 'network.rngSeed',
  packing: 'network.packing',
  timeScale: 'network.settings.timeScale',
  gossipIntervalMs: 'network.settings.gossipIntervalMs',
  gossipCount: 'network.settings.gossipCount',
  livenessIntervalMs: 'network.settings.livenessIntervalMs',
  livenessMisses: 'network.settings.livenessMisses',
  maxLinks: 'network.settings.maxLinks',
  topology: 'network.settings.topology',
  latencyMs: 'conditions.latencyMs',
  jitterMs: 'conditions.jitterMs',
  lossRate: 'conditions.lossRate',
  durationMs: 'durationMs',
}

export interface Variation {
  /** As written (`peers`). */
  name: string
  /** Dotted path into the scenario (`network.peers`). */
  path: string
  values: Array<number | string>
}

export type Value = number | string

/** `peers=20,60` -> a variation, or an error message. Numbers stay numbers. */
export function parseVary(spec: string): Variation | string {
  const eq = spec.indexOf('=')
  if (eq <= 0) return `--vary ${spec}: expected NAME=V1,V2,... (e.g. peers=20,60)`
  const name = spec.slice(0, eq).trim()
  const path = VARY_ALIASES[name] ?? name
  if (!/^(network|conditions|durationMs)(\.[A-Za-z]+)*$/.test(path)) {
    return `--vary ${name}: unknown parameter; use one of ${Object.keys(VARY_ALIASES).join(', ')} or a path such as network.settings.maxLinks`
  }
  const values = spec
    .slice(eq + 1)
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '')
    .map((v) => (/^-?\d+(\.\d+)?(e-?\d+)?$/i.test(v) ? Number(v) : v))
  if (values.length === 0) return `--vary ${name}: no values`
  if (new Set(values.map(String)).size !== values.length) return `--vary ${name}: a value is repeated`
  return { name, path, values }
}

export interface Cell {
  /** Variation name -> value. */
  params: Record<string, Value>
  scenario: Scenario
}

/**
 * Every combination of the variations applied to the scenario and validated again (a value
 * out of range is refused with its path, before anything runs).
 */
export function expandCells(base: Scenario, variations: readonly Variation[]): { ok: true; cells: Cell[] } | { ok: false; error: string } {
  let combos: Array<Record<string, Value>> = [{}]
  for (const v of variations) combos = combos.flatMap((c) => v.values.map((value) => ({ ...c, [v.name]: value })))
  const cells: Cell[] = []
  for (const params of combos) {
    const raw = structuredClone(base) as unknown as Record<string, unknown>
    for (const v of variations) setPath(raw, v.path, v.path === 'network.packing' ? packingOf(params[v.name]!) : params[v.name]!)
    const label = Object.entries(params).map(([k, x]) => `${k}=${x}`).join(' ')
    const checked = validateScenario(raw, `scenario with ${label}`)
    if (!checked.ok) return { ok: false, error: checked.error }
    cells.push({ params, scenario: checked.scenario })
  }
  return { ok: true, cells }
}

/** `--vary packing=1,50,auto`: 1 = one process per node, K = up to K per process, auto = the default. */
function packingOf(value: Value): unknown {
  if (value === 'auto') return DEFAULT_PACKING
  if (value === 'single' || value === 1) return { mode: 'single' }
  return typeof value === 'number' ? { mode: 'pack', size: value } : value
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.')
  let node = target
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {}
    node = node[key] as Record<string, unknown>
  }
  node[keys[keys.length - 1]!] = value
}

/** The measures a sweep compares, with their labels and units. */
export const SWEEP_MEASURES = [
  { key: 'coverage', label: 'coverage (mean over messages)', pick: (o: RunOutcome) => o.measures.coverage },
  { key: 'latencyP50Ms', label: 'dissemination latency p50 (protocol ms)', pick: (o: RunOutcome) => o.measures.latencyP50Ms },
  { key: 'latencyP99Ms', label: 'dissemination latency p99 (protocol ms)', pick: (o: RunOutcome) => o.measures.latencyP99Ms },
  { key: 'messagesPerBroadcast', label: 'transmissions per broadcast', pick: (o: RunOutcome) => o.measures.messagesPerBroadcast },
  { key: 'detectionMs', label: 'detection time (protocol ms)', pick: (o: RunOutcome) => o.measures.detectionMs },
  { key: 'falseRemovals', label: 'false removals', pick: (o: RunOutcome) => o.measures.falseRemovals },
] as const

export interface CellRuns {
  cell: Cell
  runs: RunOutcome[]
}

export interface Spread {
  n: number
  mean: number | null
  /** Sample standard deviation (n - 1); null with fewer than 2 values. */
  sd: number | null
  min: number | null
  max: number | null
}

export function spread(values: ReadonlyArray<number | null>): Spread {
  const xs = values.filter((v): v is number => v !== null)
  const m = mean(xs)
  const sd = xs.length < 2 || m === null ? null : Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1))
  return { n: xs.length, mean: m, sd, min: min(xs) ?? null, max: max(xs) ?? null }
}

const csvCell = (v: unknown): string => {
  const text = v === null || v === undefined ? '' : String(v)
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** sweep.csv: one row per run. */
export function sweepCsv(variations: readonly Variation[], cells: readonly CellRuns[]): string {
  const header = [...variations.map((v) => v.name), 'repeat', 'rngSeed', 'passed', ...SWEEP_MEASURES.map((m) => m.key), 'messages', 'wallMs']
  const rows = [header.join(',')]
  for (const { cell, runs } of cells) {
    runs.forEach((o, r) => {
      rows.push(
        [
          ...variations.map((v) => cell.params[v.name]),
          r + 1,
          o.run.rngSeed,
          o.passed,
          ...SWEEP_MEASURES.map((m) => m.pick(o)),
          o.measures.messages,
          o.wallMs,
        ]
          .map(csvCell)
          .join(','),
      )
    })
  }
  return `${rows.join('\n')}\n`
}

const num = (v: number | null, digits: number): string => (v === null ? '-' : v.toFixed(digits))

function spreadText(s: Spread, digits: number): string {
  if (s.n === 0) return '-'
  if (s.n === 1) return num(s.mean, digits)
  return `${num(s.mean, digits)} ± ${num(s.sd, digits)} (${num(s.min, digits)}..${num(s.max, digits)})`
}

/** sweep.md: one row per cell, mean ± sample sd (min..max) of each measure over its repeats. */
export function sweepMarkdown(
  base: Scenario,
  backend: 'real' | 'sim',
  variations: readonly Variation[],
  cells: readonly CellRuns[],
  plots: ReadonlyArray<{ file: string; caption: string }>,
): string {
  const lines = [`# Sweep: ${base.name}`, '']
  lines.push(
    `- Backend: ${backend === 'sim' ? '**simulated** (in-memory network, virtual clock; times are virtual ms)' : 'real node processes on loopback'}`,
  )
  lines.push(`- Varied: ${variations.map((v) => `${v.name} = ${v.values.join(', ')}`).join('; ')}`)
  lines.push(`- Runs per cell: ${cells[0]?.runs.length ?? 0} (rng seeds ${base.network.rngSeed ?? 1} and up); each cell shows mean ± sample sd (min..max)`)
  lines.push('')
  const digits: Record<string, number> = { coverage: 3, falseRemovals: 1, messagesPerBroadcast: 1 }
  lines.push(`| ${[...variations.map((v) => v.name), 'passed', ...SWEEP_MEASURES.map((m) => m.label)].join(' | ')} |`)
  lines.push(`|${' --- |'.repeat(variations.length + 1 + SWEEP_MEASURES.length)}`)
  for (const { cell, runs } of cells) {
    const cols = [
      ...variations.map((v) => String(cell.params[v.name])),
      `${runs.filter((r) => r.passed).length}/${runs.length}`,
      ...SWEEP_MEASURES.map((m) => spreadText(spread(runs.map(m.pick)), digits[m.key] ?? 0)),
    ]
    lines.push(`| ${cols.join(' | ')} |`)
  }
  if (plots.length > 0) {
    lines.push('', '## Plots', '')
    for (const p of plots) lines.push(`![${p.caption}](${p.file})`, '')
  }
  return `${lines.join('\n')}\n`
}

/**
 * Each measure against the first varied parameter: the cell means joined by a line (one
 * series per combination of the other parameters) and every run as a point.
 */
export function sweepPlots(variations: readonly Variation[], cells: readonly CellRuns[]): Plot[] {
  const first = variations[0]
  if (!first) return []
  const numeric = first.values.every((v) => typeof v === 'number')
  const xOf = (value: Value): number => (numeric ? (value as number) : first.values.indexOf(value))
  const others = variations.slice(1)
  const groupKey = (cell: Cell): string => others.map((v) => `${v.name}=${cell.params[v.name]}`).join(' ') || 'mean'
  const groups = [...new Set(cells.map((c) => groupKey(c.cell)))]
  return SWEEP_MEASURES.map((m) => {
    const series = groups.flatMap((g, gi) => {
      const inGroup = cells.filter((c) => groupKey(c.cell) === g)
      const colour = SERIES_COLOURS[gi % SERIES_COLOURS.length]!
      const means = inGroup.flatMap((c) => {
        const s = spread(c.runs.map(m.pick))
        return s.mean === null ? [] : [[xOf(c.cell.params[first.name]!), s.mean] as [number, number]]
      })
      const points = inGroup.flatMap((c) =>
        c.runs.flatMap((o) => {
          const v = m.pick(o)
          return v === null ? [] : [[xOf(c.cell.params[first.name]!), v] as [number, number]]
        }),
      )
      return [
        { name: g, kind: 'line' as const, colour, points: means },
        { name: `${g} (each run)`, kind: 'points' as const, colour, faint: true, points },
      ]
    })
    const svg = renderChart({
      id: `sweep-${m.key}`,
      title: `${m.label} against ${first.name}`,
      xLabel: first.name,
      yLabel: m.label,
      theme: 'auto',
      legend: true,
      series,
      ...(numeric ? {} : { xCategories: first.values.map(String), xDomain: [-0.5, first.values.length - 0.5] as [number, number] }),
      empty: `no run measured ${m.label}`,
    })
    return { name: `sweep-${m.key}`, caption: `${m.label} against ${first.name}`, svg }
  })
}
