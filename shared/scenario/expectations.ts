import { analyzeSession, type SessionAnalysis } from '../analysis/analyze'
import type { SessionEvent } from '../events'
import { applyEvent, createNetwork, foldEvents } from '../model/network'
import { componentCount } from '../sim/scenario'
import type { ScenarioRun } from './runner'
import { EXPECTATION_KEYS, type Expectations, type Scenario } from './schema'

/**
 * The measures a scenario's expectations are checked against, taken from the run's
 * events with the same analysis the app and the exports use (shared/analysis). Durations
 * are protocol ms (wall or virtual ms / timeScale) so they compare with the scenario's.
 */
export interface RunMeasures {
  /** Mean coverage over messages, 0..1; null without messages. */
  coverage: number | null
  messages: number
  /** Slowest detection over kills: the report and every seed's removal, protocol ms; null = no kill. */
  detectionMs: number | null
  /** Kills that were never reported or not removed by every seed. */
  undetected: number
  /** Seed removals of a peer that was alive (not killed, stopped or paused). */
  falseRemovals: number
  /** Mean gossip.forwarded per broadcast. */
  messagesPerBroadcast: number | null
  /** Time to reach every expected peer, protocol ms. */
  latencyP50Ms: number | null
  latencyP99Ms: number | null
  /** Components of the alive peers' overlay when the run ended (before the final stop). */
  components: number
  alivePeers: number
}

export interface Check {
  /** An expectation key, or `steps` for a step that failed or never fired. */
  key: keyof Expectations | 'steps'
  expected: string
  measured: string
  pass: boolean
}

export function measureRun(run: ScenarioRun, analysis: SessionAnalysis = analyzeSession(run.events)): RunMeasures {
  const scale = run.settings.timeScale
  const protocol = (ms: number | null): number | null => (ms === null ? null : ms / scale)
  let detection: number | null = null
  let undetected = 0
  for (const f of analysis.failures) {
    const times = [f.reportMs, ...f.removals.map((r) => r.ms)]
    if (f.removals.length === 0 || times.some((t) => t === null)) {
      undetected++
      continue
    }
    detection = Math.max(detection ?? 0, ...(times as number[]))
  }
  const ended = foldEvents(run.events.slice(0, run.endSeq))
  const graph = new Map<string, Set<string>>()
  for (const node of ended.nodes.values()) if (node.role === 'peer' && node.status === 'alive') graph.set(node.id, new Set())
  for (const link of ended.links.values()) {
    if (graph.has(link.a) && graph.has(link.b)) {
      graph.get(link.a)!.add(link.b)
      graph.get(link.b)!.add(link.a)
    }
  }
  return {
    coverage: analysis.meanCoverage,
    messages: analysis.messages.length,
    detectionMs: protocol(detection),
    undetected,
    falseRemovals: countFalseRemovals(run.events),
    messagesPerBroadcast: analysis.perBroadcast.forwards,
    latencyP50Ms: protocol(analysis.timeToAll.p50),
    latencyP99Ms: protocol(analysis.timeToAll.p99),
    components: componentCount(graph),
    alivePeers: graph.size,
  }
}

/** Removals of a peer the fold holds alive at that moment (no kill, crash, stop or pause before it). */
export function countFalseRemovals(events: readonly SessionEvent[]): number {
  const state = createNetwork()
  let count = 0
  for (const event of events) {
    if (event.type === 'seed.peer-removed' && state.nodes.get(event.peer)?.status === 'alive') {
      const open = state.failures.some((f) => f.node === event.peer)
      if (!open) count++
    }
    applyEvent(state, event)
  }
  return count
}

const fmt = (v: number | null, unit = '', digits = 0): string => (v === null ? 'none' : `${v.toFixed(digits)}${unit}`)

/**
 * `v` with at least `digits` decimals, and more (up to 8) while it would print the same as
 * `than`: a failed check never reads "measured 1.000, expected >= 1.000".
 */
export function fmtDistinct(v: number | null, than: number, digits: number): string {
  if (v === null) return 'none'
  let d = digits
  while (d < 8 && v !== than && v.toFixed(d) === than.toFixed(d)) d++
  return v.toFixed(d)
}

/** Every expectation of the scenario against the measures, then one check per failed or unfired step. */
export function checkExpectations(scenario: Scenario, m: RunMeasures, run: ScenarioRun): Check[] {
  const e = scenario.expect
  const checks: Check[] = []
  for (const key of EXPECTATION_KEYS) {
    const want = e[key]
    if (want === undefined) continue
    switch (key) {
      case 'minCoverage':
        checks.push({ key, expected: `>= ${fmt(want as number, '', 3)}`, measured: fmtDistinct(m.coverage, want as number, 3), pass: m.coverage !== null && m.coverage >= (want as number) })
        break
      case 'minMessages':
        checks.push({ key, expected: `>= ${want}`, measured: String(m.messages), pass: m.messages >= (want as number) })
        break
      case 'maxDetectionMs':
        checks.push({
          key,
          expected: `<= ${want} ms, every kill detected`,
          measured: `${fmt(m.detectionMs, ' ms')}${m.undetected > 0 ? `, ${m.undetected} kill(s) not detected by every seed` : ''}`,
          pass: m.undetected === 0 && (m.detectionMs === null || m.detectionMs <= (want as number)),
        })
        break
      case 'noFalseRemovals':
        checks.push({ key, expected: want ? '0 false removals' : 'any', measured: `${m.falseRemovals} false removals`, pass: !want || m.falseRemovals === 0 })
        break
      case 'maxMessagesPerBroadcast':
        checks.push({ key, expected: `<= ${want}`, measured: fmt(m.messagesPerBroadcast, '', 1), pass: m.messagesPerBroadcast !== null && m.messagesPerBroadcast <= (want as number) })
        break
      case 'maxLatencyP50Ms':
      case 'maxLatencyP99Ms': {
        const value = key === 'maxLatencyP50Ms' ? m.latencyP50Ms : m.latencyP99Ms
        checks.push({ key, expected: `<= ${want} ms`, measured: fmt(value, ' ms'), pass: value !== null && value <= (want as number) })
        break
      }
      case 'connected':
        checks.push({
          key,
          expected: want ? 'one component' : 'any',
          measured: `${m.components} component(s) of ${m.alivePeers} alive peers`,
          pass: !want || m.components === 1,
        })
        break
    }
  }
  for (const f of run.fired) {
    if (f.error) checks.push({ key: 'steps', expected: `step ${f.index + 1} (${f.do}) carried out`, measured: `failed: ${f.error}`, pass: false })
  }
  for (const u of run.unfired) {
    const step = scenario.steps[u.index]!
    if (step.do === 'stop') continue
    checks.push({ key: 'steps', expected: `step ${u.index + 1} (${u.do}) fired`, measured: `never fired: ${u.reason}`, pass: false })
  }
  return checks
}
