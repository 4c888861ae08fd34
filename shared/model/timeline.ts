import type { SessionEvent } from '../events'
import { applyEvent, createNetwork, type NetworkState } from './network'
import { restoreSnapshot, takeSnapshot, type Snapshot } from './snapshot'
import { eventsIn } from './coverage'

/**
 * The replay index of a session: its events in `seq` order plus periodic compact
 * snapshots of the fold, so that the state at any seq or time is one snapshot restore
 * plus at most `snapshotEvery` event applications (a gossip.coverage item counting as its hops) (about 10 ms for 1,000,000 events;
 * see bench/replay.ts). Append-only: live events extend it as they arrive.
 *
 * Every state it returns is fresh and owned by the caller (it may be advanced with
 * `advance` or `applyEvent`); only immutable parts (Link, Receipt objects and each
 * message's `expected` set) are shared with the index.
 */
export class ReplayIndex {
  private readonly list: SessionEvent[] = []
  /** Running maximum of `t` over the prefix ending at each index (times can interleave). */
  private readonly maxT: number[] = []
  private readonly snapshots: Snapshot[] = []
  private readonly head: NetworkState = createNetwork()
  readonly snapshotEvery: number
  /** Events folded since the last snapshot, a gossip.coverage item counting as its hops. */
  private sinceSnapshot = 0

  constructor(events: Iterable<SessionEvent> = [], options: { snapshotEvery?: number } = {}) {
    this.snapshotEvery = Math.max(1, options.snapshotEvery ?? 2_500)
    this.snapshots.push(takeSnapshot(this.head, 0))
    this.append(events)
  }

  /**
   * Adds events after the last one. Events whose seq is not above the last seq are
   * ignored (a replayed batch after a reconnect), so appending is idempotent.
   */
  append(events: Iterable<SessionEvent>): number {
    let added = 0
    for (const event of events) {
      if (event.seq <= this.head.seq) continue
      applyEvent(this.head, event)
      this.list.push(event)
      const prev = this.maxT.length > 0 ? this.maxT[this.maxT.length - 1]! : 0
      this.maxT.push(Math.max(prev, event.t))
      added++
      // Spaced by events folded, not entries: one coverage item can stand for thousands of hops.
      this.sinceSnapshot += eventsIn(event)
      // A snapshot costs O(nodes): with more nodes than snapshotEvery, one every `nodes`
      // events keeps building the index O(events) (8,000 peers: a third of the snapshots).
      if (this.sinceSnapshot >= Math.max(this.snapshotEvery, this.head.nodes.size)) {
        this.sinceSnapshot = 0
        this.snapshots.push(takeSnapshot(this.head, this.list.length, this.snapshots[this.snapshots.length - 1]))
      }
    }
    return added
  }

  get length(): number {
    return this.list.length
  }
  get events(): readonly SessionEvent[] {
    return this.list
  }
  get firstSeq(): number {
    return this.list[0]?.seq ?? 0
  }
  get lastSeq(): number {
    return this.head.seq
  }
  /** t of the first event (ms since epoch; 0 when empty). */
  get startT(): number {
    return this.list[0]?.t ?? 0
  }
  /** Largest t seen (ms since epoch; 0 when empty). */
  get endT(): number {
    return this.maxT[this.maxT.length - 1] ?? 0
  }
  /** The fold of every event, read-only: do not mutate. */
  get latest(): Readonly<NetworkState> {
    return this.head
  }

  /** How many events have seq <= `seq`. */
  countUpToSeq(seq: number): number {
    let lo = 0
    let hi = this.list.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.list[mid]!.seq <= seq) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** How many events form the longest prefix whose times are all <= `t`. */
  countUpToTime(t: number): number {
    let lo = 0
    let hi = this.maxT.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.maxT[mid]! <= t) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Seq of the last event at or before time `t` (0 when none). */
  seqAtTime(t: number): number {
    const n = this.countUpToTime(t)
    return n === 0 ? 0 : this.list[n - 1]!.seq
  }

  /** The network after every event with seq <= `seq` (a fresh state). */
  stateAt(seq: number): NetworkState {
    return this.stateAfter(this.countUpToSeq(seq))
  }

  /** The network as it was at time `t` (ms since epoch). */
  stateAtTime(t: number): NetworkState {
    return this.stateAfter(this.countUpToTime(t))
  }

  /** The network after the first `count` events (a fresh state). */
  stateAfter(count: number): NetworkState {
    const n = Math.max(0, Math.min(count, this.list.length))
    // The last snapshot taken at or before entry n.
    let lo = 0
    let hi = this.snapshots.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1
      if (this.snapshots[mid]!.applied <= n) lo = mid
      else hi = mid - 1
    }
    const snapshot = this.snapshots[lo]!
    const state = restoreSnapshot(snapshot, this.head)
    for (let i = snapshot.applied; i < n; i++) applyEvent(state, this.list[i]!)
    return state
  }

  /**
   * Moves a state obtained from this index to `seq`: forward by folding the events in
   * between (cheap while playing), backward by a fresh seek. Returns the state to use.
   */
  advance(state: NetworkState, seq: number): NetworkState {
    if (seq < state.seq) return this.stateAt(seq)
    const from = this.countUpToSeq(state.seq)
    const to = this.countUpToSeq(seq)
    if (to - from > this.snapshotEvery) return this.stateAfter(to)
    for (let i = from; i < to; i++) applyEvent(state, this.list[i]!)
    return state
  }

  /** Index (0-based) of the event with this seq, or -1. */
  indexOfSeq(seq: number): number {
    const n = this.countUpToSeq(seq)
    return n > 0 && this.list[n - 1]!.seq === seq ? n - 1 : -1
  }
}
