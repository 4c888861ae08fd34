import { extent } from 'd3-array'
import type { SessionEvent } from '../events'

/** One first receipt of a message: `node` got it first from `from`, `hop` links away from the origin. */
export interface PropagationHop {
  node: string
  from: string
  /** ms since epoch, receiver's clock. */
  at: number
  seq: number
  /** Links from the origin along first-receipt links (origin's neighbours are hop 1); null if the chain is broken (a sender's receipt is missing from the events). */
  hop: number | null
}

/** A copy that arrived after the first one and was dropped: a send that lost the race. */
export interface LostRace {
  from: string
  to: string
  at: number
  seq: number
}

/**
 * How one gossip message spread (flooding): its propagation tree (each receiver's first
 * receipt and the link it came over), hop counts, and the duplicate sends that lost the
 * race. Built from `gossip.created`, `gossip.received` and `gossip.duplicate` events.
 */
export interface Propagation {
  id: string
  origin: string | null
  /** Msg# (1-based), text and creation time; null until the creation event is seen. */
  n: number | null
  text: string | null
  createdAt: number | null
  createdSeq: number | null
  /** First receipts in seq order. */
  hops: PropagationHop[]
  duplicates: LostRace[]
}

/** The message's events of `events` (any order of seq is accepted, they are sorted). */
export function propagationOf(events: readonly SessionEvent[], id: string): Propagation {
  const p: Propagation = { id, origin: null, n: null, text: null, createdAt: null, createdSeq: null, hops: [], duplicates: [] }
  for (const e of events) addEvent(p, e)
  return finish(p)
}

/** Adds one event if it concerns the message; returns whether it did. Call `finish` after adding. */
export function addEvent(p: Propagation, e: SessionEvent): boolean {
  switch (e.type) {
    case 'gossip.created':
      if (e.id !== p.id) return false
      p.origin = e.node
      p.n = e.n
      p.text = e.text
      p.createdAt = e.t
      p.createdSeq = e.seq
      return true
    case 'gossip.received':
      if (e.id !== p.id) return false
      p.text ??= e.text
      p.hops.push({ node: e.node, from: e.from, at: e.t, seq: e.seq, hop: null })
      return true
    case 'gossip.duplicate':
      if (e.id !== p.id) return false
      p.duplicates.push({ from: e.from, to: e.node, at: e.t, seq: e.seq })
      return true
    case 'gossip.coverage': {
      // Hops folded per message (model/coverage.ts): first receipts keep their sender; the
      // senders of duplicate copies are only in the session file, so no lost races here.
      const m = e.messages.find((x) => x.id === p.id)
      if (!m || m.received.length === 0) return false
      for (const [node, at, from] of m.received) p.hops.push({ node, from, at, seq: e.seq, hop: null })
      return true
    }
    default:
      return false
  }
}

/** Sorts by seq and computes hop counts along first-receipt links (cycles and gaps give null). */
export function finish(p: Propagation): Propagation {
  p.hops.sort((a, b) => a.seq - b.seq)
  p.duplicates.sort((a, b) => a.seq - b.seq)
  const fromOf = new Map(p.hops.map((h) => [h.node, h.from]))
  const memo = new Map<string, number | null>()
  const hopOf = (node: string, depth: number): number | null => {
    if (node === p.origin) return 0
    if (memo.has(node)) return memo.get(node)!
    const from = fromOf.get(node)
    if (from === undefined || depth > fromOf.size) return null
    const before = hopOf(from, depth + 1)
    const hop = before === null ? null : before + 1
    memo.set(node, hop)
    return hop
  }
  for (const h of p.hops) h.hop = p.origin === null ? null : hopOf(h.node, 0)
  return p
}

/** The part of a propagation that had happened once events up to `seq` were applied. */
export function propagationAt(p: Propagation, seq: number): Propagation {
  return {
    ...p,
    hops: p.hops.filter((h) => h.seq <= seq),
    duplicates: p.duplicates.filter((d) => d.seq <= seq),
  }
}

/** Largest hop count reached (0 = only the origin has it). */
export function maxHop(p: Propagation): number {
  let max = 0
  for (const h of p.hops) if (h.hop !== null && h.hop > max) max = h.hop
  return max
}

/** seqs of every transmission of the message (first receipts and lost races), ascending: the steps of hop-by-hop replay. */
export function transmissionSeqs(p: Propagation): number[] {
  return [...p.hops.map((h) => h.seq), ...p.duplicates.map((d) => d.seq)].sort((a, b) => a - b)
}

/** Time span (ms since epoch) from the creation (or first transmission) to the last transmission; null with no events. */
export function propagationWindow(p: Propagation): { start: number; end: number } | null {
  const times = [...(p.createdAt !== null ? [p.createdAt] : []), ...p.hops.map((h) => h.at), ...p.duplicates.map((d) => d.at)]
  if (times.length === 0) return null
  const [start, end] = extent(times) as [number, number]
  return { start, end }
}

/** Sequence-diagram lanes: the origin, then every receiver in order of first receipt, then nodes that only sent or got duplicates. */
export function lanesByFirstReceipt(p: Propagation): string[] {
  const lanes: string[] = []
  const seen = new Set<string>()
  const add = (id: string | null) => {
    if (id !== null && !seen.has(id)) {
      seen.add(id)
      lanes.push(id)
    }
  }
  add(p.origin)
  for (const h of p.hops) {
    add(h.from)
    add(h.node)
  }
  for (const d of p.duplicates) {
    add(d.from)
    add(d.to)
  }
  return lanes
}
