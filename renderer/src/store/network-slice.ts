import { applyEvent, createNetwork } from '../../../shared/model/network'
import { batchStart, eventsIn } from '../../../shared/model/coverage'
import type { SessionEvent } from '../../../shared/events'
import { appendLog, createLogBuffer } from '../log/log-buffer'
import type { AppliedEvents } from './applied-events'
import { frameThrottle } from './scheduler'
import { summarize } from './summary'
import type { AppState, LiveHolder, LogSlice, NetworkSlice, StoreTiming } from './types'
import type { StoreApi } from 'zustand'

function createLive(): LiveHolder {
  return { state: createNetwork(), received: 0, applied: 0, duplicates: 0, gaps: 0, summarisedAt: null }
}

/**
 * Live events: folded into a mutable NetworkState as batches arrive (no React work per
 * event); React-facing counters (`liveVersion`, `version`, `summary`) are bumped at most
 * once per frame, the log's version at the slower cadence.
 */
export function createNetworkSlice(
  set: StoreApi<AppState>['setState'],
  get: StoreApi<AppState>['getState'],
  timing: StoreTiming,
  applied: AppliedEvents,
): NetworkSlice & LogSlice {
  const frameBump = frameThrottle(timing.frame, () => {
    const state = get()
    const patch: Partial<AppState> = { liveVersion: state.liveVersion + 1 }
    if (state.catchUp && state.live.state.seq >= state.catchUp.to) patch.catchUp = null
    if (state.mode === 'live') {
      patch.version = state.version + 1
      patch.summary = summarize(state.live.state)
    }
    set(patch)
  })
  const logBump = frameThrottle(timing.slow, () => set({ logVersion: get().logVersion + 1 }))

  return {
    live: createLive(),
    liveVersion: 0,
    catchUp: null,
    log: createLogBuffer(),
    logVersion: 0,
    ingest(batch) {
      let live = get().live
      const fresh: SessionEvent[] = []
      // With hops folded into gossip.coverage items (a large network), seqs inside the batch
      // skip the folded hops: continuity is checked once, at the first seq it accounts for.
      const start = batchStart(batch.events)
      const folded = batch.events.some((e) => e.type === 'gossip.coverage')
      if (folded) live.summarisedAt = Date.now()
      batch.events.forEach((event, i) => {
        const n = eventsIn(event)
        live.received += n
        // seq restarts at 1 with each new session: start a new fold.
        if ((i === 0 ? start : event.seq) === 1 && live.state.seq > 0) {
          get().resetLive()
          live = get().live
          live.received += n
          if (folded) live.summarisedAt = Date.now()
        }
        if (event.seq <= live.state.seq) {
          live.duplicates += n
          return
        }
        if (i === 0 ? start > live.state.seq + 1 : !folded && event.seq > live.state.seq + 1) live.gaps++
        applyEvent(live.state, event)
        live.applied += n
        fresh.push(event)
      })
      if (fresh.length === 0) return
      appendLog(get().log, fresh)
      if (get().mode === 'live') applied.publish(fresh)
      frameBump.request()
      logBump.request()
    },
    startCatchUp(status) {
      const from = get().live.state.seq
      set({ catchUp: status.lastSeq > from ? { sessionId: status.sessionId, from, to: status.lastSeq } : null })
    },
    resetLive() {
      const state = get()
      set({
        live: createLive(),
        log: createLogBuffer(state.log.capacity),
        liveVersion: state.liveVersion + 1,
        logVersion: state.logVersion + 1,
        ...(state.mode === 'live' ? { version: state.version + 1, summary: summarize(createNetwork()), selected: null } : {}),
      })
    },
  }
}
