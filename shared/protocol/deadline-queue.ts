/**
 * Deadlines that are always pushed in non-decreasing order of `at` (each is `now + a
 * fixed timeout`, and `now` never decreases), so a plain FIFO is already sorted: push,
 * peek and pop are O(1) amortised even with thousands of pending connections.
 *
 * Entries are not removed when they stop mattering (a connection that registered, a
 * probe that was answered); the owner passes `isLive` to `prune`, which drops dead
 * entries from the head so that `peekAt` is exact (the earliest deadline still live).
 */
export class DeadlineQueue<K> {
  private items: Array<{ at: number; key: K }> = []
  private head = 0

  push(at: number, key: K): void {
    const last = this.items[this.items.length - 1]
    // Keep the FIFO sorted even if a caller pushes a shorter timeout after a longer one.
    if (last && at < last.at) at = last.at
    this.items.push({ at, key })
  }

  /** Earliest deadline (ms since epoch), or null when empty. */
  peekAt(): number | null {
    const first = this.items[this.head]
    return first ? first.at : null
  }

  /** Removes and returns the keys whose deadline is <= now, oldest first. */
  popDue(now: number): K[] {
    const due: K[] = []
    while (this.head < this.items.length && this.items[this.head]!.at <= now) {
      due.push(this.items[this.head]!.key)
      this.head++
    }
    this.compact()
    return due
  }

  /** Drops entries from the head while they are no longer live. */
  prune(isLive: (key: K) => boolean): void {
    while (this.head < this.items.length && !isLive(this.items[this.head]!.key)) this.head++
    this.compact()
  }

  get size(): number {
    return this.items.length - this.head
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
  }
}
