import type { SessionEvent } from '../../shared/events'
import type { HopSummarySettings } from '../../shared/ipc'
import { isHop } from '../../shared/model/coverage'
import type { HopSummary } from './clients'

/**
 * When the page gets gossip per message instead of per hop (electron/host/clients.ts):
 * while more than `aboveNodes` nodes are alive, or for `holdMs` after any second in which
 * more than `aboveHopsPerSecond` hop events arrived. Below both the page animates every hop
 * (the small-network teaching view); above either it draws per-message coverage, since no
 * one can follow thousands of dots and folding each hop in the page costs frames. The
 * defaults: 200 nodes (the app's limit before packing, every hop drawn at 60 fps in
 * bench:ui) and 5,000 hops/s (half the synthetic stream bench:ui holds at 1,000 nodes).
 */
export const DEFAULT_HOP_SUMMARY: HopSummarySettings = { aboveNodes: 200, aboveHopsPerSecond: 5000, holdMs: 5000, windowMs: 200 }

export class HopSummaryPolicy implements HopSummary {
  readonly windowMs: number
  /** ms since epoch the current one-second bucket of the hop rate began. */
  private bucketStart = 0
  private bucketHops = 0
  /** ms since epoch until which the hop rate keeps summaries on. */
  private busyUntil = 0

  constructor(
    readonly settings: HopSummarySettings,
    /** Nodes alive now. */
    private readonly nodes: () => number,
    private readonly now: () => number = Date.now,
  ) {
    this.windowMs = settings.windowMs
  }

  active(): boolean {
    return this.nodes() > this.settings.aboveNodes || this.now() < this.busyUntil
  }

  /** True while the hop rate (not the node count) keeps summaries on. */
  get busy(): boolean {
    return this.now() < this.busyUntil
  }

  observe(batch: readonly SessionEvent[]): void {
    let hops = 0
    for (const event of batch) if (isHop(event)) hops++
    if (hops === 0) return
    const now = this.now()
    if (now - this.bucketStart >= 1000) {
      this.bucketStart = now
      this.bucketHops = 0
    }
    this.bucketHops += hops
    if (this.bucketHops > this.settings.aboveHopsPerSecond) this.busyUntil = now + this.settings.holdMs
  }
}
