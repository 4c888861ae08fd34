import type { NodeId } from '../address'
import type { SessionEvent } from '../events'
import { applyEvent, createNetwork, type NetworkState } from '../model/network'
import { seededRandom } from '../protocol/rng'
import { assertNever } from '../protocol/wire'
import { DEFAULT_SETTINGS, type ProtocolSettings } from '../settings'
import type { ScenarioBackend } from './backend'
import { NODE_NAME, type NodeRef, type Scenario, type Step, type StepKind, type Trigger } from './schema'

/**
 * Runs a scenario on a backend: starts the network, fires each step at its time or after
 * its event, picks nodes with the scenario's own seeded generator, and stops at a `stop`
 * step or after `durationMs`. The same code drives real nodes and the simulator, so a
 * scenario means the same on both. Times are protocol ms x timeScale (schema.ts).
 */

export interface FiredStep {
  /** Index in scenario.steps. */
  index: number
  do: StepKind
  /** Protocol ms after the start at which it fired (measured / timeScale). */
  atMs: number
  /** Node acted on: scenario name and id. */
  name?: string
  node?: NodeId
  /** Why it could not be carried out. */
  error?: string
}

export interface ScenarioRun {
  backend: 'real' | 'sim'
  settings: ProtocolSettings
  rngSeed: number
  /** Backend clock when the start was requested, ms since epoch. */
  requestedT: number
  /** Time 0 of the scenario (every initial node listening) and the end, backend ms since epoch. */
  startT: number
  endT: number
  fired: FiredStep[]
  /** Steps that never fired (their event never happened, or the run ended first), with why. */
  unfired: Array<{ index: number; do: StepKind; reason: string }>
  /** Scenario name -> node id, for every node started. */
  names: Record<string, NodeId>
  /** Every event recorded during the run, in seq order. */
  events: SessionEvent[]
  /** Events recorded before the final stop of every node (the network as it ended the run). */
  endSeq: number
}

export interface RunHooks {
  /** A step fired (or failed): for progress on a terminal. */
  onStep?(step: FiredStep, scenario: Scenario): void
}

/** Node k of a run gets rng seed nodeRngSeed(rngSeed, k) (k = start order, seeds first). */
export function nodeRngSeed(rngSeed: number, k: number): number {
  return (rngSeed * 1009 + k) >>> 0
}

export function scenarioSettings(scenario: Scenario): ProtocolSettings {
  return { ...DEFAULT_SETTINGS, ...scenario.network.settings }
}

type NodeStatus = 'up' | 'paused' | 'down'

/** Scheduling state: which steps wait, when each is due, and the names of the nodes. */
class Schedule {
  readonly state: NetworkState = createNetwork()
  readonly events: SessionEvent[] = []
  readonly names = new Map<string, NodeId>()
  readonly status = new Map<NodeId, NodeStatus>()
  /** Step index -> backend ms it is due; absent while its event has not happened. */
  readonly dueAt = new Map<number, number>()
  readonly pending = new Set<number>()
  readonly firedIds = new Set<string>()
  /** Settings for nodes started from now on (the `settings` step changes them). */
  settings: ProtocolSettings = DEFAULT_SETTINGS
  private messagesCreated = 0
  private readonly removed = new Set<NodeId>()
  private armed = false
  private seedCount = 0
  private peerCount = 0
  readonly random: () => number

  constructor(
    readonly scenario: Scenario,
    readonly scale: number,
    rngSeed: number,
  ) {
    // The scenario's picks draw from their own stream, apart from every node's.
    this.random = seededRandom(nodeRngSeed(rngSeed, 999_983))
    scenario.steps.forEach((_, i) => this.pending.add(i))
  }

  observe(event: SessionEvent, now: number): void {
    this.events.push(event)
    applyEvent(this.state, event)
    if (event.type === 'gossip.created') this.messagesCreated++
    if (event.type === 'seed.peer-removed') this.removed.add(event.peer)
    if (event.type === 'host.exited' && this.status.get(event.node) === 'up') this.status.set(event.node, 'down')
    if (this.armed) this.checkTriggers(now, event.type)
  }

  /** Triggers are evaluated once the network has started (not during its launch). */
  arm(t0: number): void {
    this.armed = true
    this.scenario.steps.forEach((step, i) => {
      if (step.at !== undefined) this.dueAt.set(i, t0 + step.at * this.scale)
    })
    this.checkTriggers(t0, null)
  }

  named(ids: NodeId[], role: 'seed' | 'peer'): string[] {
    return ids.map((id) => {
      const name = role === 'seed' ? `seed${++this.seedCount}` : `peer${++this.peerCount}`
      this.names.set(name, id)
      this.status.set(id, 'up')
      return name
    })
  }

  nameOf(id: NodeId): string | undefined {
    for (const [name, node] of this.names) if (node === id && NODE_NAME.test(name)) return name
    return undefined
  }

  nextDue(): number | null {
    let next: number | null = null
    for (const i of this.pending) {
      const due = this.dueAt.get(i)
      if (due !== undefined && (next === null || due < next)) next = due
    }
    return next
  }

  /** Pending steps due by `now`, in due order then file order. */
  takeDue(now: number): number[] {
    const due = [...this.pending].filter((i) => (this.dueAt.get(i) ?? Infinity) <= now)
    due.sort((a, b) => this.dueAt.get(a)! - this.dueAt.get(b)! || a - b)
    for (const i of due) this.pending.delete(i)
    return due
  }

  stepFired(index: number, now: number): void {
    const id = this.scenario.steps[index]!.id
    if (id) this.firedIds.add(id)
    this.checkTriggers(now, null)
  }

  /** A node reference as an id, or an error message. Picks draw from the scenario's generator. */
  resolve(ref: NodeRef, kind: StepKind): { id: NodeId } | { error: string } {
    if (typeof ref === 'string') {
      const id = this.names.get(ref)
      return id ? { id } : { error: `${ref} has not been started (or labelled) yet` }
    }
    const wanted: NodeStatus = kind === 'resume' ? 'paused' : kind === 'restart' ? 'down' : 'up'
    const role = ref.pick === 'seed' ? 'seed' : 'peer'
    const candidates = [...this.names.entries()]
      .filter(([name, id]) => name.startsWith(role) && NODE_NAME.test(name) && this.status.get(id) === wanted)
      .sort(([a], [b]) => nameOrder(a) - nameOrder(b))
    if (candidates.length === 0) return { error: `no ${wanted === 'up' ? 'running' : wanted} ${role} to pick` }
    if (ref.pick === 'highest-degree') {
      let best = candidates[0]!
      let bestDegree = -1
      for (const candidate of candidates) {
        const degree = this.state.nodes.get(candidate[1])?.neighbours.size ?? 0
        if (degree > bestDegree) {
          best = candidate
          bestDegree = degree
        }
      }
      return { id: best[1] }
    }
    return { id: candidates[Math.floor(this.random() * candidates.length)]![1] }
  }

  private checkTriggers(now: number, type: SessionEvent['type'] | null): void {
    for (const i of this.pending) {
      if (this.dueAt.has(i)) continue
      const trigger = this.scenario.steps[i]!.after!
      if (this.holds(trigger, type)) this.dueAt.set(i, now + (trigger.delayMs ?? 0) * this.scale)
    }
  }

  private holds(trigger: Trigger, type: SessionEvent['type'] | null): boolean {
    switch (trigger.event) {
      case 'all-peers-linked':
        if (type !== null && !LINK_EVENTS.has(type)) return false
        return this.allPeersLinked()
      case 'message-created':
        return this.messagesCreated >= trigger.n
      case 'node-removed': {
        if (!trigger.node || typeof trigger.node !== 'string') return this.removed.size > 0
        const id = this.names.get(trigger.node)
        return id !== undefined && this.removed.has(id)
      }
      case 'step-fired':
        return this.firedIds.has(trigger.step)
      default:
        return assertNever(trigger)
    }
  }

  private allPeersLinked(): boolean {
    let peers = 0
    for (const [name, id] of this.names) {
      if (!name.startsWith('peer') || !NODE_NAME.test(name) || this.status.get(id) !== 'up') continue
      peers++
      if ((this.state.nodes.get(id)?.neighbours.size ?? 0) === 0) return false
    }
    return peers > 0
  }
}

const LINK_EVENTS = new Set<string>(['peer.link-up', 'peer.link-down', 'node.started', 'host.kill', 'host.exited', 'host.action'])

function nameOrder(name: string): number {
  return Number(NODE_NAME.exec(name)?.[2] ?? 0)
}

/**
 * Runs `scenario` to its end on `backend`. Never rejects for a step that cannot be carried
 * out (it is recorded with its error); rejects only if the network cannot start.
 */
export async function runScenario(scenario: Scenario, backend: ScenarioBackend, hooks: RunHooks = {}): Promise<ScenarioRun> {
  const settings = scenarioSettings(scenario)
  const scale = settings.timeScale
  const rngSeed = scenario.network.rngSeed ?? 1
  const requested = backend.now()
  const schedule = new Schedule(scenario, scale, rngSeed)
  schedule.settings = settings
  backend.onEvent((event) => schedule.observe(event, backend.now()))
  const fired: FiredStep[] = []
  const started = await backend.start({
    seeds: scenario.network.seeds,
    peers: scenario.network.peers,
    settings,
    rngSeed,
    packing: scenario.network.packing,
    conditions: scenario.conditions,
  })
  schedule.named(started.seeds, 'seed')
  schedule.named(started.peers, 'peer')
  // Time 0 of the scenario: every initial node listens (process start-up is not protocol time).
  const t0 = backend.now()
  schedule.arm(t0)
  const endAt = t0 + scenario.durationMs * scale
  let stopped: string | null = null
  while (stopped === null) {
    const next = schedule.nextDue()
    const until = next === null ? endAt : Math.min(next, endAt)
    // Wake early when an event makes a step due before `until` (its trigger just held).
    if (backend.now() < until && !(await backend.advance(until, () => (schedule.nextDue() ?? Infinity) < until))) {
      stopped = 'the network was stopped from outside the scenario'
      break
    }
    const now = backend.now()
    for (const index of schedule.takeDue(now)) {
      const step = scenario.steps[index]!
      const result = await fire(step, index, schedule, backend)
      const record: FiredStep = { index, do: step.do, atMs: Math.round((now - t0) / scale), ...result }
      fired.push(record)
      hooks.onStep?.(record, scenario)
      schedule.stepFired(index, backend.now())
      if (step.do === 'stop') {
        stopped = 'the run was stopped before it'
        break
      }
    }
    if (backend.now() >= endAt) break
  }
  const unfired = [...schedule.pending].sort((a, b) => a - b).map((index) => {
    const step = scenario.steps[index]!
    const reason = stopped !== null
      ? stopped
      : step.after && !schedule.dueAt.has(index)
        ? `its event (${step.after.event}) did not happen within durationMs`
        : 'the run ended (durationMs) before it was due'
    return { index, do: step.do, reason }
  })
  const endSeq = schedule.events.length
  const endT = backend.now()
  await backend.stop()
  return {
    backend: backend.kind,
    settings,
    rngSeed,
    requestedT: requested,
    startT: t0,
    endT,
    fired,
    unfired,
    names: Object.fromEntries(schedule.names),
    events: schedule.events,
    endSeq,
  }
}

/** Carries out one step; returns the node it acted on and any error. */
async function fire(step: Step, index: number, schedule: Schedule, backend: ScenarioBackend): Promise<Omit<FiredStep, 'index' | 'do' | 'atMs'>> {
  const firedAt = backend.now()
  const note = (extra: Omit<Parameters<ScenarioBackend['note']>[0], 't' | 'step' | 'action'>) =>
    backend.note({ t: firedAt, step: index, action: step.do, ...extra })
  const attempt = async (action: () => Promise<void>, extra: Parameters<typeof note>[0] = {}): Promise<string | undefined> => {
    // Noted once, after the action, with its error if it could not be carried out.
    let message: string | undefined
    try {
      await action()
    } catch (error) {
      message = (error as Error).message
    }
    note(message === undefined ? extra : { ...extra, error: message })
    return message
  }
  switch (step.do) {
    case 'add-seeds':
    case 'add-peers': {
      let ids: NodeId[] = []
      const error = await attempt(async () => {
        ids = step.do === 'add-seeds' ? await backend.addSeeds(step.count) : await backend.addPeers(step.count)
      }, { count: step.count })
      const names = schedule.named(ids, step.do === 'add-seeds' ? 'seed' : 'peer')
      return { ...(names.length > 0 ? { name: names.join(',') } : {}), ...(error ? { error } : {}) }
    }
    case 'kill':
    case 'stop-node':
    case 'pause':
    case 'resume':
    case 'restart': {
      const resolved = schedule.resolve(step.node, step.do)
      if ('error' in resolved) {
        note({ error: resolved.error })
        return { error: resolved.error }
      }
      const id = resolved.id
      const name = schedule.nameOf(id)
      if (step.as) schedule.names.set(step.as, id)
      const act = {
        kill: () => backend.kill(id),
        'stop-node': () => backend.stopNode(id),
        pause: () => backend.pause(id),
        resume: () => backend.resume(id),
        restart: () => backend.restart(id),
      }[step.do]
      const error = await attempt(act, { node: id, ...(name ? { name } : {}) })
      if (!error) schedule.status.set(id, step.do === 'pause' ? 'paused' : step.do === 'resume' || step.do === 'restart' ? 'up' : 'down')
      return { node: id, ...(name ? { name } : {}), ...(error ? { error } : {}) }
    }
    case 'partition': {
      const ids: NodeId[] = []
      const other: NodeId[] = []
      for (const [list, refs] of [[ids, step.nodes], [other, step.other ?? []]] as const) {
        for (const ref of refs) {
          const resolved = schedule.resolve(ref, step.do)
          if ('error' in resolved) {
            note({ error: resolved.error })
            return { error: resolved.error }
          }
          list.push(resolved.id)
        }
      }
      const direction = step.direction ?? 'both'
      const error = await attempt(() => backend.partition(ids, step.other ? other : null, direction), {
        nodes: ids,
        ...(step.other ? { other } : {}),
        ...(step.direction ? { direction } : {}),
      })
      return { name: ids.map((id) => schedule.nameOf(id) ?? id).join(','), ...(error ? { error } : {}) }
    }
    case 'heal': {
      const error = await attempt(() => backend.heal())
      return error ? { error } : {}
    }
    case 'conditions': {
      const error = await attempt(() => backend.setConditions(step.set), { conditions: step.set })
      return error ? { error } : {}
    }
    case 'settings': {
      const next = { ...schedule.settings, ...step.set }
      const error = await attempt(() => backend.setSettings(next), { settings: next })
      if (!error) schedule.settings = next
      return error ? { error } : {}
    }
    case 'stop':
      note({})
      return {}
    default:
      return assertNever(step)
  }
}
