import type { AnyEvent, SessionEvent } from '../events'

/**
 * Merges events written by several nodes (each node's own events file: no `seq`, `t` from
 * that node's own clock) into one session timeline with `seq` assigned.
 *
 * Clocks may be skewed (nodes on several machines), so time alone can put a receipt
 * before its send. Causal pairs give hard constraints "receive is not earlier than send":
 * - `gossip.forwarded` by A to B (or A's `gossip.created`) -> B's `gossip.received` /
 *   `gossip.duplicate` of that id from A;
 * - seed S's `seed.registered` of P -> P's `peer.registered` with S;
 * - P's `peer.dead-reported` of X -> seed's `seed.peer-removed` / `seed.report-rejected`
 *   of X with reporter P.
 * When the times as written already satisfy every one of them (one machine's clock), no
 * offset is applied: zero is preferred whenever zero satisfies every constraint.
 * Otherwise per-node clock offsets (ms added to that node's `t`) are first estimated pairwise, NTP
 * style, as the middle of the window the two directions allow (or from the nearly
 * simultaneous `peer.link-up` pair of a link when only one direction is known), spread
 * along a spanning tree from the busiest node, then every hard constraint is enforced by
 * shifting receivers forward (longest-path relaxation). Finally the per-node streams are
 * merged by adjusted time, each node's own order kept, and a receipt never placed before
 * its send when that send is present. Liveness pairs (`liveness.sent`/`liveness.ok`) are
 * both on the sender's clock and carry no cross-node information.
 */

export interface MergeInput {
  /** File name, for messages. */
  name: string
  /** Events in the order the file holds them. */
  events: AnyEvent[]
}

export interface MergeResult {
  /** Every event, `t` adjusted by its node's offset (rounded to ms), `seq` from 1. */
  events: SessionEvent[]
  /** Node id -> ms added to its clock (0 for the reference node). */
  offsets: Map<string, number>
  /** Causal pairs whose order could not be satisfied (inconsistent input), after adjusting. */
  violations: number
}

interface Ref {
  node: string
  /** Index in that node's stream. */
  index: number
}

interface Pair {
  send: Ref
  recv: Ref
}

/** Keys under which a send can be found by its receiver. */
function sendKeys(e: AnyEvent): string[] {
  switch (e.type) {
    case 'gossip.forwarded':
      return [`f|${e.node}|${e.to}|${e.id}`]
    case 'gossip.created':
      return [`c|${e.node}|${e.id}`]
    case 'seed.registered':
      return [`r|${e.node}|${e.peer}`]
    case 'peer.dead-reported':
      return e.seeds.map((seed) => `d|${e.node}|${seed}|${e.peer}`)
    default:
      return []
  }
}

/** Keys of the sends this event is the receipt of, most specific first. */
function receiveKeys(e: AnyEvent): string[] {
  switch (e.type) {
    case 'gossip.received':
    case 'gossip.duplicate':
      return [`f|${e.from}|${e.node}|${e.id}`, `c|${e.from}|${e.id}`]
    case 'peer.registered':
      return [`r|${e.seed}|${e.node}`]
    case 'seed.peer-removed':
    case 'seed.report-rejected':
      return [`d|${e.reporter}|${e.node}|${e.peer}`]
    default:
      return []
  }
}

export function mergeNodeEvents(inputs: readonly MergeInput[]): MergeResult {
  // One stream per emitting node: a node's events share its clock and keep their order.
  const streams = new Map<string, AnyEvent[]>()
  for (const input of inputs) {
    for (const event of input.events) {
      let stream = streams.get(event.node)
      if (!stream) streams.set(event.node, (stream = []))
      stream.push(event)
    }
  }
  const nodes = [...streams.keys()].sort()
  const tOf = (ref: Ref): number => streams.get(ref.node)![ref.index]!.t

  const sends = new Map<string, Ref>()
  for (const node of nodes) {
    streams.get(node)!.forEach((e, index) => {
      for (const key of sendKeys(e)) if (!sends.has(key)) sends.set(key, { node, index })
    })
  }
  const pairs: Pair[] = []
  /** Receive ref key -> the send it must follow. */
  const waitsFor = new Map<string, Ref>()
  for (const node of nodes) {
    streams.get(node)!.forEach((e, index) => {
      for (const key of receiveKeys(e)) {
        const send = sends.get(key)
        if (!send || send.node === node) continue
        pairs.push({ send, recv: { node, index } })
        waitsFor.set(`${node}#${index}`, send)
        break
      }
    })
  }

  // One clock wrote every file (nodes on one machine) when no receipt precedes its send as
  // written: then no offset is applied. Estimating anyway invents skew: a seed's
  // verification probe delays one side of a causal pair, and the NTP-style midpoint
  // shifted that seed by 1.3 s (issue 11, folder-with-gz.zip).
  const consistent = pairs.every(({ send, recv }) => tOf(recv) >= tOf(send))
  const offsets = consistent ? new Map(nodes.map((n) => [n, 0])) : estimateOffsets(nodes, streams, pairs, tOf)
  if (!consistent) enforce(nodes, pairs, offsets, tOf)
  // Offsets are relative: the busiest node's clock is the reference.
  const busiest = nodes.reduce<string | null>((b, n) => (b === null || streams.get(n)!.length > streams.get(b)!.length ? n : b), null)
  const base = busiest === null ? 0 : offsets.get(busiest)!
  for (const [node, offset] of offsets) offsets.set(node, offset - base)
  return interleave(nodes, streams, offsets, waitsFor, pairs, tOf)
}

function estimateOffsets(
  nodes: readonly string[],
  streams: Map<string, AnyEvent[]>,
  pairs: readonly Pair[],
  tOf: (ref: Ref) => number,
): Map<string, number> {
  /** `a|b` -> [lo, hi]: bounds on offset(b) - offset(a) from causal pairs. */
  const windows = new Map<string, [number, number]>()
  const window = (a: string, b: string): [number, number] => {
    let w = windows.get(`${a}|${b}`)
    if (!w) windows.set(`${a}|${b}`, (w = [-Infinity, Infinity]))
    return w
  }
  for (const { send, recv } of pairs) {
    const lo = tOf(send) - tOf(recv)
    const ab = window(send.node, recv.node)
    ab[0] = Math.max(ab[0], lo)
    const ba = window(recv.node, send.node)
    ba[1] = Math.min(ba[1], -lo)
  }
  // Link-up pairs: both ends log the link within a round trip of each other.
  const linkUps = new Map<string, number[]>()
  for (const [node, stream] of streams) {
    for (const e of stream) {
      if (e.type !== 'peer.link-up' || !streams.has(e.peer)) continue
      const other = streams.get(e.peer)!.find((x) => x.type === 'peer.link-up' && x.peer === node)
      if (other) {
        const list = linkUps.get(`${node}|${e.peer}`) ?? []
        list.push(e.t - other.t)
        linkUps.set(`${node}|${e.peer}`, list)
      }
    }
  }
  const estimate = (a: string, b: string): number | null => {
    const w = windows.get(`${a}|${b}`)
    const ups = linkUps.get(`${a}|${b}`)
    const lo = w?.[0] ?? -Infinity
    const hi = w?.[1] ?? Infinity
    if (ups) {
      const sorted = ups.slice().sort((x, y) => x - y)
      return Math.min(hi, Math.max(lo, sorted[sorted.length >> 1]!))
    }
    if (Number.isFinite(lo) && Number.isFinite(hi)) return lo <= hi ? (lo + hi) / 2 : lo
    // One direction only: assume the shortest delay the pairs allow (latency near 0).
    if (Number.isFinite(lo)) return lo
    if (Number.isFinite(hi)) return hi
    return null
  }
  const offsets = new Map<string, number>()
  const byBusiest = nodes.slice().sort((a, b) => streams.get(b)!.length - streams.get(a)!.length)
  const neighbours = new Map<string, Set<string>>()
  for (const key of [...windows.keys(), ...linkUps.keys()]) {
    const [a, b] = key.split('|') as [string, string]
    if (!neighbours.has(a)) neighbours.set(a, new Set())
    if (!neighbours.has(b)) neighbours.set(b, new Set())
    neighbours.get(a)!.add(b)
    neighbours.get(b)!.add(a)
  }
  for (const root of byBusiest) {
    if (offsets.has(root)) continue
    offsets.set(root, 0)
    const queue = [root]
    while (queue.length > 0) {
      const a = queue.shift()!
      for (const b of neighbours.get(a) ?? []) {
        if (offsets.has(b)) continue
        const d = estimate(a, b)
        if (d === null) continue
        offsets.set(b, offsets.get(a)! + d)
        queue.push(b)
      }
    }
  }
  return offsets
}

/** Longest-path relaxation: offset(recv) >= offset(send) + t(send) - t(recv). */
function enforce(nodes: readonly string[], pairs: readonly Pair[], offsets: Map<string, number>, tOf: (ref: Ref) => number): void {
  const need = new Map<string, number>()
  for (const { send, recv } of pairs) {
    const key = `${send.node}|${recv.node}`
    need.set(key, Math.max(need.get(key) ?? -Infinity, tOf(send) - tOf(recv)))
  }
  const edges = [...need].map(([key, w]) => [...(key.split('|') as [string, string]), w] as const)
  for (let round = 0; round <= nodes.length; round++) {
    let changed = false
    for (const [a, b, w] of edges) {
      const want = offsets.get(a)! + w
      if (offsets.get(b)! < want) {
        offsets.set(b, want)
        changed = true
      }
    }
    if (!changed) break
  }
}

function interleave(
  nodes: readonly string[],
  streams: Map<string, AnyEvent[]>,
  offsets: Map<string, number>,
  waitsFor: Map<string, Ref>,
  pairs: readonly Pair[],
  tOf: (ref: Ref) => number,
): MergeResult {
  const heads = nodes.map(() => 0)
  const lists = nodes.map((n) => streams.get(n)!)
  const offs = nodes.map((n) => offsets.get(n) ?? 0)
  const indexOf = new Map(nodes.map((n, i) => [n, i]))
  const total = lists.reduce((sum, l) => sum + l.length, 0)
  const events: SessionEvent[] = []
  while (events.length < total) {
    let best = -1
    let bestT = Infinity
    let fallback = -1
    let fallbackT = Infinity
    for (let i = 0; i < lists.length; i++) {
      const e = lists[i]![heads[i]!]
      if (!e) continue
      const t = e.t + offs[i]!
      if (t < fallbackT) {
        fallback = i
        fallbackT = t
      }
      if (t >= bestT) continue
      const send = waitsFor.get(`${nodes[i]}#${heads[i]}`)
      if (send && heads[indexOf.get(send.node)!]! <= send.index) continue
      best = i
      bestT = t
    }
    const pick = best >= 0 ? best : fallback
    const e = lists[pick]![heads[pick]!]!
    heads[pick]!++
    events.push({ ...e, t: Math.max(0, Math.round(e.t + offs[pick]!)), seq: events.length + 1 })
  }
  let violations = 0
  for (const { send, recv } of pairs) {
    if (tOf(recv) + offsets.get(recv.node)! < tOf(send) + offsets.get(send.node)! - 1e-6) violations++
  }
  const rounded = new Map([...offsets].map(([n, o]) => [n, Math.round(o)]))
  return { events, offsets: rounded, violations }
}

