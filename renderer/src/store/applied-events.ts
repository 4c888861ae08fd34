import type { SessionEvent } from '../../../shared/events'

/**
 * Transient channel for events just folded into the displayed state (live batches, or
 * replay playback that calls `publishApplied`). The graph listens to animate gossip dots;
 * nothing here touches React.
 */
export type AppliedListener = (events: readonly SessionEvent[]) => void

export class AppliedEvents {
  private readonly listeners = new Set<AppliedListener>()

  subscribe(listener: AppliedListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  publish(events: readonly SessionEvent[]): void {
    for (const listener of this.listeners) listener(events)
  }
}
