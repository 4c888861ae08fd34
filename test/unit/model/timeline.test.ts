import { describe, expect, it } from 'vitest'
import { applyEvent, createNetwork, foldEvents } from '../../../shared/model/network'
import { syntheticSession } from '../../../shared/model/synthetic'
import { ReplayIndex } from '../../../shared/model/timeline'
import { seededRandom } from '../../../shared/protocol/rng'

const session = syntheticSession({ seeds: 3, peers: 12, gossipCount: 3, kills: 2, rngSeed: 3 })
const liveFold = (count: number) => foldEvents(session.slice(0, count))

describe('ReplayIndex', () => {
  it('builds a realistic session with kills, removals and duplicates', () => {
    const state = foldEvents(session)
    expect(session.length).toBeGreaterThan(1000)
    expect(state.failures).toHaveLength(2)
    expect(state.failures.every((f) => f.removals.size > 0 && f.reportedAt !== null)).toBe(true)
    expect(state.counts.get('gossip.duplicate')).toBeGreaterThan(0)
  })

  it('gives exactly the live fold for random prefixes (by seq)', () => {
    const index = new ReplayIndex(session, { snapshotEvery: 97 })
    const random = seededRandom(11)
    const picks = [0, 1, 96, 97, 98, session.length - 1, session.length]
    for (let i = 0; i < 40; i++) picks.push(Math.floor(random() * (session.length + 1)))
    for (const count of picks) {
      const seq = count === 0 ? 0 : session[count - 1]!.seq
      expect(index.stateAt(seq)).toEqual(liveFold(count))
    }
  })

  it('seeks by time to the longest prefix at or before that time', () => {
    const index = new ReplayIndex(session, { snapshotEvery: 200 })
    const random = seededRandom(5)
    for (let i = 0; i < 20; i++) {
      const t = index.startT + random() * (index.endT - index.startT)
      let count = 0
      let maxT = 0
      for (const event of session) {
        maxT = Math.max(maxT, event.t)
        if (maxT > t) break
        count++
      }
      expect(index.stateAtTime(t)).toEqual(liveFold(count))
    }
    expect(index.stateAtTime(0).seq).toBe(0)
  })

  it('extends incrementally: chunked appends equal one build, replays are ignored', () => {
    const whole = new ReplayIndex(session, { snapshotEvery: 50 })
    const chunked = new ReplayIndex([], { snapshotEvery: 50 })
    const random = seededRandom(9)
    let at = 0
    while (at < session.length) {
      const size = 1 + Math.floor(random() * 120)
      // Each batch overlaps the previous one, as after a reconnect: overlap must be ignored.
      chunked.append(session.slice(Math.max(0, at - 5), at + size))
      at += size
    }
    expect(chunked.length).toBe(session.length)
    for (const seq of [1, 777, 1500, session.length]) expect(chunked.stateAt(seq)).toEqual(whole.stateAt(seq))
  })

  it('hands out states that do not alias the index or each other', () => {
    const index = new ReplayIndex(session, { snapshotEvery: 64 })
    const seq = Math.floor(session.length * 0.8)
    const expected = index.stateAt(seq)
    const victim = index.stateAt(seq)
    for (const node of victim.nodes.values()) {
      node.neighbours.clear()
      node.messages.add('forged')
      node.peerList.clear()
      node.misses.set('x', 9)
    }
    for (const message of victim.messages.values()) {
      message.receipts.push({ node: 'x', at: 0, from: 'y' })
      message.forwards += 100
    }
    victim.links.clear()
    victim.failures[0]?.removals.clear()
    for (let i = seq; i < session.length; i++) applyEvent(victim, session[i]!)
    expect(index.stateAt(seq)).toEqual(expected)
    expect(index.stateAt(seq)).toEqual(liveFold(index.countUpToSeq(seq)))
    expect(index.stateAt(session.length)).toEqual(foldEvents(session))
  })

  it('advances a state forward while playing and seeks back when asked', () => {
    const index = new ReplayIndex(session, { snapshotEvery: 100 })
    let state = index.stateAt(10)
    for (const seq of [11, 50, 51, 400, 2000, 300, session.length]) {
      state = index.advance(state, seq)
      expect(state).toEqual(liveFold(index.countUpToSeq(seq)))
    }
  })

  it('replays receipts recorded before their message was created (out-of-order processes)', () => {
    // Move every gossip.created after the first receipt of its message, as two processes' events can arrive.
    const events = session.map(({ seq: _seq, ...e }) => e)
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!
      if (e.type !== 'gossip.created') continue
      const receipt = events.findIndex((x, j) => j > i && x.type === 'gossip.received' && x.id === e.id)
      if (receipt < 0) continue
      events.splice(i, 1)
      events.splice(receipt, 0, e)
    }
    const shuffled = events.map((e, i) => ({ ...e, seq: i + 1 }) as (typeof session)[number])
    const live = foldEvents(shuffled)
    expect([...live.messages.values()].every((m) => m.receipts.length > 0)).toBe(true)
    const index = new ReplayIndex(shuffled, { snapshotEvery: 7 })
    const random = seededRandom(13)
    for (let i = 0; i < 40; i++) {
      const count = Math.floor(random() * (shuffled.length + 1))
      expect(index.stateAfter(count)).toEqual(foldEvents(shuffled.slice(0, count)))
    }
  })

  it('handles gaps in seq (filtered exports) and an empty index', () => {
    const sparse = session.filter((_, i) => i % 3 === 0)
    const index = new ReplayIndex(sparse, { snapshotEvery: 10 })
    const seq = sparse[40]!.seq + 1
    expect(index.stateAt(seq)).toEqual(foldEvents(sparse.slice(0, 41)))
    expect(index.indexOfSeq(sparse[40]!.seq)).toBe(40)
    expect(index.indexOfSeq(seq)).toBe(-1)
    const empty = new ReplayIndex()
    expect(empty.stateAt(100)).toEqual(createNetwork())
    expect(empty.endT).toBe(0)
  })
})
