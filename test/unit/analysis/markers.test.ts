import { describe, expect, it } from 'vitest'
import { MarkerIndex } from '../../../shared/analysis/markers'
import { syntheticSession } from '../../../shared/model/synthetic'

describe('timeline markers', () => {
  it('finds kills, reports, removals and first/last deliveries, incrementally', () => {
    const session = syntheticSession({ seeds: 3, peers: 12, gossipCount: 2, kills: 2, rngSeed: 4 })
    const whole = new MarkerIndex()
    whole.add(session)
    const parts = new MarkerIndex()
    for (let i = 0; i < session.length; i += 97) parts.add(session.slice(i, i + 97))
    expect(parts.all()).toEqual(whole.all())

    const kinds = (kind: string) => whole.all().filter((m) => m.kind === kind)
    expect(kinds('kill')).toHaveLength(2)
    expect(kinds('report').length).toBeGreaterThanOrEqual(2)
    expect(kinds('removal').length).toBeGreaterThanOrEqual(2)
    const messages = new Set(session.filter((e) => e.type === 'gossip.created').map((e) => (e.type === 'gossip.created' ? e.id : '')))
    expect(kinds('first')).toHaveLength(messages.size)
    for (const [id, first] of whole.first) {
      const receipts = session.filter((e) => e.type === 'gossip.received' && e.id === id)
      expect(first.seq).toBe(receipts[0]!.seq)
      expect(whole.last.get(id)!.seq).toBe(receipts[receipts.length - 1]!.seq)
    }
  })
})
