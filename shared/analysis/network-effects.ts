import type { SessionEvent } from '../events'
import type { NetworkState } from '../model/network'
import type { PartitionRecord } from '../model/net-state'
import type { NetConditions, Partition } from '../net/conditions'
import type { MessageAnalysis } from './messages'
import { cdf } from './stats'

/**
 * What the emulated network did to the protocol, from the events alone (net.conditions
 * tells which conditions were in force at each moment):
 * - dissemination latency against the configured delay: each message's hops x the
 *   global delay in force at its creation (the fastest flooding can do over that tree);
 * - liveness misses and Dead Node reports about nodes that were alive (false suspicions),
 *   per loss level in force, and separately while a partition was in force;
 * - each partition's effect: reports across the cut, seed removals, and after the heal
 *   the removed peers registering again and the coverage of new messages.
 */

export interface LossLevel {
  /** Global loss probability in force (0..1). */
  loss: number
  /** ms this level was in force (partitions excluded). */
  durationMs: number
  /** liveness.missed about a node that was alive. */
  falseMisses: number
  /** peer.dead-reported about a node that was alive. */
  falseReports: number
  /** Lines dropped by loss (net.dropped). */
  dropped: number
}

export interface PartitionEffect {
  name: string
  side: string[]
  other: string[] | null
  direction: Partition['direction']
  at: number
  healedAt: number | null
  /** Dead Node reports whose reporter and subject were on different sides, while in force. */
  reportsAcross: number
  /** Peers some seed removed while it was in force. */
  removed: string[]
  /** Of `removed`, those a seed registered again after the heal. */
  reRegistered: string[]
  /** Messages created after the heal, and the mean coverage among them (null without any). */
  messagesAfterHeal: number
  coverageAfterHeal: number | null
}

export interface NetworkEffects {
  /** Whether any node reported conditions (else the network was plain loopback). */
  emulated: boolean
  /** Global delay in force at each message's creation, when it was the same for all; else null. */
  delayMs: number | null
  /** CDF of maxHops x delay over the messages that reached every expected peer. */
  predictedCdf: Array<[number, number]>
  byLoss: LossLevel[]
  /** While any partition was in force: the same counts. */
  duringPartitions: Omit<LossLevel, 'loss'>
  partitions: PartitionEffect[]
}

const sideOf = (p: Pick<Partition, 'side' | 'other'>, id: string): 'side' | 'other' | null =>
  p.side.includes(id) ? 'side' : p.other === null || p.other.includes(id) ? 'other' : null

/**
 * Tallies what the network conditions did while the caller folds the session once:
 * `observe(event, state)` is called with each event in seq order BEFORE the event is applied
 * to `state` (a network fold the caller owns), and `result(...)` after the last one with
 * the same, now final, state. This rides on the analysis's own fold, so the session is not
 * folded a second time.
 */
export class NetworkEffectsTally {
  private conditions: NetConditions | null = null
  private segmentStart: number | null = null
  private lastT: number | null = null
  private readonly levels = new Map<number, LossLevel>()
  private readonly during: Omit<LossLevel, 'loss'> = { durationMs: 0, falseMisses: 0, falseReports: 0, dropped: 0 }
  private readonly delayAt = new Map<string, number>()

  private bucket(): Omit<LossLevel, 'loss'> {
    if (this.conditions && this.conditions.partitions.length > 0) return this.during
    const loss = this.conditions?.defaults.loss ?? 0
    let level = this.levels.get(loss)
    if (!level) this.levels.set(loss, (level = { loss, durationMs: 0, falseMisses: 0, falseReports: 0, dropped: 0 }))
    return level
  }

  /** `state`: the fold before `e` is applied. */
  observe(e: SessionEvent, state: NetworkState): void {
    this.segmentStart ??= e.t
    this.lastT = e.t
    const alive = (id: string) => state.nodes.get(id)?.status === 'alive'
    if (e.type === 'net.conditions' && JSON.stringify(e.conditions) !== JSON.stringify(this.conditions)) {
      this.bucket().durationMs += Math.max(0, e.t - this.segmentStart)
      this.segmentStart = e.t
      this.conditions = e.conditions
    }
    if (e.type === 'gossip.created') this.delayAt.set(e.id, this.conditions?.defaults.delayMs ?? 0)
    else if (e.type === 'liveness.missed' && alive(e.peer)) this.bucket().falseMisses++
    else if (e.type === 'peer.dead-reported' && alive(e.peer)) this.bucket().falseReports++
    else if (e.type === 'net.dropped' && e.reason === 'loss') this.bucket().dropped += e.count
  }

  /** `state`: the fold after the last event; `events`: all of them (each partition's window is read again, without a fold). */
  result(state: NetworkState, events: readonly SessionEvent[], messages: readonly MessageAnalysis[]): NetworkEffects {
    this.bucket().durationMs += Math.max(0, (this.lastT ?? 0) - (this.segmentStart ?? 0))
    const delayAt = this.delayAt
    const delays = new Set(messages.map((m) => delayAt.get(m.id) ?? 0))
    const predicted = messages.filter((m) => m.timeToAllMs !== null).map((m) => m.hopsToAll * (delayAt.get(m.id) ?? 0))
    return {
      emulated: state.net.conditions !== null,
      delayMs: delays.size === 1 ? [...delays][0]! : null,
      predictedCdf: cdf(predicted),
      byLoss: [...this.levels.values()].sort((a, b) => a.loss - b.loss),
      duringPartitions: this.during,
      partitions: state.net.partitions.map((p) => partitionEffect(p, events, messages)),
    }
  }
}

function partitionEffect(p: PartitionRecord, events: readonly SessionEvent[], messages: readonly MessageAnalysis[]): PartitionEffect {
  const end = p.healedAt ?? Infinity
  const removed = new Set<string>()
  const reRegistered = new Set<string>()
  let reportsAcross = 0
  for (const e of events) {
    if (e.t >= p.at && e.t < end) {
      if (e.type === 'peer.dead-reported') {
        const a = sideOf(p, e.node)
        const b = sideOf(p, e.peer)
        if (a !== null && b !== null && a !== b) reportsAcross++
      } else if (e.type === 'seed.peer-removed') removed.add(e.peer)
    } else if (e.t >= end && e.type === 'seed.registered' && removed.has(e.peer)) reRegistered.add(e.peer)
  }
  const after = p.healedAt === null ? [] : messages.filter((m) => m.createdAt >= p.healedAt!)
  return {
    name: p.name,
    side: p.side,
    other: p.other,
    direction: p.direction,
    at: p.at,
    healedAt: p.healedAt,
    reportsAcross,
    removed: [...removed].sort(),
    reRegistered: [...reRegistered].sort(),
    messagesAfterHeal: after.length,
    coverageAfterHeal: after.length === 0 ? null : after.reduce((s, m) => s + m.coverage, 0) / after.length,
  }
}

