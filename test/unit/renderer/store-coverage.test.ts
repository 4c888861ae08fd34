import { describe, expect, it } from 'vitest'
import type { SessionEvent } from '../../../shared/events'
import { isHop, summariseHops } from '../../../shared/model/coverage'
import { foldEvents } from '../../../shared/model/network'
import { syntheticSession } from '../../../shared/model/synthetic'
import { recentMessages } from '../../../renderer/src/panels/MessageCoverage'
import { createAppStore } from '../../../renderer/src/store'
import { manualScheduler } from './fixtures'

function setup() {
  const frame = manualScheduler()
  const slow = manualScheduler()
  const { store, applied } = createAppStore({ frame: frame.schedule, slow: slow.schedule })
  return { store, applied, frame }
}

/** The session cut into host windows of `size` events, hops folded per window. */
function windows(events: SessionEvent[], size: number): SessionEvent[][] {
  const out: SessionEvent[][] = []
  for (let i = 0; i < events.length; i += size) out.push(summariseHops(events.slice(i, i + size)))
  return out
}

describe('store with hops summarised per message', () => {
  const events = syntheticSession({ peers: 60, gossipCount: 2, kills: 0, rngSeed: 11 })

  it('folds coverage batches into the same messages and counters, every hop counted, no gap', () => {
    const { store, applied, frame } = setup()
    const published: SessionEvent[] = []
    applied.subscribe((batch) => published.push(...batch))
    for (const batch of windows(events, 500)) store.getState().ingest({ events: batch })
    frame.flush()
    const { live, summary } = store.getState()
    expect(live.received).toBe(events.length)
    expect(live.applied).toBe(events.length)
    expect([live.gaps, live.duplicates]).toEqual([0, 0])
    expect(live.summarisedAt).not.toBeNull()
    // Every message reached every expected peer, as with every hop.
    const full = foldEvents(events)
    expect(recentMessages(live.state, 1000)).toEqual(recentMessages(full, 1000))
    expect(summary.messages).toBe(120)
    expect(summary.coverage).toBe(1)
    expect(summary.delivered).toBe(summary.expected)
    // The graph's channel got the items, never a hop.
    expect(published.some(isHop)).toBe(false)
    expect(published.some((e) => e.type === 'gossip.coverage')).toBe(true)
  })

  it('counts a gap before a summarised batch once, and skips a batch it already has', () => {
    const { store } = setup()
    const batches = windows(events, 500)
    store.getState().ingest({ events: batches[0]! })
    store.getState().ingest({ events: batches[2]! })
    expect(store.getState().live.gaps).toBe(1)
    const before = store.getState().live.applied
    store.getState().ingest({ events: batches[2]! })
    expect(store.getState().live.applied).toBe(before)
    expect(store.getState().live.duplicates).toBe(500)
  })

  it('starts a new fold when a summarised batch starts a new session at seq 1', () => {
    const { store } = setup()
    const batches = windows(events, 500)
    store.getState().ingest({ events: batches[0]! })
    store.getState().ingest({ events: batches[1]! })
    store.getState().ingest({ events: batches[0]! })
    expect(store.getState().live.applied).toBe(500)
    expect(store.getState().live.gaps).toBe(0)
  })
})
