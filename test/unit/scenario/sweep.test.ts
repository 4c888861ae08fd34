import { describe, expect, it } from 'vitest'
import { validateScenario } from '../../../shared/scenario/parse'
import { judgeRun } from '../../../shared/scenario/report'
import { runScenario } from '../../../shared/scenario/runner'
import type { Scenario } from '../../../shared/scenario/schema'
import { SimBackend } from '../../../shared/scenario/sim-backend'
import { expandCells, parseVary, spread, sweepCsv, sweepMarkdown, sweepPlots, type CellRuns, type Variation } from '../../../shared/scenario/sweep'
import { sha256 } from '../shared/helpers'

const base = (): Scenario => {
  const parsed = validateScenario({
    name: 'sweep base',
    network: { seeds: 2, peers: 4, settings: { timeScale: 0.05, gossipCount: 2 }, rngSeed: 11 },
    durationMs: 40_000,
    expect: { minCoverage: 1 },
  })
  if (!parsed.ok) throw new Error(parsed.error)
  return parsed.scenario
}

describe('sweeps', () => {
  it('parses --vary: aliases, numbers, paths; refuses the rest with a reason', () => {
    expect(parseVary('peers=20,60')).toEqual({ name: 'peers', path: 'network.peers', values: [20, 60] })
    expect(parseVary('topology=powerlaw,random')).toEqual({ name: 'topology', path: 'network.settings.topology', values: ['powerlaw', 'random'] })
    expect(parseVary('network.settings.maxLinks=2,3')).toMatchObject({ path: 'network.settings.maxLinks', values: [2, 3] })
    expect(parseVary('peers')).toMatch(/expected NAME=V1,V2/)
    expect(parseVary('colour=red')).toMatch(/colour: unknown parameter/)
    expect(parseVary('peers=')).toMatch(/no values/)
    expect(parseVary('peers=5,5')).toMatch(/repeated/)
  })

  it('expands the product of the variations and validates each cell, naming the bad value', () => {
    const vary = [parseVary('peers=3,5') as Variation, parseVary('topology=powerlaw,random') as Variation]
    const cells = expandCells(base(), vary)
    expect(cells.ok && cells.cells.map((c) => [c.scenario.network.peers, c.scenario.network.settings?.topology])).toEqual([
      [3, 'powerlaw'], [3, 'random'], [5, 'powerlaw'], [5, 'random'],
    ])
    const packed = expandCells(base(), [parseVary('packing=1,50,auto') as Variation])
    expect(packed.ok && packed.cells.map((c) => c.scenario.network.packing)).toEqual([
      { mode: 'single' }, { mode: 'pack', size: 50 }, { mode: 'auto', threshold: 30, size: 50 },
    ])
    const bad = expandCells(base(), [parseVary('seeds=2,40') as Variation])
    expect(bad).toEqual({ ok: false, error: expect.stringMatching(/^scenario with seeds=40: network\.seeds: Too big/) })
    const word = expandCells(base(), [parseVary('peers=many') as Variation])
    expect(!word.ok && word.error).toMatch(/network\.peers: Invalid input: expected number, received string/)
  })

  it('writes one csv row per run and mean ± sd (min..max) per cell, and one plot per measure', async () => {
    const vary = [parseVary('peers=3,5') as Variation]
    const expanded = expandCells(base(), vary)
    if (!expanded.ok) throw new Error(expanded.error)
    const cells: CellRuns[] = []
    for (const cell of expanded.cells) {
      const runs = []
      for (let r = 0; r < 2; r++) {
        const scenario = structuredClone(cell.scenario)
        scenario.network.rngSeed = 11 + r
        runs.push(judgeRun(scenario, await runScenario(scenario, new SimBackend({ sha256 })), 1))
      }
      cells.push({ cell, runs })
    }
    const csv = sweepCsv(vary, cells).trim().split('\n')
    expect(csv[0]).toBe('peers,repeat,rngSeed,passed,coverage,latencyP50Ms,latencyP99Ms,messagesPerBroadcast,detectionMs,falseRemovals,messages,wallMs')
    expect(csv.slice(1).map((row) => row.split(',').slice(0, 4).join(','))).toEqual(['3,1,11,true', '3,2,12,true', '5,1,11,true', '5,2,12,true'])
    // 4 peers x 2 messages... each cell's message count is peers x gossipCount.
    expect(csv.slice(1).map((row) => row.split(',')[10])).toEqual(['6', '6', '10', '10'])
    const md = sweepMarkdown(base(), 'sim', vary, cells, [{ file: 'plots/sweep-coverage.svg', caption: 'c' }])
    expect(md).toMatch(/\*\*simulated\*\*/)
    expect(md).toMatch(/\| 3 \| 2\/2 \| 1\.000 ± 0\.000 \(1\.000\.\.1\.000\) \|/)
    const plots = sweepPlots(vary, cells)
    expect(plots.map((p) => p.name)).toEqual([
      'sweep-coverage', 'sweep-latencyP50Ms', 'sweep-latencyP99Ms', 'sweep-messagesPerBroadcast', 'sweep-detectionMs', 'sweep-falseRemovals',
    ])
    expect(plots[0]!.svg).toMatch(/^<svg /)
  })

  it('spread: mean, sample sd, min and max, ignoring missing values', () => {
    expect(spread([1, 3, null])).toEqual({ n: 2, mean: 2, sd: Math.SQRT2, min: 1, max: 3 })
    expect(spread([null])).toEqual({ n: 0, mean: null, sd: null, min: null, max: null })
  })
})
