import { describe, expect, it } from 'vitest'
import type { SessionEvent } from '../../../shared/events'
import { analyzeSession } from '../../../shared/analysis/analyze'
import { applyEvent, createNetwork, type NetworkState } from '../../../shared/model/network'
import { syntheticSession } from '../../../shared/model/synthetic'
import { ReplayIndex } from '../../../shared/model/timeline'
import { wideSession } from '../../fixtures/wide-session'

/** The definition, computed the slow way: alive peers with a link, origin excluded. */
function eligibleNow(state: NetworkState, origin: string): string[] {
  return [...state.nodes.values()].filter((n) => n.role === 'peer' && n.status === 'alive' && n.neighbours.size > 0 && n.id !== origin).map((n) => n.id)
}

/** Per message id, the expected set by definition at its gossip.created. */
function bruteForce(events: readonly SessionEvent[]): Map<string, string[]> {
  const state = createNetwork()
  const out = new Map<string, string[]>()
  for (const e of events) {
    if (e.type === 'gossip.created' && !out.has(e.id)) out.set(e.id, eligibleNow(state, e.node).sort())
    applyEvent(state, e)
  }
  return out
}

function expectMatches(state: NetworkState, truth: Map<string, string[]>): void {
  for (const m of state.messages.values()) {
    const want = truth.get(m.id)!
    expect([...m.expected].sort(), m.id).toEqual(want)
    expect(m.expected.size, m.id).toBe(want.length)
    for (const id of want) expect(m.expected.has(id)).toBe(true)
    expect(m.expected.has(m.origin)).toBe(false)
  }
}

describe('expected peers of each message (shared eligibility history)', () => {
  it('equals the alive, linked peers at creation, with kills, restarts and pauses, in the fold and after any replay seek', () => {
    for (const rngSeed of [1, 2, 3]) {
      const base = syntheticSession({ seeds: 2, peers: 12, gossipCount: 3, kills: 3, rngSeed })
      // A pause and a restart of other peers in the middle of the gossip.
      const mid = Math.floor(base.length / 2)
      const at = base[mid]!.t
      const [p, r] = ['127.0.2.4:7000', '127.0.2.5:7000']
      const started = base.find((e) => e.type === 'node.started' && e.node === r)!
      const extra = [
        { v: 1, t: at, node: p, type: 'node.paused' },
        { ...started, t: at },
        { v: 1, t: at + 50, node: p, type: 'node.resumed' },
      ] as SessionEvent[]
      const events = [...base.slice(0, mid), ...extra, ...base.slice(mid)].map((e, i) => ({ ...e, seq: i + 1 }) as SessionEvent)
      const truth = bruteForce(events)
      const state = createNetwork()
      for (const e of events) applyEvent(state, e)
      expect(state.messages.size).toBeGreaterThan(10)
      expectMatches(state, truth)
      const index = new ReplayIndex(events, { snapshotEvery: 37 })
      for (const n of [1, 100, mid, mid + 2, events.length - 5, events.length]) expectMatches(index.stateAfter(n), truth)
    }
  })

  it('follows changes to a peer made by events of other nodes (one-sided link-up, a neighbour restarting)', () => {
    const [s, a, b, c] = ['127.0.1.1:6000', '127.0.2.1:7000', '127.0.2.2:7000', '127.0.2.3:7000']
    const settings = syntheticSession({ seeds: 1, peers: 1, gossipCount: 0, kills: 0 })[0]!
    const start = (node: string, t: number) => ({ ...(settings as object), node, t, role: node === s ? 'seed' : 'peer', type: 'node.started' })
    const gossip = (id: string, t: number) => ({ v: 1, t, node: c, type: 'gossip.created', id, text: `${t}:127.0.2.3:1`, n: 1 })
    const raw = [
      start(s, 1), start(a, 2), start(b, 3), start(c, 4),
      { v: 1, t: 5, node: c, type: 'peer.link-up', peer: a, initiator: true },
      { v: 1, t: 5, node: a, type: 'peer.link-up', peer: c, initiator: false },
      gossip('m1', 6), // a only (b has no link)
      { v: 1, t: 7, node: a, type: 'peer.link-up', peer: b, initiator: true }, // b's side never recorded
      gossip('m2', 8), // a and b
      start(a, 9), // a restarts: its links (to b and c) are gone, so b is unlinked
      gossip('m3', 10), // nobody
    ]
    const events = raw.map((e, i) => ({ ...e, v: 1, seq: i + 1 }) as SessionEvent)
    const truth = bruteForce(events)
    expect([...truth.values()]).toEqual([[a], [a, b], []])
    const state = createNetwork()
    for (const e of events) applyEvent(state, e)
    expectMatches(state, truth)
    for (let n = 1; n <= events.length; n++) expectMatches(new ReplayIndex(events, { snapshotEvery: 2 }).stateAfter(n), truth)
  })

  it('analyses 8,000 peers x 30,000 messages with every other peer expected', () => {
    const events = wideSession({ peers: 8000, messages: 30_000 })
    const a = analyzeSession(events)
    expect(a.peers).toBe(8000)
    expect(a.messages).toHaveLength(30_000)
    expect(a.messages.every((m) => m.expected === 7999 && m.reached === 2 && m.floodingBound === 2 * 16_000 - 7999)).toBe(true)
  }, 120_000)
})
