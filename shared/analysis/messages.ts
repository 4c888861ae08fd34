import { max } from 'd3-array'
import type { MessageState } from '../model/network'

/**
 * Per gossip message: how far and how fast it spread. Times are ms after creation, on the
 * receivers' clocks (one machine in a recorded session; merged files are skew-adjusted).
 */
export interface MessageAnalysis {
  id: string
  origin: string
  /**
   * Msg# at the origin (1-based), read from the text `<timestamp>:<IP>:<Msg#>`: a recorded
   * session's `seq` field is the session sequence number (it overwrites the event's Msg#).
   */
  seq: number
  /** ms since epoch */
  createdAt: number
  /**
   * Peers that should have received it: alive and linked at creation, origin excluded,
   * less those killed or crashed after its creation before they got it (`lostToFailure`).
   */
  expected: number
  /** Expected at creation, but killed or crashed before it reached them: not counted. */
  lostToFailure: number
  /** Expected peers that received it. */
  reached: number
  /** reached / expected (1 when nobody was expected). */
  coverage: number
  /** ms from creation to the last expected peer's first receipt; null until all are reached. */
  timeToAllMs: number | null
  /** Hop count of each receipt (origin = 0), following `from` back to the origin. */
  maxHops: number
  /**
   * Most hops to an expected peer (the last one to get it when every hop takes the same
   * time): time to all = hopsToAll x d under a uniform one-way delay d. Peers that linked
   * after the creation can be further away (`maxHops`) without delaying anyone expected.
   */
  hopsToAll: number
  meanHops: number | null
  /** Copies dropped as duplicates, network-wide. */
  duplicates: number
  /** Transmissions (gossip.forwarded), including the origin's own sends. */
  forwards: number
  /** Links up when it was created (E) and N = peers expected at creation + 1. */
  links: number
  nodes: number
  /** 2E - (N - 1): what flooding sends when every node forwards to all but the sender. */
  floodingBound: number
  /** N - 1: the fewest transmissions that reach everyone (a spanning tree). */
  spanningTree: number
  /** Coverage after each expected receipt: [ms after creation, fraction], ascending. */
  curve: Array<[number, number]>
}

/**
 * `failureStarts`: node id -> ms since epoch of each of its kills or crashes. A peer killed
 * or crashed at or after the message's creation that never got it is left out of its
 * expected set: flooding cannot reach a dead process, and counting it would blame the
 * protocol for the kill. O(receipts + failed nodes) per message, never O(peers).
 */
export function analyzeMessage(
  message: MessageState,
  linksAtCreation: number,
  failureStarts: ReadonlyMap<string, readonly number[]> = new Map(),
): MessageAnalysis {
  const hops = new Map<string, number>([[message.origin, 0]])
  const hopList: number[] = []
  const times: number[] = []
  let reached = 0
  let lastExpectedAt = message.createdAt
  let hopsToAll = 0
  for (const r of message.receipts) {
    const hop = (hops.get(r.from) ?? 0) + 1
    hops.set(r.node, hop)
    hopList.push(hop)
    if (message.expected.has(r.node)) {
      reached++
      lastExpectedAt = Math.max(lastExpectedAt, r.at)
      hopsToAll = Math.max(hopsToAll, hop)
      times.push(Math.max(0, r.at - message.createdAt))
    }
  }
  let lostToFailure = 0
  if (reached < message.expected.size && failureStarts.size > 0) {
    for (const [node, starts] of failureStarts) {
      if (!message.expected.has(node) || hops.has(node) || !starts.some((at) => at >= message.createdAt)) continue
      lostToFailure++
    }
  }
  const expected = message.expected.size - lostToFailure
  times.sort((a, b) => a - b)
  const curve = times.map((ms, i): [number, number] => [ms, (i + 1) / expected])
  const nodes = message.expected.size + 1
  return {
    id: message.id,
    origin: message.origin,
    seq: message.n,
    createdAt: message.createdAt,
    expected,
    lostToFailure,
    reached,
    coverage: expected === 0 ? 1 : reached / expected,
    timeToAllMs: reached === expected ? Math.max(0, lastExpectedAt - message.createdAt) : null,
    maxHops: max(hopList) ?? 0,
    hopsToAll,
    meanHops: hopList.length > 0 ? hopList.reduce((a, b) => a + b, 0) / hopList.length : null,
    duplicates: message.duplicates,
    forwards: message.forwards,
    links: linksAtCreation,
    nodes,
    floodingBound: 2 * linksAtCreation - (nodes - 1),
    spanningTree: nodes - 1,
    curve,
  }
}
