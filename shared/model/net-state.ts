import type { EventOf } from '../events'
import type { NetConditions, PartitionDirection } from '../net/conditions'

/**
 * The emulated network as the events describe it, part of the one fold (network.ts): the
 * conditions in force (the latest `net.conditions`), every partition with when it started
 * and healed, and the lines dropped per directed link (`net.dropped`).
 */

export interface PartitionRecord {
  name: string
  side: string[]
  /** null = every node not in `side`. */
  other: string[] | null
  direction: PartitionDirection
  /** ms since epoch of the first net.conditions that listed it. */
  at: number
  /** ms since epoch of the first net.conditions without it; null while in force. */
  healedAt: number | null
}

export interface LinkDrops {
  /** Sender `IP:PORT`. */
  from: string
  /** Receiver as the sender knew it (`IP:PORT`; for an accepted connection its source address). */
  to: string
  loss: number
  partition: number
  /** Gossip messages among them. */
  gossip: number
  /** t of the last net.dropped about this link. */
  lastAt: number
}

export interface NetState {
  /** The conditions last reported by a node; null when no node reported any (plain loopback). */
  conditions: NetConditions | null
  /** seq of the net.conditions event that set `conditions` (0 = none). */
  conditionsSeq: number
  partitions: PartitionRecord[]
  /** `from>to` -> drops on that directed link. */
  dropped: Map<string, LinkDrops>
  droppedLoss: number
  droppedPartition: number
}

export function createNetState(): NetState {
  return { conditions: null, conditionsSeq: 0, partitions: [], dropped: new Map(), droppedLoss: 0, droppedPartition: 0 }
}

export function cloneNetState(net: NetState): NetState {
  return {
    ...net,
    partitions: net.partitions.map((p) => ({ ...p })),
    dropped: new Map([...net.dropped].map(([key, d]) => [key, { ...d }])),
  }
}

/** Partitions in force. */
export function activePartitions(net: NetState): PartitionRecord[] {
  return net.partitions.filter((p) => p.healedAt === null)
}

export function applyNetConditions(net: NetState, event: EventOf<'net.conditions'> & { seq: number }): void {
  const current = event.conditions
  const names = new Set(current.partitions.map((p) => p.name))
  for (const record of net.partitions) if (record.healedAt === null && !names.has(record.name)) record.healedAt = event.t
  for (const p of current.partitions) {
    if (!net.partitions.some((r) => r.healedAt === null && r.name === p.name)) {
      net.partitions.push({ name: p.name, side: p.side.slice(), other: p.other?.slice() ?? null, direction: p.direction, at: event.t, healedAt: null })
    }
  }
  net.conditions = current
  net.conditionsSeq = event.seq
}

export function applyNetDropped(net: NetState, event: EventOf<'net.dropped'>): void {
  const key = `${event.node}>${event.to}`
  let drops = net.dropped.get(key)
  if (!drops) {
    drops = { from: event.node, to: event.to, loss: 0, partition: 0, gossip: 0, lastAt: event.t }
    net.dropped.set(key, drops)
  }
  drops[event.reason] += event.count
  drops.gossip += event.gossip
  drops.lastAt = event.t
  if (event.reason === 'loss') net.droppedLoss += event.count
  else net.droppedPartition += event.count
}
