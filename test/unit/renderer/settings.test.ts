import { describe, expect, it } from 'vitest'
import { fieldError } from '../../../renderer/src/panels/SettingsPanel'
import { nodeRows } from '../../../renderer/src/panels/NodeList'
import { foldEvents } from '../../../shared/model/network'
import { A, S1, S2, smallNetwork } from './fixtures'

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
