import { createStore, useStore } from 'zustand'
import { addEvent, finish, propagationAt, transmissionSeqs, type Propagation } from '../../../shared/analysis/propagation'
import type { ReplayIndex } from '../../../shared/model/timeline'
import { app } from '../store'
import { replay, replayUi } from '../timeline/replay'

/**
 * The followed message: picked from the coverage table, the log, the narration or the
 * sequence diagram; the graph draws its propagation tree, the sequence diagram fits its
 * time axis to it, and replay can step through its transmissions one at a time.
 */
export interface FollowUi {
  id: string | null
  /** Bumped on every change of `id`. */
  version: number
}

export const followUi = createStore<FollowUi>()(() => ({ id: null, version: 0 }))

export function useFollow<T>(selector: (s: FollowUi) => T): T {
  return useStore(followUi, selector)
}

export function follow(id: string | null): void {
  followUi.setState((s) => ({ id, version: s.version + 1 }))
}

/**
 * Incremental propagation of the followed message over the replay index: new events are
 * scanned once, so following a message in a live session costs the new events only.
 */
class Tracker {
  private index: ReplayIndex | null = null
  private id: string | null = null
  private scanned = 0
  private current: Propagation | null = null

  /** The whole known propagation (every event indexed so far), or null when nothing is followed. */
  full(): Propagation | null {
    const { id } = followUi.getState()
    if (id === null) return null
    const index = replay.index
    if (index !== this.index || id !== this.id || this.scanned > index.length) {
      this.index = index
      this.id = id
      this.scanned = 0
      this.current = { id, origin: null, n: null, text: null, createdAt: null, createdSeq: null, hops: [], duplicates: [] }
    }
    const events = index.events
    let changed = false
    for (let i = this.scanned; i < events.length; i++) if (addEvent(this.current!, events[i]!)) changed = true
    this.scanned = events.length
    if (changed) finish(this.current!)
    return this.current
  }

  /** The propagation as of the displayed moment (live: everything; replay: up to the cursor). */
  shown(): Propagation | null {
    const p = this.full()
    if (!p) return null
    const state = app.store.getState()
    return state.mode === 'replay' && state.replayState ? propagationAt(p, state.replayState.seq) : p
  }
}

export const tracker = new Tracker()

/** Seeks replay to the followed message's next (+1) or previous (-1) transmission; the start is its creation. */
export function stepTransmission(direction: 1 | -1): void {
  const p = tracker.full()
  if (!p || replay.index.length === 0) return
  const steps = [...(p.createdSeq !== null ? [p.createdSeq] : []), ...transmissionSeqs(p)]
  if (steps.length === 0) return
  replay.pause()
  const cursor = replayUi.getState().cursorSeq
  if (cursor === null) {
    // From live: start at the creation (or the first transmission seen).
    replay.seekSeq(steps[0]!)
    return
  }
  const next = direction === 1 ? steps.find((s) => s > cursor) : [...steps].reverse().find((s) => s < cursor)
  if (next !== undefined) replay.seekSeq(next)
}
