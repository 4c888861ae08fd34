import { describe, expect, it } from 'vitest'
import { fieldError } from '../../../renderer/src/panels/SettingsPanel'
import { nodeRows } from '../../../renderer/src/panels/NodeList'
import { recentMessages } from '../../../renderer/src/panels/MessageCoverage'
import { foldEvents } from '../../../shared/model/network'
import { A, S1, S2, sequence, smallNetwork } from './fixtures'
import { applyEvent } from '../../../shared/model/network'

describe('settings validation', () => {
  it('accepts values in range and explains the rest', () => {
    expect(fieldError('timeScale', '0.2')).toBeNull()
    expect(fieldError('timeScale', '0')).toMatch(/>=|greater|too small/i)
    expect(fieldError('gossipCount', '2.5')).not.toBeNull()
    expect(fieldError('livenessMisses', '')).toBe('required')
    expect(fieldError('maxLinks', 'abc')).not.toBeNull()
    expect(fieldError('maxLinks', '64')).toBeNull()
  })
})

describe('node list rows', () => {
  it('lists seeds first, then peers in order of appearance', () => {
    const rows = nodeRows(foldEvents(smallNetwork()))
    expect(rows.map((r) => r.id).slice(0, 3)).toEqual([S1, S2, A])
    expect(rows[0]).toMatchObject({ role: 'seed', status: 'alive', degree: 1 })
  })
})

describe('per-message coverage rows', () => {
  it('lists the newest message first with its receipts over expected and time to reach all', () => {
    const state = foldEvents(smallNetwork())
    const e = sequence(state.seq + 1, 50_000)
    applyEvent(state, e({ node: A, type: 'gossip.created', id: 'm2', text: '50010:127.0.1.1:2', n: 2 }))
    const rows = recentMessages(state)
    expect(rows.map((r) => [r.number, r.hits, r.expected, r.completeMs])).toEqual([
      [2, 0, 2, null],
      [1, 2, 2, 40],
    ])
  })
})
