/**
 * Which peers each gossip message was expected to reach, for every message at the cost of
 * one shared history. A message's expected set is the peers alive and linked when it was
 * created (origin excluded); stored as one Set per message that is messages x peers
 * entries (8,000 peers x 30,000 messages: 240 million, an out-of-memory abort), and
 * rebuilding it per message is as slow. Instead the fold keeps, per node, the creation
 * ticks at which it became or stopped being eligible, and each message holds a view (its
 * tick) into that history: memory O(messages + nodes + changes), `has` in O(log changes
 * of the node), and a new message only re-checks the nodes that events touched since the
 * previous one.
 *
 * Invariants: the history is append-only with increasing ticks, so a view stays exact
 * while the fold goes on; a state copied for replay gets its own copy truncated to its
 * tick (`copyUpTo`), so two states never append to one history.
 */

/** The read side of a set of node ids (what coverage needs). */
export interface PeerSet extends Iterable<string> {
  readonly size: number
  has(id: string): boolean
}

export class EligibilityHistory {
  /** gossip.created events recorded so far (the tick of the last one). */
  tick = 0
  /** Nodes eligible at the last tick. */
  eligible = 0
  /** Node id -> ascending ticks at which its eligibility flipped (even count = not eligible). */
  private readonly flips = new Map<string, number[]>()
  /** Nodes touched since the last tick; null: check every node (a fresh or copied history). A cache, not state. */
  #touched: Set<string> | null = null

  /** An event concerned `id` (its status, role or links may have changed): re-checked at the next tick. */
  touch(id: string): void {
    this.#touched?.add(id)
  }

  /**
   * Records the eligibility at a new tick (one gossip.created) of every node touched since
   * the previous tick (of all `nodes` the first time), and returns that tick. A touched id
   * missing from `nodes` is not eligible.
   */
  record<N>(nodes: ReadonlyMap<string, N>, isEligible: (node: N) => boolean): number {
    const tick = ++this.tick
    const ids = this.#touched ?? nodes.keys()
    for (const id of ids) {
      const node = nodes.get(id)
      const now = node !== undefined && isEligible(node)
      let flips = this.flips.get(id)
      const was = flips !== undefined && flips.length % 2 === 1
      if (now === was) continue
      if (!flips) this.flips.set(id, (flips = []))
      flips.push(tick)
      this.eligible += now ? 1 : -1
    }
    this.#touched = new Set()
    return tick
  }

  /** Was `id` eligible at `tick`? Binary search over its flips. */
  wasEligible(id: string, tick: number): boolean {
    const flips = this.flips.get(id)
    if (!flips) return false
    let lo = 0
    let hi = flips.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (flips[mid]! <= tick) lo = mid + 1
      else hi = mid
    }
    return lo % 2 === 1
  }

  /** Every node ever eligible, in first-eligible order. */
  ids(): IterableIterator<string> {
    return this.flips.keys()
  }

  /** An independent copy holding what was recorded up to `tick` (the whole history by default). */
  copyUpTo(tick = this.tick): EligibilityHistory {
    const copy = new EligibilityHistory()
    copy.tick = Math.min(tick, this.tick)
    for (const [id, flips] of this.flips) {
      if (flips[0]! > copy.tick) continue
      const kept = flips[flips.length - 1]! <= copy.tick ? flips.slice() : flips.filter((f) => f <= copy.tick)
      copy.flips.set(id, kept)
      if (kept.length % 2 === 1) copy.eligible++
    }
    return copy
  }
}

/** The peers a message expected: the history's eligible nodes at `tick`, less the origin. Immutable. */
export class ExpectedPeers implements PeerSet {
  /** Private (so not compared): two views of one moment are equal whichever copy of the history they read. */
  readonly #history: EligibilityHistory

  constructor(
    history: EligibilityHistory,
    readonly tick: number,
    private readonly origin: string,
    readonly size: number,
  ) {
    this.#history = history
  }

  has(id: string): boolean {
    return id !== this.origin && this.#history.wasEligible(id, this.tick)
  }

  *[Symbol.iterator](): IterableIterator<string> {
    for (const id of this.#history.ids()) if (this.has(id)) yield id
  }
}
