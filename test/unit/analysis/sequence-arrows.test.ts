import { describe, expect, it } from 'vitest'
import type { SessionEvent } from '../../../shared/events'
import { arrowsOf } from '../../../shared/analysis/sequence'

const T = 1_800_000_000_000
const ev = (list: Array<Record<string, unknown>>): SessionEvent[] => list.map((e, i) => ({ v: 1, seq: i + 1, ...e }) as SessionEvent)
const [a, b, s] = ['127.0.0.1:7001', '127.0.0.1:7002', '127.0.0.1:6000']

describe('sequence diagram arrows', () => {
  it('pairs sends with receipts, probes with replies and reports with removals', () => {
    const arrows = arrowsOf(
      ev([
        { t: T, node: a, type: 'gossip.forwarded', id: 'm', to: b },
        { t: T + 4, node: b, type: 'gossip.received', id: 'm', text: 'x:1', from: a },
        { t: T + 9, node: a, type: 'gossip.duplicate', id: 'm', from: b },
        { t: T + 10, node: a, type: 'liveness.sent', peer: b },
        { t: T + 12, node: a, type: 'liveness.ok', peer: b, rttMs: 2 },
        { t: T + 20, node: a, type: 'peer.dead-reported', peer: b, seeds: [s] },
        { t: T + 21, node: s, type: 'seed.peer-removed', peer: b, reporter: a },
      ]),
      100,
    )
    expect(arrows.map((x) => [x.kind, x.from, x.to, x.sentAt - T, x.receivedAt - T])).toEqual([
      ['gossip', a, b, 0, 4],
      ['duplicate', b, a, 9, 9],
      ['liveness', a, b, 10, 11],
      ['reply', b, a, 11, 12],
      ['report', a, s, 20, 21],
    ])
    expect(arrows[0]!.key).toBe(arrows[1]!.key)
  })

  it('keeps only the latest arrows over the limit', () => {
    const many = ev(Array.from({ length: 10 }, (_, i) => ({ t: T + i, node: b, type: 'gossip.received', id: `m${i}`, text: 't', from: a })))
    expect(arrowsOf(many, 3).map((x) => x.key)).toEqual(['m7', 'm8', 'm9'])
  })
})
