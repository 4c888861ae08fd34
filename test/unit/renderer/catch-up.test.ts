import { describe, expect, it } from 'vitest'
import type { HostStatus } from '../../../shared/ipc'
import { NO_CONDITIONS } from '../../../shared/net/conditions'
import { DEFAULT_SETTINGS } from '../../../shared/settings'
import { createAppStore } from '../../../renderer/src/store'
import { manualScheduler, smallNetwork } from './fixtures'

/**
 * A page opened on a running session: while it folds the history the host sends after
 * `ready`, the store says it is catching up (the header shows LOADING with progress, not
 * LIVE), until its fold reaches the host's last seq at connect time.
 */

const status = (sessionId: string | null, lastSeq: number): HostStatus => ({ sessionId, running: true, settings: DEFAULT_SETTINGS, nodes: [], lastSeq, maxNodes: 200, conditions: NO_CONDITIONS })

function setup() {
  const frame = manualScheduler()
  const slow = manualScheduler()
  const { store } = createAppStore({ frame: frame.schedule, slow: slow.schedule })
  return { store, frame }
}

describe('catching up on a running session', () => {
  it('is loading from connect until the fold reaches the host’s last seq, then live', () => {
    const { store, frame } = setup()
    const events = smallNetwork()
    const host = status('s1', events.length)
    store.getState().setStatus(host)
    store.getState().startCatchUp(host)
    expect(store.getState().catchUp).toEqual({ sessionId: 's1', from: 0, to: events.length })
    store.getState().ingest({ events: events.slice(0, 6) })
    frame.flush()
    // Part of the history folded: still loading, with the seq to show progress.
    expect(store.getState().catchUp).not.toBeNull()
    expect(store.getState().live.state.seq).toBe(6)
    // Statuses pushed while it loads (the host's seq moves on) do not end it.
    store.getState().setStatus(status('s1', events.length + 50))
    expect(store.getState().catchUp).not.toBeNull()
    store.getState().ingest({ events: events.slice(6) })
    frame.flush()
    expect(store.getState().catchUp).toBeNull()
  })

  it('does not load when the page is already up to date or the host has nothing', () => {
    const { store } = setup()
    store.getState().startCatchUp(status(null, 0))
    expect(store.getState().catchUp).toBeNull()
    const events = smallNetwork()
    store.getState().ingest({ events })
    store.getState().startCatchUp(status('s1', events.length))
    expect(store.getState().catchUp).toBeNull()
  })

  it('stops loading when another session starts before the history arrived', () => {
    const { store } = setup()
    store.getState().startCatchUp(status('s1', 5000))
    expect(store.getState().catchUp).not.toBeNull()
    store.getState().setStatus(status('s2', 0))
    expect(store.getState().catchUp).toBeNull()
  })
})
