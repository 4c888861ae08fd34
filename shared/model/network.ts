import type { SessionEvent } from '../events'
import { EligibilityHistory, ExpectedPeers, type PeerSet } from './expected-peers'
import { type NetState, applyNetConditions, applyNetDropped, cloneNetState, createNetState } from './net-state'

/**
 * The network as the events describe it: one pure fold, `applyEvent`, used by the live
 * view, replay, and reports alike, so all three always agree. The state is mutable for
 * speed (the live view folds ~10k events/s); `cloneNetwork` copies it for snapshots.
 * Events must be applied in `seq` order.
 */

/** `paused`: frozen by the host (SIGSTOP): its connections are open but it answers nothing. */
export type NodeStatus = 'starting' | 'alive' | 'paused' | 'dead' | 'stopped'

export interface NodeState {
  /** `IP:PORT` */
  id: string
  role: 'seed' | 'peer'
  status: NodeStatus
  pid: number | null
  /** ms since epoch of node.started / host.spawned; null if never seen. */
  startedAt: number | null
  /** When it was killed, crashed or stopped (ms since epoch); null while alive. */
  endedAt: number | null
  /** Exited without being asked to. */
  crashed: boolean
  /** Current process's incarnation (ms since epoch it started, from node.started); null if not recorded. */
  incarnation: number | null
  /** Times it started again at the same address after ending (a new process each time). */
  restarts: number
  /** Seeds: registered peers (its Peer List). Peers: union of the lists received. */
  peerList: Set<string>
  /** Peers: seeds that acknowledged registration. */
  registeredWith: Set<string>
  /** Peers: current neighbours (links up). */
  neighbours: Set<string>
  /** Peers: ids of messages in its Message List (created or received). */
  messages: Set<string>
  created: number
  received: number
  duplicates: number
  /** Peers: consecutive liveness misses per neighbour (entry removed on reply or link down). */
  misses: Map<string, number>
  /** Seeds that removed this node from their Peer List. */
  removedBy: Set<string>
  /** Frames refused by this node. */
  rejected: number
}

export interface Link {
  /** Sorted pair key `a|b`, a < b. */
  key: string
  a: string
  b: string
  upAt: number
}

export interface Receipt {
  node: string
  /** ms since epoch, receiver's clock. */
  at: number
  from: string
}

export interface MessageState {
  id: string
  text: string
  origin: string
  /** Msg# within its origin (1-based). */
  n: number
  createdAt: number
  /** First receipts, in arrival order (the origin is not included). */
  receipts: Receipt[]
  /**
   * Peers that should receive it: alive and linked when it was created, origin excluded.
   * Coverage = receipts by members of this set / its size (later joiners cannot get it).
   * Immutable, a view into the fold's shared `eligibility` history (see expected-peers.ts).
   */
  expected: PeerSet
  forwards: number
  duplicates: number
}

/**
 * One failure: a kill, a crash or a pause, and how the network noticed it. A kill or crash
 * followed by a start at the same address is a restart (`endAt` = the new start); a pause
 * ends at its resume. Reports and misses count as detections of it while it is open and,
 * after it ended, from neighbours that have not linked to the node again since.
 */
export interface Failure {
  node: string
  /** ms since epoch it began (kill, crash, last event of a crashed process, or pause). */
  at: number
  kind: 'kill' | 'crash' | 'pause'
  /** ms since epoch of the resume or the restart (node.started of the next process); null while it lasts. */
  endAt: number | null
  /** First link-up of the node after `endAt`: back in the overlay. */
  rejoinedAt: number | null
  /**
   * Nodes in touch with the node again since `endAt` (neighbours that linked to it, seeds
   * that registered it again) -> ms since epoch: their later reports are about the new state.
   */
  relinked: Map<string, number>
  /** Dead Node reports that detected it. */
  reports: number
  /** First liveness.missed about it by any neighbour. */
  firstMissAt: number | null
  /** First peer.dead-reported about it. */
  reportedAt: number | null
  reportedBy: string | null
  /** Seed id -> ms since epoch it removed the node. */
  removals: Map<string, number>
}

export interface NetworkState {
  /** seq of the last event applied (0 = none). */
  seq: number
  /** t of the last event applied (ms since epoch; 0 = none). */
  t: number
  nodes: Map<string, NodeState>
  links: Map<string, Link>
  messages: Map<string, MessageState>
  failures: Failure[]
  /** Dead Node reports about a node that was alive (not killed and not crashed). */
  falseReports: Array<{ node: string; reporter: string; at: number }>
  /** Counts of every event type seen. */
  counts: Map<string, number>
  /** Emulated network conditions, partitions and drops (net.* events). */
  net: NetState
  /**
   * Message id -> receipts, forwards and duplicates seen before its gossip.created: events
   * of different node processes can reach the host out of causal order (a neighbour's
   * receipt may be recorded just before the origin's creation). Moved into the message
   * when it is created. Absent while empty (states built elsewhere stay valid).
   */
  early?: Map<string, EarlyMessage>
  /**
   * Which nodes were alive, linked peers at each gossip.created: the history the messages'
   * `expected` sets are views into. Absent until the first message (states built elsewhere
   * stay valid); copied with the state, never shared by two states.
   */
  eligibility?: EligibilityHistory
}

export interface EarlyMessage {
  receipts: Receipt[]
  forwards: number
  duplicates: number
}

function earlyOf(state: NetworkState, id: string): EarlyMessage {
  state.early ??= new Map()
  let early = state.early.get(id)
  if (!early) {
    early = { receipts: [], forwards: 0, duplicates: 0 }
    state.early.set(id, early)
  }
  return early
}

export function createNetwork(): NetworkState {
  return {
    seq: 0,
    t: 0,
    nodes: new Map(),
    links: new Map(),
    messages: new Map(),
    failures: [],
    falseReports: [],
    counts: new Map(),
    net: createNetState(),
  }
}

export function linkKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`
}

function ensureNode(state: NetworkState, id: string, role?: 'seed' | 'peer'): NodeState {
  let node = state.nodes.get(id)
  if (!node) {
    node = {
      id,
      role: role ?? 'peer',
      status: 'starting',
      pid: null,
      startedAt: null,
      endedAt: null,
      crashed: false,
      incarnation: null,
      restarts: 0,
      peerList: new Set(),
      registeredWith: new Set(),
      neighbours: new Set(),
      messages: new Set(),
      created: 0,
      received: 0,
      duplicates: 0,
      misses: new Map(),
      removedBy: new Set(),
      rejected: 0,
    }
    state.nodes.set(id, node)
  } else if (role) node.role = role
  return node
}

/** `node` linked to `other`: if a failure of `node` has ended, `other` now knows the new process. */
function rejoined(state: NetworkState, node: string, other: string, t: number): void {
  const f = latestFailure(state, node)
  if (!f || f.endAt === null || t < f.endAt) return
  if (!f.relinked.has(other)) f.relinked.set(other, t)
  f.rejoinedAt ??= t
}

function dropLink(state: NetworkState, a: string, b: string): void {
  state.links.delete(linkKey(a, b))
  state.nodes.get(a)?.neighbours.delete(b)
  state.nodes.get(b)?.neighbours.delete(a)
}

/**
 * The failure of `node` that an observation by `observer` at `t` is about: its latest one,
 * if it had begun by `t` and `observer` has not linked to the node again since it ended.
 */
function failureSeenBy(state: NetworkState, node: string, observer: string, t: number): Failure | undefined {
  for (let i = state.failures.length - 1; i >= 0; i--) {
    const f = state.failures[i]!
    if (f.node !== node) continue
    return f.at <= t && !f.relinked.has(observer) ? f : undefined
  }
  return undefined
}

function latestFailure(state: NetworkState, node: string): Failure | undefined {
  for (let i = state.failures.length - 1; i >= 0; i--) if (state.failures[i]!.node === node) return state.failures[i]
  return undefined
}

function addFailure(state: NetworkState, node: string, at: number, kind: Failure['kind']): void {
  state.failures.push({
    node,
    at,
    kind,
    endAt: null,
    rejoinedAt: null,
    relinked: new Map(),
    reports: 0,
    firstMissAt: null,
    reportedAt: null,
    reportedBy: null,
    removals: new Map(),
  })
}

/** The node's current failure ends (resume or restart) at `t`. */
function endFailure(state: NetworkState, node: string, t: number): void {
  const f = latestFailure(state, node)
  if (f && f.endAt === null) f.endAt = t
}

function markEnded(state: NetworkState, node: NodeState, at: number, status: NodeStatus, crashed: boolean): void {
  if (node.status === 'dead' || node.status === 'stopped') return
  if (node.status === 'paused') endFailure(state, node.id, at) // killed while paused: the pause ends here
  node.status = status
  node.endedAt = at
  node.crashed = crashed
  if (status === 'dead') addFailure(state, node.id, at, crashed ? 'crash' : 'kill')
  // A link is dropped when a live end reports it down; with both ends dead (a killed node
  // host takes its nodes and their links to each other) no report will ever come.
  if (status === 'dead') for (const other of [...node.neighbours]) if (state.nodes.get(other)?.status === 'dead') dropLink(state, node.id, other)
}

/**
 * A node.started for an address that had started before: a new process (a restart). The
 * previous one ended (if nothing said so, it crashed now); what the node held belonged to
 * that process and is dropped, links included (its neighbours' links were to the old one).
 */
function restart(state: NetworkState, node: NodeState, t: number): void {
  if (node.status !== 'dead' && node.status !== 'stopped') markEnded(state, node, t, 'dead', true)
  endFailure(state, node.id, t)
  node.restarts++
  node.endedAt = null
  node.crashed = false
  for (const other of [...node.neighbours]) dropLink(state, node.id, other)
  node.peerList.clear()
  node.registeredWith.clear()
  node.messages.clear()
  node.misses.clear()
  node.removedBy.clear()
  node.created = 0
  node.received = 0
  node.duplicates = 0
}

/** First receipt of message `id` by `node` at `at` (its clock), from neighbour `from`. */
function received(state: NetworkState, id: string, node: string, at: number, from: string): void {
  const peer = ensureNode(state, node, 'peer')
  peer.received++
  peer.messages.add(id)
  const receipt = { node, at, from }
  const message = state.messages.get(id)
  if (message) message.receipts.push(receipt)
  else earlyOf(state, id).receipts.push(receipt)
}

/** `n` later copies of message `id` dropped by `node`. */
function duplicates(state: NetworkState, id: string, node: string, n: number): void {
  ensureNode(state, node, 'peer').duplicates += n
  const message = state.messages.get(id)
  if (message) message.duplicates += n
  else earlyOf(state, id).duplicates += n
}

/** `n` sends of message `id` to neighbours. */
function forwarded(state: NetworkState, id: string, n: number): void {
  if (n === 0) return
  const message = state.messages.get(id)
  if (message) message.forwards += n
  else earlyOf(state, id).forwards += n
}

function addCount(state: NetworkState, type: string, n: number): void {
  if (n > 0) state.counts.set(type, (state.counts.get(type) ?? 0) + n)
}

/** Folds one event into the state (mutating it). */
export function applyEvent(state: NetworkState, event: SessionEvent): void {
  state.seq = event.seq
  state.t = Math.max(state.t, event.t)
  // A coverage item counts as the hop events it stands for (below), not as itself.
  if (event.type !== 'gossip.coverage') state.counts.set(event.type, (state.counts.get(event.type) ?? 0) + 1)
  const t = event.t
  const history = state.eligibility
  if (history) {
    // Whatever can change whether a node is an alive, linked peer concerns the event's node,
    // its `peer`, or (a restart drops every link) the restarted node's neighbours.
    history.touch(event.node)
    if ('peer' in event) history.touch(event.peer)
    if (event.type === 'node.started') for (const other of state.nodes.get(event.node)?.neighbours ?? []) history.touch(other)
  }
  switch (event.type) {
    case 'host.spawned': {
      const node = ensureNode(state, event.node, event.role)
      node.pid = event.pid
      node.startedAt ??= t
      return
    }
    case 'node.started': {
      const node = ensureNode(state, event.node, event.role)
      const again =
        node.status !== 'starting' ||
        (event.incarnation !== undefined && node.incarnation !== null && event.incarnation !== node.incarnation)
      if (again) restart(state, node, t)
      node.status = 'alive'
      node.pid = event.pid ?? node.pid
      node.incarnation = event.incarnation ?? null
      node.startedAt = t
      return
    }
    case 'node.paused': {
      const node = ensureNode(state, event.node)
      if (node.status !== 'alive' && node.status !== 'starting') return
      node.status = 'paused'
      addFailure(state, node.id, t, 'pause')
      return
    }
    case 'node.resumed': {
      const node = ensureNode(state, event.node)
      if (node.status !== 'paused') return
      node.status = 'alive'
      endFailure(state, node.id, t)
      return
    }
    case 'host.kill': {
      const node = ensureNode(state, event.node)
      if (event.signal === 'SIGKILL') markEnded(state, node, t, 'dead', false)
      return
    }
    case 'host.exited': {
      const node = ensureNode(state, event.node)
      markEnded(state, node, t, event.expected ? 'stopped' : 'dead', !event.expected)
      if (!event.expected) node.crashed = true
      return
    }
    case 'node.stopping': {
      const node = ensureNode(state, event.node)
      if (node.status === 'alive' || node.status === 'starting') node.status = 'stopped'
      node.endedAt ??= t
      return
    }
    case 'seed.registered': {
      ensureNode(state, event.node, 'seed').peerList.add(event.peer)
      ensureNode(state, event.peer, 'peer')
      // A seed that registers the node again after its failure ended holds the new process.
      const f = latestFailure(state, event.peer)
      if (f && f.endAt !== null && t >= f.endAt && !f.relinked.has(event.node)) f.relinked.set(event.node, t)
      return
    }
    case 'seed.peer-removed': {
      ensureNode(state, event.node, 'seed').peerList.delete(event.peer)
      const peer = ensureNode(state, event.peer, 'peer')
      peer.removedBy.add(event.node)
      const failure = failureSeenBy(state, event.peer, event.node, t)
      if (failure && !failure.removals.has(event.node)) failure.removals.set(event.node, t)
      return
    }
    case 'peer.registered':
      ensureNode(state, event.node, 'peer').registeredWith.add(event.seed)
      return
    case 'peer.peer-list': {
      const node = ensureNode(state, event.node, 'peer')
      for (const p of event.peers) node.peerList.add(p)
      return
    }
    case 'peer.link-up': {
      const a = ensureNode(state, event.node, 'peer')
      const b = ensureNode(state, event.peer, 'peer')
      a.neighbours.add(b.id)
      b.neighbours.add(a.id)
      rejoined(state, a.id, b.id, t)
      rejoined(state, b.id, a.id, t)
      const key = linkKey(a.id, b.id)
      if (!state.links.has(key)) {
        const [x, y] = a.id < b.id ? [a.id, b.id] : [b.id, a.id]
        state.links.set(key, { key, a: x, b: y, upAt: t })
      }
      return
    }
    case 'peer.link-down':
      dropLink(state, event.node, event.peer)
      state.nodes.get(event.node)?.misses.delete(event.peer)
      return
    case 'gossip.created': {
      const node = ensureNode(state, event.node, 'peer')
      node.created++
      node.messages.add(event.id)
      if (!state.messages.has(event.id)) {
        const history = (state.eligibility ??= new EligibilityHistory())
        const tick = history.record(state.nodes, (peer) => peer.role === 'peer' && peer.status === 'alive' && peer.neighbours.size > 0)
        const expected = new ExpectedPeers(history, tick, event.node, history.eligible - (history.wasEligible(event.node, tick) ? 1 : 0))
        const early = state.early?.get(event.id)
        if (early) {
          state.early!.delete(event.id)
          if (state.early!.size === 0) delete state.early
        }
        state.messages.set(event.id, {
          id: event.id,
          text: event.text,
          origin: event.node,
          n: event.n,
          createdAt: t,
          receipts: early?.receipts ?? [],
          expected,
          forwards: early?.forwards ?? 0,
          duplicates: early?.duplicates ?? 0,
        })
      }
      return
    }
    case 'gossip.received':
      received(state, event.id, event.node, t, event.from)
      return
    case 'gossip.duplicate':
      duplicates(state, event.id, event.node, 1)
      return
    case 'gossip.forwarded':
      forwarded(state, event.id, 1)
      return
    case 'gossip.coverage': {
      // The same three steps as the hop events it folds, in their seq order per message.
      let firsts = 0
      let copies = 0
      let sends = 0
      for (const m of event.messages) {
        for (const [node, at, from] of m.received) received(state, m.id, node, at, from)
        for (const [node, n] of m.duplicates) duplicates(state, m.id, node, n)
        forwarded(state, m.id, m.forwards)
        firsts += m.received.length
        for (const [, n] of m.duplicates) copies += n
        sends += m.forwards
      }
      addCount(state, 'gossip.received', firsts)
      addCount(state, 'gossip.duplicate', copies)
      addCount(state, 'gossip.forwarded', sends)
      return
    }
    case 'liveness.ok':
      state.nodes.get(event.node)?.misses.delete(event.peer)
      return
    case 'liveness.missed': {
      ensureNode(state, event.node, 'peer').misses.set(event.peer, event.count)
      const failure = failureSeenBy(state, event.peer, event.node, t)
      if (failure && failure.firstMissAt === null) failure.firstMissAt = t
      return
    }
    case 'peer.dead-reported': {
      const failure = failureSeenBy(state, event.peer, event.node, t)
      const target = state.nodes.get(event.peer)
      if (failure) {
        failure.reports++
        if (failure.reportedAt === null) {
          failure.reportedAt = t
          failure.reportedBy = event.node
        }
      } else if (target && (target.status === 'alive' || target.status === 'starting')) {
        // Only a report about a node that was running and answering is false.
        state.falseReports.push({ node: event.peer, reporter: event.node, at: t })
      }
      return
    }
    case 'frame.rejected':
      ensureNode(state, event.node).rejected++
      return
    case 'net.conditions':
      ensureNode(state, event.node)
      applyNetConditions(state.net, event)
      return
    case 'net.dropped':
      ensureNode(state, event.node)
      applyNetDropped(state.net, event)
      return
    case 'node.warning':
    case 'seed.report-rejected':
    case 'peer.link-failed':
    case 'liveness.sent':
    case 'host.stream-error':
    case 'host.stderr':
      ensureNode(state, event.node)
      return
    case 'host.action':
      // An intent; what it did arrives as the nodes' and the host's own events.
      return
    default: {
      const never: never = event
      return never
    }
  }
}

export function foldEvents(events: Iterable<SessionEvent>, state: NetworkState = createNetwork()): NetworkState {
  for (const event of events) applyEvent(state, event)
  return state
}

/** Deep copy, for snapshots. */
export function cloneNetwork(state: NetworkState): NetworkState {
  const nodes = new Map<string, NodeState>()
  for (const [id, n] of state.nodes) {
    nodes.set(id, {
      ...n,
      peerList: new Set(n.peerList),
      registeredWith: new Set(n.registeredWith),
      neighbours: new Set(n.neighbours),
      messages: new Set(n.messages),
      misses: new Map(n.misses),
      removedBy: new Set(n.removedBy),
    })
  }
  const messages = new Map<string, MessageState>()
  for (const [id, m] of state.messages) messages.set(id, { ...m, receipts: m.receipts.slice() })
  return {
    seq: state.seq,
    t: state.t,
    nodes,
    links: new Map(state.links),
    messages,
    failures: state.failures.map((f) => ({ ...f, removals: new Map(f.removals), relinked: new Map(f.relinked) })),
    falseReports: state.falseReports.slice(),
    counts: new Map(state.counts),
    net: cloneNetState(state.net),
    ...(state.early ? { early: new Map([...state.early].map(([id, e]) => [id, { ...e, receipts: e.receipts.slice() }])) } : {}),
    ...(state.eligibility ? { eligibility: state.eligibility.copyUpTo() } : {}),
  }
}
