import { isoTime } from '../iso-time'
import type { AnyEvent, SessionEvent } from '../events'
import type { ProtocolSettings } from '../settings'
import { validateScenario } from './parse'
import type { Scenario, Step } from './schema'

/**
 * "Save as scenario": the scenario that reproduces a recorded session, from its
 * host.action events (every click of a user, every step of a scenario run). Time 0 is
 * when the last node of the initial network started (as the runner counts it), each
 * action's time becomes `at` in protocol ms, nodes become their names by start order
 * (seed1.., peer1..), and the run lasts until the last recorded event.
 */

type Action = Extract<AnyEvent, { type: 'host.action' }>

export type RecordedScenario = { ok: true; scenario: Scenario } | { ok: false; error: string }

export function scenarioFromSession(events: readonly SessionEvent[], name = 'Recorded session'): RecordedScenario {
  let startIndex = -1
  events.forEach((e, i) => {
    if (e.type === 'host.action' && e.action === 'start') startIndex = i
  })
  if (startIndex < 0) {
    return { ok: false, error: 'this session has no recorded start (it was recorded before actions were, or opened from node logs)' }
  }
  const start = events[startIndex] as Action & { settings: ProtocolSettings }
  const session = events.slice(startIndex)
  const initial = (start.seeds ?? 0) + (start.peers ?? 0)
  const names = new Map<string, string>()
  const counts = { seed: 0, peer: 0 }
  let t0 = start.t
  let startedInitial = 0
  for (const e of session) {
    // Names by first sight of a node (spawn or start), per role, as the runner names them.
    if ((e.type === 'host.spawned' || e.type === 'node.started') && !names.has(e.node)) {
      names.set(e.node, `${e.role}${++counts[e.role]}`)
    }
    if (e.type === 'node.started' && startedInitial < initial) {
      startedInitial++
      t0 = Math.max(t0, e.t)
    }
  }
  const scale = start.settings?.timeScale ?? 1
  const at = (t: number): number => Math.max(0, Math.round((t - t0) / scale))
  const nameOf = (id: string): string => names.get(id) ?? id
  const steps: Step[] = []
  let stopAt: number | null = null
  for (const e of session) {
    if (e.type !== 'host.action' || e.action === 'start' || e.error) continue
    const when = at(e.t)
    switch (e.action) {
      case 'add-seeds':
      case 'add-peers':
        steps.push({ at: when, do: e.action, count: e.count ?? 1 })
        break
      case 'kill':
      case 'stop-node':
      case 'pause':
      case 'resume':
      case 'restart':
        steps.push({ at: when, do: e.action, node: nameOf(e.node) })
        break
      case 'partition':
        steps.push({
          at: when,
          do: 'partition',
          nodes: (e.nodes ?? []).map(nameOf),
          ...(e.other ? { other: e.other.map(nameOf) } : {}),
          ...(e.direction && e.direction !== 'both' ? { direction: e.direction } : {}),
        })
        break
      case 'heal':
        steps.push({ at: when, do: 'heal' })
        break
      case 'conditions':
        steps.push({ at: when, do: 'conditions', set: e.conditions ?? {} })
        break
      case 'settings':
        if (e.settings) steps.push({ at: when, do: 'settings', set: e.settings })
        break
      case 'stop':
        stopAt ??= when
        break
    }
    if (stopAt !== null) break
  }
  const lastT = session.reduce((max, e) => Math.max(max, e.t), t0)
  const durationMs = Math.max(1, stopAt ?? at(lastT))
  const raw = {
    version: 1,
    name,
    description: `Saved from a session recorded at ${isoTime(start.t)}.`,
    network: {
      seeds: start.seeds ?? 2,
      peers: start.peers ?? 0,
      settings: start.settings,
      ...(start.rngSeed !== undefined ? { rngSeed: start.rngSeed } : {}),
      ...(start.packing !== undefined ? { packing: start.packing } : {}),
    },
    durationMs,
    steps: stopAt !== null ? [...steps, { at: stopAt, do: 'stop' }] : steps,
    expect: {},
  }
  const checked = validateScenario(raw, 'saved scenario')
  return checked.ok ? { ok: true, scenario: checked.scenario } : { ok: false, error: checked.error }
}

/** The saved scenario as the file the user gets: JSON, 2-space indented. */
export function scenarioFileText(scenario: Scenario): string {
  return `${JSON.stringify(scenario, null, 2)}\n`
}
