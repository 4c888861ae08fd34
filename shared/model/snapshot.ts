import { cloneNetState } from './net-state'
import type { Failure, MessageState, NetworkState, NodeState } from './network'

/**
 * A compact snapshot of a NetworkState taken from the replay index's head state (the fold
 * of every event so far). It relies on three invariants of the fold in network.ts:
 * - `node.messages` and `state.messages` only grow, so their insertion orders are stable
 *   and a snapshot only needs their sizes: the snapshot's set is a prefix of the head's;
 * - `message.receipts` only grows, so a snapshot keeps its length;
 * - `message.expected`, `Receipt` and `Link` objects are never mutated after creation, so
 *   restored states share them with the head (nothing else is shared);
 * - the eligibility history (model/expected-peers) is append-only, so a snapshot keeps its
 *   tick and a restored state gets the head's history truncated to it.
 * Everything that can shrink or change (neighbours, peer lists, misses, links, the
 * receipts of messages not created yet) is copied.
 */
export interface Snapshot {
  /** Number of events folded (index into the event array). */
  applied: number
  seq: number
  t: number
  nodes: Array<Omit<NodeState, 'messages'> & { messageCount: number }>
  links: NetworkState['links']
  messageCount: number
  /** Per message (head insertion order): receipts length, forwards, duplicates. */
  messageCounters: Int32Array
  failures: Failure[]
  falseReports: NetworkState['falseReports']
  counts: Array<[string, number]>
  /** Receipts and counts of messages not created yet (usually none): copied, they move out. */
  early: NetworkState['early']
  /** Copied (it is small: a few partitions and one entry per link that dropped). */
  net: NetworkState['net']
  /** Messages created so far: the tick of the head's eligibility history to restore (it is append-only). */
  eligibilityTick: number
}

/** A copy of the fold's `early` map; like the fold, absent while empty. */
function copyEarly(early: NetworkState['early']): Pick<NetworkState, 'early'> {
  if (!early || early.size === 0) return {}
  return { early: new Map([...early].map(([id, e]) => [id, { ...e, receipts: e.receipts.slice() }])) }
}

function copyFailure(f: Failure): Failure {
  return { ...f, removals: new Map(f.removals), relinked: new Map(f.relinked) }
}

/** The previous snapshot's copy when the contents are unchanged (snapshot sets are never mutated). */
function reuseSet(previous: Set<string> | undefined, current: Set<string>): Set<string> {
  if (previous && previous.size === current.size) {
    let same = true
    for (const x of current) {
      if (!previous.has(x)) {
        same = false
        break
      }
    }
    if (same) return previous
  }
  return new Set(current)
}

function reuseMap(previous: Map<string, number> | undefined, current: Map<string, number>): Map<string, number> {
  if (previous && previous.size === current.size && [...current].every(([k, v]) => previous.get(k) === v)) return previous
  return new Map(current)
}

/**
 * Takes a snapshot of `head` after `applied` events. Sets and maps unchanged since
 * `previous` are shared with it, so a long session's snapshots cost little memory.
 */
export function takeSnapshot(head: NetworkState, applied: number, previous?: Snapshot): Snapshot {
  const before = new Map(previous?.nodes.map((n) => [n.id, n]))
  const nodes: Snapshot['nodes'] = []
  for (const n of head.nodes.values()) {
    const { messages, ...rest } = n
    const p = before.get(n.id)
    nodes.push({
      ...rest,
      messageCount: messages.size,
      peerList: reuseSet(p?.peerList, n.peerList),
      registeredWith: reuseSet(p?.registeredWith, n.registeredWith),
      neighbours: reuseSet(p?.neighbours, n.neighbours),
      misses: reuseMap(p?.misses, n.misses),
      removedBy: reuseSet(p?.removedBy, n.removedBy),
    })
  }
  const messageCounters = new Int32Array(head.messages.size * 3)
  let i = 0
  for (const m of head.messages.values()) {
    messageCounters[i++] = m.receipts.length
    messageCounters[i++] = m.forwards
    messageCounters[i++] = m.duplicates
  }
  return {
    applied,
    seq: head.seq,
    t: head.t,
    nodes,
    links: new Map(head.links),
    messageCount: head.messages.size,
    messageCounters,
    failures: head.failures.map(copyFailure),
    falseReports: head.falseReports.map((r) => ({ ...r })),
    counts: [...head.counts],
    early: copyEarly(head.early).early,
    net: cloneNetState(head.net),
    eligibilityTick: head.eligibility?.tick ?? 0,
  }
}

/** A fresh, independently mutable state equal to the fold at the snapshot. */
export function restoreSnapshot(snapshot: Snapshot, head: NetworkState): NetworkState {
  const nodes = new Map<string, NodeState>()
  for (const s of snapshot.nodes) {
    const { messageCount, ...rest } = s
    const source = head.nodes.get(s.id)!.messages
    // The whole list: the copy constructor is faster than adding one by one.
    let messages: Set<string>
    if (messageCount === source.size) messages = new Set(source)
    else {
      messages = new Set<string>()
      if (messageCount > 0) {
        for (const id of source) {
          messages.add(id)
          if (messages.size === messageCount) break
        }
      }
    }
    nodes.set(s.id, {
      ...rest,
      messages,
      peerList: new Set(s.peerList),
      registeredWith: new Set(s.registeredWith),
      neighbours: new Set(s.neighbours),
      misses: new Map(s.misses),
      removedBy: new Set(s.removedBy),
    })
  }
  const messages = new Map<string, MessageState>()
  let i = 0
  for (const m of head.messages.values()) {
    if (messages.size === snapshot.messageCount) break
    const c = snapshot.messageCounters
    messages.set(m.id, {
      ...m,
      receipts: m.receipts.slice(0, c[i]!),
      forwards: c[i + 1]!,
      duplicates: c[i + 2]!,
    })
    i += 3
  }
  return {
    seq: snapshot.seq,
    t: snapshot.t,
    nodes,
    links: new Map(snapshot.links),
    messages,
    failures: snapshot.failures.map(copyFailure),
    falseReports: snapshot.falseReports.map((r) => ({ ...r })),
    counts: new Map(snapshot.counts),
    net: cloneNetState(snapshot.net),
    ...copyEarly(snapshot.early),
    ...(head.eligibility && snapshot.eligibilityTick > 0 ? { eligibility: head.eligibility.copyUpTo(snapshot.eligibilityTick) } : {}),
  }
}
