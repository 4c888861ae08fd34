import { describe, expect, it } from 'vitest'
import { lanesByFirstReceipt, maxHop, propagationAt, propagationOf, propagationWindow, transmissionSeqs } from '../../../shared/analysis/propagation'
import { A, B, C, sequence } from './fixtures'

const D = '127.0.1.4:10003'

describe('propagationOf', () => {
  it('builds the first-receipt tree, hop counts and the duplicate sends that lost the race', () => {
    const e = sequence()
    const events = [
      e({ node: A, type: 'gossip.created', id: 'm', text: '1:127.0.1.1:1', n: 1 }),
      e({ node: A, type: 'gossip.forwarded', id: 'm', to: B }),
      e({ node: A, type: 'gossip.forwarded', id: 'm', to: C }),
      e({ node: B, type: 'gossip.received', id: 'm', text: '1:127.0.1.1:1', from: A }),
      e({ node: C, type: 'gossip.received', id: 'm', text: '1:127.0.1.1:1', from: A }),
      e({ node: D, type: 'gossip.received', id: 'm', text: '1:127.0.1.1:1', from: B }),
      e({ node: D, type: 'gossip.duplicate', id: 'm', from: C }),
      e({ node: C, type: 'gossip.duplicate', id: 'm', from: B }),
      e({ node: B, type: 'gossip.received', id: 'other', text: 'x', from: C }),
    ]
    const p = propagationOf(events, 'm')
    expect(p.origin).toBe(A)
    expect(p.n).toBe(1)
    expect(p.hops.map((h) => [h.node, h.from, h.hop])).toEqual([
      [B, A, 1],
      [C, A, 1],
      [D, B, 2],
    ])
    expect(p.duplicates.map((d) => [d.from, d.to])).toEqual([
      [C, D],
      [B, C],
    ])
    expect(maxHop(p)).toBe(2)
    expect(transmissionSeqs(p)).toEqual([4, 5, 6, 7, 8])
    expect(lanesByFirstReceipt(p)).toEqual([A, B, C, D])
    expect(propagationWindow(p)).toEqual({ start: events[0]!.t, end: events[7]!.t })
    const early = propagationAt(p, 5)
    expect(early.hops.map((h) => h.node)).toEqual([B, C])
    expect(early.duplicates).toEqual([])
  })

  it('computes hops when a receipt was recorded before the creation (events of different processes interleave)', () => {
    const e = sequence()
    const events = [
      e({ node: C, type: 'gossip.received', id: 'm', text: 't', from: B }),
      e({ node: B, type: 'gossip.received', id: 'm', text: 't', from: A }),
      e({ node: A, type: 'gossip.created', id: 'm', text: 't', n: 2 }),
    ]
    const p = propagationOf(events, 'm')
    expect(p.hops.map((h) => h.hop)).toEqual([2, 1])
  })

  it('leaves the hop unknown when the chain to the origin is missing', () => {
    const e = sequence()
    const p = propagationOf([e({ node: C, type: 'gossip.received', id: 'm', text: 't', from: B })], 'm')
    expect(p.origin).toBeNull()
    expect(p.hops[0]!.hop).toBeNull()
  })
})
