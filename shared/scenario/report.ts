import { analyzeSession, type SessionAnalysis } from '../analysis/analyze'
import { renderSummary } from '../analysis/summary'
import { foldEvents } from '../model/network'
import { sessionPlots, type Plot } from '../plots/session-plots'
import { checkExpectations, measureRun, type Check, type RunMeasures } from './expectations'
import type { ScenarioRun } from './runner'
import type { Scenario } from './schema'

/**
 * One scenario run, judged and reported: the checks, the measures, the plots and the
 * Markdown report (report.md) and result.json of `npm run scenario`.
 */

export interface RunOutcome {
  scenario: Scenario
  run: ScenarioRun
  analysis: SessionAnalysis
  measures: RunMeasures
  checks: Check[]
  passed: boolean
  /** Alive peers' links when the run ended, by scenario name (`peer1-peer4`), sorted. */
  overlay: string[]
  /** Wall ms the run took (the simulator's is far below its virtual duration). */
  wallMs: number
}

export function judgeRun(scenario: Scenario, run: ScenarioRun, wallMs: number): RunOutcome {
  const analysis = analyzeSession(run.events)
  const measures = measureRun(run, analysis)
  const checks = checkExpectations(scenario, measures, run)
  return { scenario, run, analysis, measures, checks, passed: checks.every((c) => c.pass), overlay: overlayByName(run), wallMs }
}

/** The overlay among alive peers at the end of the run, as `a-b` name pairs (a < b by start order). */
export function overlayByName(run: ScenarioRun): string[] {
  const state = foldEvents(run.events.slice(0, run.endSeq))
  const nameOf = new Map<string, string>()
  for (const [name, id] of Object.entries(run.names)) if (/^(seed|peer)\d+$/.test(name)) nameOf.set(id, name)
  const order = (name: string): number => Number(name.replace(/^\D+/, ''))
  const edges: string[] = []
  for (const link of state.links.values()) {
    const a = nameOf.get(link.a)
    const b = nameOf.get(link.b)
    if (!a || !b) continue
    if (state.nodes.get(link.a)?.status !== 'alive' || state.nodes.get(link.b)?.status !== 'alive') continue
    edges.push(order(a) < order(b) ? `${a}-${b}` : `${b}-${a}`)
  }
  return edges.sort()
}

/** result.json: everything a script needs to compare runs, no event stream. */
export function resultJson(o: RunOutcome, exitCode: number): object {
  return {
    version: 1,
    scenario: o.scenario.name,
    backend: o.run.backend,
    simulated: o.run.backend === 'sim',
    passed: o.passed,
    exitCode,
    settings: o.run.settings,
    rngSeed: o.run.rngSeed,
    startT: o.run.startT,
    endT: o.run.endT,
    durationMs: o.run.endT - o.run.startT,
    wallMs: o.wallMs,
    checks: o.checks,
    measures: o.measures,
    steps: o.run.fired,
    unfired: o.run.unfired,
    names: o.run.names,
    overlay: o.overlay,
    events: o.run.events.length,
  }
}

export function reportPlots(o: RunOutcome): Plot[] {
  return sessionPlots(o.analysis, 'auto')
}

const backendLine = (o: RunOutcome): string =>
  o.run.backend === 'sim'
    ? `**Simulated**: the seed and peer machines ran in the in-memory network (shared/sim) with a virtual clock, ` +
      `1 ms per hop plus the scenario's conditions; times below are virtual ms (${((o.run.endT - o.run.startT) / 1000).toFixed(1)} s of virtual time ` +
      `at time scale ${o.run.settings.timeScale}, in ${(o.wallMs / 1000).toFixed(1)} s of wall time). ` +
      'No process, socket or OS scheduling was involved.'
    : `**Real processes**: every seed and peer ran as its own node program over TCP on loopback; times are wall-clock ms ` +
      `(${(o.wallMs / 1000).toFixed(1)} s).`

/** report.md: verdict, expectations measured against expected, steps as fired, then the session summary. */
export function renderScenarioReport(o: RunOutcome, plotFiles: ReadonlyArray<{ file: string; caption: string }>): string {
  const s = o.scenario
  const lines: string[] = [`# Scenario: ${s.name}`, '']
  if (s.description) lines.push(s.description, '')
  lines.push(`- Verdict: **${o.passed ? 'PASS' : 'FAIL'}** (${o.checks.filter((c) => !c.pass).length} of ${o.checks.length} checks failed)`)
  lines.push(`- Backend: ${backendLine(o)}`)
  lines.push(
    `- Network: ${s.network.seeds} seeds, ${s.network.peers} peers, rng seed ${o.run.rngSeed}, time scale ${o.run.settings.timeScale}` +
      ` (scenario times are protocol ms; multiply by ${o.run.settings.timeScale} for wall ms)`,
  )
  if (s.conditions) lines.push(`- Conditions: ${JSON.stringify(s.conditions)}`)
  lines.push('', '## Expectations', '')
  if (o.checks.length === 0) lines.push('The scenario states no expectations.')
  else {
    lines.push('| Check | Expected | Measured | Result |', '|---|---|---|---|')
    for (const c of o.checks) lines.push(`| ${c.key} | ${c.expected} | ${c.measured} | ${c.pass ? 'pass' : '**FAIL**'} |`)
  }
  lines.push('', '## Steps', '')
  if (s.steps.length === 0) lines.push('No steps.')
  else {
    lines.push('| # | Step | When (scenario) | Fired at (protocol ms) | Node | Result |', '|---|---|---|---|---|---|')
    const fired = new Map(o.run.fired.map((f) => [f.index, f]))
    const unfired = new Map(o.run.unfired.map((u) => [u.index, u]))
    s.steps.forEach((step, i) => {
      const f = fired.get(i)
      const when = step.at !== undefined ? `at ${step.at}` : `after ${step.after!.event}${step.after!.delayMs ? ` + ${step.after!.delayMs}` : ''}`
      const result = f ? (f.error ? `failed: ${f.error}` : 'done') : `not fired: ${unfired.get(i)?.reason ?? '-'}`
      lines.push(`| ${i + 1} | ${step.do} | ${when} | ${f ? f.atMs : '-'} | ${f?.name ?? f?.node ?? '-'} | ${result} |`)
    })
  }
  lines.push('', `Overlay at the end (${o.overlay.length} links among alive peers): ${o.overlay.join(', ') || '-'}`, '')
  const summary = renderSummary(o.analysis, { title: 'Session summary', plots: plotFiles })
  lines.push(summary.replace(/^# /m, '## ').replace(/\n## /g, '\n### '))
  return lines.join('\n')
}

/** One line per failed check: `maxDetectionMs: measured 61000 ms, expected <= 60000 ms`. */
export function failureLines(o: RunOutcome): string[] {
  return o.checks.filter((c) => !c.pass).map((c) => `${c.key}: measured ${c.measured}, expected ${c.expected}`)
}
