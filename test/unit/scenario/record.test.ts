import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { exportSession } from '../../../electron/host/export'
import { syntheticSession } from '../../../shared/model/synthetic'
import { validateScenario } from '../../../shared/scenario/parse'
import { scenarioFromSession } from '../../../shared/scenario/record'
import { runScenario } from '../../../shared/scenario/runner'
import { SimBackend } from '../../../shared/scenario/sim-backend'
import { settings, tempDir, writeSessionFolder } from '../archive/fixture'
import { sha256 } from '../shared/helpers'

const roots: string[] = []
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })))

describe('Save as scenario', () => {
  it('turns user actions into steps at their protocol time, nodes by name, up to the Stop', async () => {
    const parsed = validateScenario({
      name: 'actions',
      network: { seeds: 2, peers: 5, settings: { ...settings, gossipCount: 1 }, rngSeed: 12 },
      durationMs: 100_000,
      steps: [
        { at: 10_000, do: 'add-peers', count: 2 },
        { at: 20_000, do: 'pause', node: 'peer6' },
        { at: 30_000, do: 'resume', node: 'peer6' },
        { at: 40_000, do: 'partition', nodes: ['peer1'], other: ['peer2'], direction: 'inbound' },
        { at: 50_000, do: 'heal' },
        { at: 55_000, do: 'conditions', set: { latencyMs: 3 } },
        { at: 60_000, do: 'restart', node: 'peer7' },
        { at: 70_000, do: 'stop' },
      ],
    })
    if (!parsed.ok) throw new Error(parsed.error)
    const run = await runScenario(parsed.scenario, new SimBackend({ sha256 }))
    expect(run.fired.filter((f) => f.error)).toEqual([])
    const saved = scenarioFromSession(run.events, 'again')
    if (!saved.ok) throw new Error(saved.error)
    expect(saved.scenario.durationMs).toBe(70_000)
    expect(saved.scenario.steps).toEqual(parsed.scenario.steps)
  })

  it('exports include the scenario; a session with no recorded start has none and says why', async () => {
    const root = tempDir('record')
    roots.push(root)
    const parsed = validateScenario(JSON.parse(readFileSync('scenarios/classic.json', 'utf8')))
    if (!parsed.ok) throw new Error(parsed.error)
    const run = await runScenario(parsed.scenario, new SimBackend({ sha256 }))
    const { dir } = writeSessionFolder(join(root, 'with'), run.events)
    await exportSession(dir, { format: 'folder' }, join(root, 'out'))
    const exported = validateScenario(JSON.parse(readFileSync(join(root, 'out', 'scenario.json'), 'utf8')))
    expect(exported.ok && exported.scenario.steps).toEqual([{ at: run.fired[0]!.atMs, do: 'kill', node: run.fired[0]!.name }])

    const old = writeSessionFolder(join(root, 'old'), syntheticSession({ peers: 3, gossipCount: 1, settings }))
    await exportSession(old.dir, { format: 'folder' }, join(root, 'out-old'))
    expect(existsSync(join(root, 'out-old', 'scenario.json'))).toBe(false)
    expect(scenarioFromSession(old.events)).toEqual({ ok: false, error: expect.stringMatching(/^this session has no recorded start/) })
  })
})
