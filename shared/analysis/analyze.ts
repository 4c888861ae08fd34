import type { SessionEvent } from '../events'
import { applyEvent, createNetwork, linkKey, type NetworkState } from '../model/network'
import type { ProtocolSettings } from '../settings'
import { degreeAnalysis, type DegreeAnalysis } from './degree'
import { analyzeFailures, type FailureAnalysis, type FalseReport } from './failures'
import { analyzeMessage, type MessageAnalysis } from './messages'
import { NetworkEffectsTally, type NetworkEffects } from './network-effects'
import { cdf, summarize, type Percentiles } from './stats'

/** Everything the Analysis tab and the summary report show about one session. */
export interface SessionAnalysis {
  /** ms since epoch of the first and last event. */
  startT: number
  endT: number
  events: number
  seeds: number
  peers: number
  /**
   * When the degree distribution was taken (ms since epoch): the moment the overlay had the
   * most links between alive peers, so a session that ended with a stop (links closed) or
   * with kills still shows the topology it grew.
   */
  degreeAt: number
  /** Settings from the first node.started that carries them; null if none was recorded. */
  settings: ProtocolSettings | null
  messages: MessageAnalysis[]
  /** Time to reach all expected peers (ms), over messages that reached them all. */
  timeToAll: Percentiles
  /** CDF points of timeToAll. */
  latencyCdf: Array<[number, number]>
  /** Mean coverage over messages (0..1); null without messages. */
  meanCoverage: number | null
  /** Messages with coverage 1. */
  complete: number
  /** Transmissions per broadcast vs the two bounds, means over messages. */
  perBroadcast: { forwards: number | null; floodingBound: number | null; spanningTree: number | null }
  degree: DegreeAnalysis
  failures: FailureAnalysis[]
  falseReports: FalseReport[]
  /** Emulated network conditions and what they did (partitions, loss, delay). */
  network: NetworkEffects
}

/**
 * How far a resumable analysis got: `done` of `total` units of work. `total` is fixed at
 * the start (3 per event: the fold, at most one refold, and the messages' analysis, which
 * costs one unit per gossip.created and gossip.received), so done / total only grows.
 */
export interface AnalysisProgress {
  done: number
  total: number
}

/** Events folded (or message receipts analysed) between two yields of `analyzeSessionSteps`. */
const STEP = 5_000

/**
 * The analysis as a resumable computation, for a page that must not freeze: a generator
 * that yields its progress every STEP events folded or messages analysed (a few ms each) and
 * returns the analysis. `analyzeSession` runs it to the end at once.
 *
 * One pass of the fold over the events (in seq order), noting the number of links between
 * alive nodes at each message's creation (E of the flooding bound) and what the network
 * conditions did (NetworkEffectsTally), then the analyses of the final state; the state at
 * the peak of links (for the degree distribution) is folded again, up to that event, only
 * when the peak was not at the end. The link count is kept up to date per event (a link
 * event changes it by at most one; a node's start, pause or end recounts), never recounted
 * per message: time is O(events + node events x links), memory O(events) (see
 * model/expected-peers for the expected sets), so a session of 8,000 peers x 30,000
 * messages fits in 1 GB of heap.
 */
export function* analyzeSessionSteps(events: readonly SessionEvent[]): Generator<AnalysisProgress, SessionAnalysis> {
  const state = createNetwork()
  const linksAt = new Map<string, number>()
  const effects = new NetworkEffectsTally()
  let settings: ProtocolSettings | null = null
  let peak = { links: -1, count: 0, t: 0 }
  let links = 0
  const total = 3 * events.length
  /** Earliest and latest `t` (ms since epoch) over all events. */
  const span = { startT: Infinity, endT: 0 }
  const alive = (id: string): boolean => state.nodes.get(id)?.status === 'alive'
  const counted = (a: string, b: string): boolean => state.links.has(linkKey(a, b)) && alive(a) && alive(b)
  for (let i = 0; i < events.length; i++) {
    if (i % STEP === 0 && i > 0) yield { done: i, total }
    const event = events[i]!
    if (event.t < span.startT) span.startT = event.t
    if (event.t > span.endT) span.endT = event.t
    if (event.type === 'gossip.created' && !linksAt.has(event.id)) linksAt.set(event.id, links)
    if (event.type === 'node.started' && settings === null) settings = event.settings
    effects.observe(event, state)
    const isLink = event.type === 'peer.link-up' || event.type === 'peer.link-down'
    const before = isLink ? counted(event.node, event.peer) : false
    applyEvent(state, event)
    if (isLink) links += Number(counted(event.node, event.peer)) - Number(before)
    else if (event.type === 'node.started' || event.type.startsWith('host.')) links = countPeerLinks(state)
    else {
      if (STATUS_EVENTS.has(event.type)) links = countPeerLinks(state)
      continue
    }
    if (links >= peak.links) peak = { links, count: i + 1, t: state.t }
  }
  const refold = peak.count === events.length ? 0 : peak.count
  let atPeak = state
  if (refold > 0) {
    atPeak = createNetwork()
    for (let i = 0; i < refold; i++) {
      if (i % STEP === 0 && i > 0) yield { done: events.length + i, total }
      applyEvent(atPeak, events[i]!)
    }
  }
  const failureStarts = new Map<string, number[]>()
  for (const f of state.failures) if (f.kind !== 'pause') failureStarts.set(f.node, [...(failureStarts.get(f.node) ?? []), f.at])
  const messages: MessageAnalysis[] = []
  // A message's analysis costs about its receipts: yield every STEP receipts.
  let work = 0
  let worked = 0
  for (const m of state.messages.values()) {
    work += m.receipts.length + 1
    if (work >= STEP) {
      worked += work
      work = 0
      yield { done: Math.min(total, 2 * events.length + worked), total }
    }
    messages.push(analyzeMessage(m, linksAt.get(m.id) ?? 0, failureStarts))
  }
  return analyzeState(state, atPeak, peak.t, messages, settings, events, effects, span)
}

/** The whole analysis at once (reports, exports, scenario expectations); see analyzeSessionSteps. */
export function analyzeSession(events: readonly SessionEvent[]): SessionAnalysis {
  const steps = analyzeSessionSteps(events)
  for (;;) {
    const next = steps.next()
    if (next.done) return next.value
  }
}

/** Events besides node.started and host.* that change whether a node is alive. */
const STATUS_EVENTS = new Set<string>(['node.paused', 'node.resumed', 'node.stopping'])

function countPeerLinks(state: NetworkState): number {
  let links = 0
  for (const link of state.links.values()) {
    if (state.nodes.get(link.a)?.status === 'alive' && state.nodes.get(link.b)?.status === 'alive') links++
  }
  return links
}

function analyzeState(
  state: NetworkState,
  atPeak: NetworkState,
  degreeAt: number,
  messages: MessageAnalysis[],
  settings: ProtocolSettings | null,
  events: readonly SessionEvent[],
  effects: NetworkEffectsTally,
  span: { startT: number; endT: number },
): SessionAnalysis {
  messages.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id))
  const times = messages.flatMap((m) => (m.timeToAllMs === null ? [] : [m.timeToAllMs]))
  const avg = (pick: (m: MessageAnalysis) => number): number | null =>
    messages.length === 0 ? null : messages.reduce((sum, m) => sum + pick(m), 0) / messages.length
  const roles = [...state.nodes.values()]
  return {
    startT: Number.isFinite(span.startT) ? span.startT : 0,
    endT: span.endT,
    events: events.length,
    seeds: roles.filter((n) => n.role === 'seed').length,
    peers: roles.filter((n) => n.role === 'peer').length,
    settings,
    messages,
    timeToAll: summarize(times),
    latencyCdf: cdf(times),
    meanCoverage: avg((m) => m.coverage),
    complete: messages.filter((m) => m.coverage === 1).length,
    perBroadcast: {
      forwards: avg((m) => m.forwards),
      floodingBound: avg((m) => m.floodingBound),
      spanningTree: avg((m) => m.spanningTree),
    },
    degree: degreeAnalysis(atPeak),
    degreeAt,
    failures: analyzeFailures(state, settings),
    falseReports: state.falseReports.map((r) => ({ ...r })),
    network: effects.result(state, events, messages),
  }
}
