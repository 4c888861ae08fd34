/**
 * Aggregates messages dropped by emulated loss or held off by a partition into one count
 * per (link, reason) per window, so a lossy network cannot flood the event stream: the
 * driver and the simulator each report a window's counts as `net.dropped` events when it
 * closes. Pure: the caller supplies `now` and schedules the flush.
 */

export type DropReason = 'loss' | 'partition'

export interface DropCount {
  /** The receiver as the sender knows it: `IP:PORT` (an accepted connection: its source address). */
  to: string
  reason: DropReason
  /** Messages (lines) dropped in the window. */
  count: number
  /** How many of them were gossip messages. */
  gossip: number
}

/** Length of one aggregation window, ms. */
export const DROP_REPORT_MS = 250

export class DropTally {
  private pending = new Map<string, DropCount>()
  private due: number | null = null

  /**
   * Counts one dropped message at `now` (ms). Returns the time the window closes when this
   * drop opened it (the caller schedules `drain` then), else null.
   */
  add(to: string, reason: DropReason, gossip: boolean, now: number): number | null {
    const key = `${reason} ${to}`
    let entry = this.pending.get(key)
    if (!entry) {
      entry = { to, reason, count: 0, gossip: 0 }
      this.pending.set(key, entry)
    }
    entry.count++
    if (gossip) entry.gossip++
    if (this.due !== null) return null
    this.due = now + DROP_REPORT_MS
    return this.due
  }

  /** The window's counts, in the order links first dropped; starts a new window. */
  drain(): DropCount[] {
    const counts = [...this.pending.values()]
    this.pending.clear()
    this.due = null
    return counts
  }
}
