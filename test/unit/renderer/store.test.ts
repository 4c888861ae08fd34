import { describe, expect, it } from 'vitest'
import { createNetwork, foldEvents } from '../../../shared/model/network'
import { createAppStore, displayedState } from '../../../renderer/src/store'
import { A, B, C, S1, S2, manualScheduler, sequence, smallNetwork } from './fixtures'

function setup() {
  const frame = manualScheduler()
  const slow = manualScheduler()
  const { store, applied } = createAppStore({ frame: frame.schedule, slow: slow.schedule })
  return { store, applied, frame, slow }
}

describe('network slice', () => {
  it('folds batches into the live state and derives the header counts once per frame', () => {
    const { store, frame } = setup()
    const events = smallNetwork()
    store.getState().ingest({ events: events.slice(0, 7) })
    store.getState().ingest({ events: events.slice(7) })
    // Applied at once, but React-facing values wait for the frame.
    expect(store.getState().live.state.seq).toBe(events.length)
    expect(store.getState().version).toBe(0)
    expect(frame.pending).toBe(1)
    frame.flush()
    const { summary, version, liveVersion } = store.getState()
    expect(version).toBe(1)
    expect(liveVersion).toBe(1)
    expect(summary).toMatchObject({ alive: 5, dead: 0, seeds: 2, peers: 3, links: 2, messages: 1, delivered: 2, expected: 2, coverage: 1, complete: 1 })
  })

  it('bumps the version at most once per frame however many batches arrive', () => {
    const { store, frame } = setup()
    const e = sequence()
    for (let i = 0; i < 100; i++) store.getState().ingest({ events: [e({ node: A, type: 'liveness.sent', peer: B })] })
    expect(frame.pending).toBe(1)
    frame.flush()
    expect(store.getState().version).toBe(1)
    frame.flush()
    expect(store.getState().version).toBe(1)
    store.getState().ingest({ events: [e({ node: A, type: 'liveness.sent', peer: B })] })
    frame.flush()
    expect(store.getState().version).toBe(2)
  })

  it('skips events already applied and counts gaps', () => {
    const { store } = setup()
    const events = smallNetwork()
    store.getState().ingest({ events: events.slice(0, 5) })
    store.getState().ingest({ events: events.slice(3, 8) })
    store.getState().ingest({ events: events.slice(10) })
    const live = store.getState().live
    expect(live.received).toBe(5 + 5 + 4)
    expect(live.duplicates).toBe(2)
    expect(live.applied).toBe(8 + 4)
    expect(live.gaps).toBe(1)
  })

  it('starts a new fold when a new session begins at seq 1', () => {
    const { store, frame } = setup()
    store.getState().ingest({ events: smallNetwork() })
    store.getState().select(A)
    const e = sequence()
    store.getState().ingest({ events: [e({ node: S1, type: 'node.started', role: 'seed', seeds: [S1], settings: createNetworkSettings() })] })
    frame.flush()
    expect(store.getState().live.state.nodes.size).toBe(1)
    expect(store.getState().summary.seeds).toBe(1)
    expect(store.getState().selected).toBeNull()
    expect(store.getState().log.entries).toHaveLength(1)
  })

  it('records dead-node detection times of each kill', () => {
    const { store, frame } = setup()
    const events = smallNetwork()
    const e = sequence(events.length + 1, 5_000)
    store.getState().ingest({
      events: [
        ...events,
        e({ node: C, type: 'host.kill', signal: 'SIGKILL' }, 0),
        e({ node: B, type: 'liveness.missed', peer: C, count: 1 }, 300),
        e({ node: B, type: 'peer.dead-reported', peer: C, seeds: [S1, S2] }, 600),
        e({ node: S1, type: 'seed.peer-removed', peer: C, reporter: B }, 5),
        e({ node: S2, type: 'seed.peer-removed', peer: C, reporter: B }, 5),
      ],
    })
    frame.flush()
    const { summary } = store.getState()
    expect(summary.alive).toBe(4)
    expect(summary.dead).toBe(1)
    expect(summary.failures).toEqual([
      { node: C, kind: 'kill', at: 5_000, backMs: null, rejoinMs: null, firstMissMs: 300, reportedMs: 900, removals: [{ seed: S1, ms: 905 }, { seed: S2, ms: 910 }] },
    ])
  })

  it('counts a receipt recorded before its message was created (events of two processes out of order)', () => {
    const { store, frame } = setup()
    const events = smallNetwork()
    // Swap B's receipt of m1 ahead of A's gossip.created (renumbering seq as the host would).
    const reordered = [...events.slice(0, 9), events[11]!, events[9]!, events[10]!, ...events.slice(12)].map((e, i) => ({ ...e, seq: i + 1 }))
    store.getState().ingest({ events: reordered })
    frame.flush()
    expect(store.getState().summary).toMatchObject({ delivered: 2, expected: 2, coverage: 1 })
    expect(store.getState().live.state.early?.size ?? 0).toBe(0)
  })

  it('publishes applied events for animation only in live mode', () => {
    const { store, applied } = setup()
    const seen: number[] = []
    applied.subscribe((events) => seen.push(...events.map((x) => x.seq)))
    const events = smallNetwork()
    store.getState().ingest({ events: events.slice(0, 3) })
    store.getState().showReplayState(createNetwork())
    store.getState().ingest({ events: events.slice(3, 5) })
    expect(seen).toEqual([1, 2, 3])
  })

  it('bumps the log version at the slow cadence', () => {
    const { store, slow } = setup()
    const events = smallNetwork()
    for (const event of events) store.getState().ingest({ events: [event] })
    expect(store.getState().logVersion).toBe(0)
    slow.flush()
    expect(store.getState().logVersion).toBe(1)
    expect(store.getState().log.entries).toHaveLength(events.length)
  })
})

describe('view slice', () => {
  it('shows a replay state and goes back to live', () => {
    const { store, frame } = setup()
    const events = smallNetwork()
    store.getState().ingest({ events })
    frame.flush()
    const past = foldEvents(events.slice(0, 6))
    store.getState().showReplayState(past)
    expect(store.getState().mode).toBe('replay')
    expect(displayedState(store.getState())).toBe(past)
    expect(store.getState().summary.links).toBe(0)
    // Live batches keep folding but do not change what is displayed.
    const before = store.getState().version
    store.getState().ingest({ events: [sequence(events.length + 1)({ node: A, type: 'liveness.sent', peer: B })] })
    frame.flush()
    expect(store.getState().version).toBe(before)
    expect(store.getState().liveVersion).toBe(2)
    store.getState().goLive()
    expect(store.getState().mode).toBe('live')
    expect(displayedState(store.getState())).toBe(store.getState().live.state)
    expect(store.getState().summary.links).toBe(2)
  })

  it('keeps selection and log filters', () => {
    const { store } = setup()
    store.getState().select(B)
    store.getState().setLogNode(B)
    store.getState().setLogTypes(['gossip.received'])
    expect(store.getState()).toMatchObject({ selected: B, logNode: B, logTypes: ['gossip.received'] })
    store.getState().select(null)
    expect(store.getState().selected).toBeNull()
  })
})

describe('session slice', () => {
  it('keeps at most four notices, newest last', () => {
    const { store } = setup()
    for (let i = 1; i <= 6; i++) store.getState().notify('error', `e${i}`)
    expect(store.getState().notices.map((n) => n.text)).toEqual(['e3', 'e4', 'e5', 'e6'])
    store.getState().dismissNotice(store.getState().notices[0]!.id)
    expect(store.getState().notices.map((n) => n.text)).toEqual(['e4', 'e5', 'e6'])
  })

  it('clears the notices of one topic only (an earlier import when the next one starts)', () => {
    const { store } = setup()
    store.getState().notify('error', 'Opened with problems: a.ndjson:3', 'import')
    store.getState().notify('error', 'Host: a node crashed')
    store.getState().notify('info', 'Opened a.zip: 10 events', 'import')
    store.getState().clearNotices('import')
    expect(store.getState().notices.map((n) => n.text)).toEqual(['Host: a node crashed'])
  })

  it('defaults new networks to time scale 0.2', () => {
    expect(setup().store.getState().settings.timeScale).toBe(0.2)
  })
})

function createNetworkSettings() {
  return { timeScale: 1, gossipIntervalMs: 5000, gossipCount: 10, livenessIntervalMs: 13000, livenessMisses: 3, maxLinks: 2, topology: 'powerlaw' as const }
}
