import { describe, expect, it } from 'vitest'
import { inWaves } from '../../../electron/host/supervisor'

describe('peers started in waves', () => {
  it('starts every peer once when the wave size grows between waves (auto packing above its threshold)', () => {
    // 247 peers, 8 per wave while fewer than 30 nodes run, then 50 (3 seeds already run):
    // the app once advanced by the new size after a wave and skipped 42 peers without a word.
    const peers = Array.from({ length: 247 }, (_, i) => i)
    let alive = 3
    const waves: number[][] = []
    for (const wave of inWaves(peers, () => (alive < 30 ? 8 : 50))) {
      waves.push(wave)
      alive += wave.length
    }
    expect(waves.flat()).toEqual(peers)
    expect(waves.map((w) => w.length)).toEqual([8, 8, 8, 8, 50, 50, 50, 50, 15])
  })

  it('yields nothing for no items and at least one item per wave', () => {
    expect([...inWaves([], () => 5)]).toEqual([])
    expect([...inWaves([1, 2, 3], () => 0)]).toEqual([[1], [2], [3]])
  })
})
