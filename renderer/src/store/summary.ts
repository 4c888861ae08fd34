import type { MessageState, NetworkState } from '../../../shared/model/network'

/** Counters shown in the header, derived from one NetworkState. Plain values, cheap to compare. */
export interface NetworkSummary {
  alive: number
  /** Frozen by the host (SIGSTOP). */
  paused: number
  dead: number
  /** Nodes that stopped cleanly. */
  stopped: number
  starting: number
  seeds: number
  peers: number
  links: number
  messages: number
  /** Receipts by expected receivers, summed over messages. */
  delivered: number
  /** Expected receipts, summed over messages. */
  expected: number
  /** delivered / expected in [0, 1]; null when no message expects anyone. */
  coverage: number | null
  /** Messages whose every expected receiver has it. */
  complete: number
  /** One entry per kill, crash or pause, oldest first. Times in ms relative to its start. */
  failures: FailureSummary[]
}

export interface FailureSummary {
  node: string
  /** 'restart': a kill or crash after which a new process started at the address. */
  kind: 'kill' | 'crash' | 'pause' | 'restart'
  at: number
  /** ms after `at` of the resume or the restart; null while it lasts. */
  backMs: number | null
  /** ms after it came back of its first link; null = not linked again (yet). */
  rejoinMs: number | null
  firstMissMs: number | null
  reportedMs: number | null
  /** Seeds that removed it, and after how many ms. */
  removals: Array<{ seed: string; ms: number }>
}

export interface MessageCoverage {
  hits: number
  expected: number
}

/**
 * Receipts are append-only and `expected` is fixed at creation (see the fold), so the
 * hit count of a message only ever grows: cache it per MessageState object and count the
 * new receipts only. A replay state is a different object and gets its own cache entry.
 */
const coverageCache = new WeakMap<MessageState, { counted: number; hits: number }>()

export function messageCoverage(message: MessageState): MessageCoverage {
  let entry = coverageCache.get(message)
  if (!entry || entry.counted > message.receipts.length) {
    entry = { counted: 0, hits: 0 }
    coverageCache.set(message, entry)
  }
  const receipts = message.receipts
  for (let i = entry.counted; i < receipts.length; i++) {
    if (message.expected.has(receipts[i]!.node)) entry.hits++
  }
  entry.counted = receipts.length
  return { hits: entry.hits, expected: message.expected.size }
}

export const EMPTY_SUMMARY: NetworkSummary = {
  alive: 0,
  paused: 0,
  dead: 0,
  stopped: 0,
  starting: 0,
  seeds: 0,
  peers: 0,
  links: 0,
  messages: 0,
  delivered: 0,
  expected: 0,
  coverage: null,
  complete: 0,
  failures: [],
}

export function summarize(state: NetworkState): NetworkSummary {
  let alive = 0
  let paused = 0
  let dead = 0
  let stopped = 0
  let starting = 0
  let seeds = 0
  for (const node of state.nodes.values()) {
    if (node.role === 'seed') seeds++
    if (node.status === 'alive') alive++
    else if (node.status === 'paused') paused++
    else if (node.status === 'dead') dead++
    else if (node.status === 'stopped') stopped++
    else starting++
  }
  let delivered = 0
  let expected = 0
  let complete = 0
  for (const message of state.messages.values()) {
    const c = messageCoverage(message)
    delivered += c.hits
    expected += c.expected
    if (c.hits >= c.expected) complete++
  }
  const failures = state.failures.map((f) => ({
    node: f.node,
    kind: f.kind === 'pause' ? ('pause' as const) : f.endAt !== null ? ('restart' as const) : f.kind,
    at: f.at,
    backMs: f.endAt === null ? null : f.endAt - f.at,
    rejoinMs: f.endAt === null || f.rejoinedAt === null ? null : f.rejoinedAt - f.endAt,
    firstMissMs: f.firstMissAt === null ? null : f.firstMissAt - f.at,
    reportedMs: f.reportedAt === null ? null : f.reportedAt - f.at,
    removals: [...f.removals].map(([seed, t]) => ({ seed, ms: t - f.at })),
  }))
  return {
    alive,
    paused,
    dead,
    stopped,
    starting,
    seeds,
    peers: state.nodes.size - seeds,
    links: state.links.size,
    messages: state.messages.size,
    delivered,
    expected,
    coverage: expected === 0 ? null : delivered / expected,
    complete,
    failures,
  }
}
