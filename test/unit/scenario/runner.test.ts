import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseEvent } from '../../../shared/events'
import { validateScenario } from '../../../shared/scenario/parse'
import { scenarioFromSession } from '../../../shared/scenario/record'
import { judgeRun } from '../../../shared/scenario/report'
import { runScenario } from '../../../shared/scenario/runner'
import type { Scenario, ScenarioInput } from '../../../shared/scenario/schema'
import { SimBackend } from '../../../shared/scenario/sim-backend'
import { sha256 } from '../shared/helpers'

const scenarioOf = (input: ScenarioInput): Scenario => {
  const parsed = validateScenario(input)
  if (!parsed.ok) throw new Error(parsed.error)
  return parsed.scenario
}

const fast = { timeScale: 0.05 }

async function simRun(scenario: Scenario) {
  const backend = new SimBackend({ sha256 })
  const run = await runScenario(scenario, backend)
  return { backend, run, outcome: judgeRun(scenario, run, 0) }
}

const classic = (): Scenario => {
  const parsed = validateScenario(JSON.parse(readFileSync('scenarios/classic.json', 'utf8')))
  if (!parsed.ok) throw new Error(parsed.error)
  return parsed.scenario
}

describe('scenario runner on the simulator', () => {
  it('runs the classic scenario: every expectation holds, the kill fires after the 100th message', async () => {
    const { run, outcome } = await simRun(classic())
    expect(outcome.checks.filter((c) => !c.pass)).toEqual([])
    expect(run.fired).toHaveLength(1)
    const created = run.events.filter((e) => e.type === 'gossip.created')
    const kill = run.events.find((e) => e.type === 'host.kill')!
    // 20000 protocol ms after the 100th creation, at time scale 0.05.
    expect(kill.t - created[99]!.t).toBeGreaterThanOrEqual(1000)
    expect(kill.t - created[99]!.t).toBeLessThan(1010)
    expect(run.events.every((e) => parseEvent(e).ok)).toBe(true)
  })

  it('is reproducible: the same rng seed gives the same overlay, the same pick and the same transcript', async () => {
    const a = await simRun(classic())
    const b = await simRun(classic())
    expect(b.outcome.overlay).toEqual(a.outcome.overlay)
    expect(b.run.fired).toEqual(a.run.fired)
    expect(b.run.events.map((e) => JSON.stringify(e))).toEqual(a.run.events.map((e) => JSON.stringify(e)))
    const other = classic()
    other.network.rngSeed = 8
    const c = await simRun(other)
    expect(c.outcome.overlay).not.toEqual(a.outcome.overlay)
  })

  it('record -> save -> re-run gives the same overlay and the same choices', async () => {
    const first = await simRun(classic())
    const saved = scenarioFromSession(first.run.events, 'saved')
    expect(saved.ok).toBe(true)
    if (!saved.ok) return
    expect(saved.scenario.network).toMatchObject({ seeds: 3, peers: 10, rngSeed: 7 })
    expect(saved.scenario.steps).toEqual([{ at: first.run.fired[0]!.atMs, do: 'kill', node: first.run.fired[0]!.name }])
    const again = await simRun(saved.scenario)
    expect(again.outcome.overlay).toEqual(first.outcome.overlay)
    expect(again.run.fired.map((f) => [f.name, f.node, f.atMs])).toEqual(first.run.fired.map((f) => [f.name, f.node, f.atMs]))
  })

  it('fails an expectation that cannot hold, saying measured against expected', async () => {
    const scenario = classic()
    scenario.expect = { maxDetectionMs: 1000, maxMessagesPerBroadcast: 1 }
    const { outcome } = await simRun(scenario)
    expect(outcome.passed).toBe(false)
    expect(outcome.checks.map((c) => [c.key, c.pass])).toEqual([
      ['maxDetectionMs', false],
      ['maxMessagesPerBroadcast', false],
    ])
    expect(outcome.checks[0]!.measured).toMatch(/^\d+ ms$/)
    expect(outcome.checks[0]!.expected).toBe('<= 1000 ms, every kill detected')
  })

  it('labels a picked node and acts on it later; restarts it; adds nodes with the next names', async () => {
    const scenario = scenarioOf({
      name: 'hub',
      network: { seeds: 2, peers: 8, settings: { ...fast, gossipCount: 2 }, rngSeed: 3 },
      durationMs: 200_000,
      steps: [
        { after: { event: 'all-peers-linked', delayMs: 1000 }, do: 'kill', node: { pick: 'highest-degree' }, as: 'hub' },
        { after: { event: 'node-removed', node: 'hub' }, do: 'restart', node: 'hub', id: 'back' },
        { after: { event: 'step-fired', step: 'back', delayMs: 500 }, do: 'add-peers', count: 2 },
        { at: 150_000, do: 'add-seeds', count: 1 },
        { at: 160_000, do: 'stop' },
        { at: 170_000, do: 'heal' },
      ],
      expect: { connected: true },
    })
    const { run, outcome } = await simRun(scenario)
    const [kill, restart, add, seed, stop] = run.fired
    // The hub: the peer with the most links when it was picked.
    expect(restart!.node).toBe(kill!.node)
    expect(run.names.hub).toBe(kill!.node)
    expect(run.events.filter((e) => e.type === 'node.started' && e.node === kill!.node)).toHaveLength(2)
    expect(add!.name).toBe('peer9,peer10')
    expect(seed!.name).toBe('seed3')
    expect(stop!.do).toBe('stop')
    // The step after the stop never fired: reported, and a failed check.
    expect(run.unfired).toEqual([{ index: 5, do: 'heal', reason: 'the run was stopped before it' }])
    expect(outcome.checks.find((c) => c.key === 'steps')).toMatchObject({ pass: false, measured: 'never fired: the run was stopped before it' })
    expect(outcome.checks.find((c) => c.key === 'connected')).toMatchObject({ pass: true })
  })

  it('pauses and resumes a peer; a step that cannot be carried out fails with its reason', async () => {
    const scenario = scenarioOf({
      name: 'pause',
      network: { seeds: 2, peers: 6, settings: { ...fast, gossipCount: 1 }, rngSeed: 5 },
      durationMs: 100_000,
      steps: [
        { at: 20_000, do: 'pause', node: 'peer2' },
        { at: 25_000, do: 'pause', node: 'peer2' },
        { at: 30_000, do: 'resume', node: { pick: 'random' } },
        { at: 31_000, do: 'resume', node: { pick: 'random' } },
      ],
    })
    const { run, outcome } = await simRun(scenario)
    expect(run.fired.map((f) => [f.do, f.name, f.error])).toEqual([
      ['pause', 'peer2', undefined],
      ['pause', 'peer2', `${run.names.peer2} is already paused`],
      ['resume', 'peer2', undefined],
      ['resume', undefined, 'no paused peer to pick'],
    ])
    expect(run.events.filter((e) => e.type === 'node.paused' || e.type === 'node.resumed').map((e) => e.type)).toEqual(['node.paused', 'node.resumed'])
    expect(outcome.checks.filter((c) => !c.pass).map((c) => c.measured)).toEqual([
      `failed: ${run.names.peer2} is already paused`,
      'failed: no paused peer to pick',
    ])
    // Every step is in the session as a host.action (the timeline's markers), failures with their error.
    const actions = run.events.filter((e) => e.type === 'host.action')
    expect(actions.map((a) => a.type === 'host.action' && [a.action, a.step ?? null, a.error ?? null])).toEqual([
      ['start', null, null],
      ['pause', 0, null],
      ['pause', 1, `${run.names.peer2} is already paused`],
      ['resume', 2, null],
      ['resume', 3, 'no paused peer to pick'],
    ])
  })

  it('waits for an event that never comes until durationMs, then says so', async () => {
    const scenario = scenarioOf({
      name: 'never',
      network: { seeds: 2, peers: 3, settings: { ...fast, gossipCount: 1 } },
      durationMs: 30_000,
      steps: [{ after: { event: 'message-created', n: 50 }, do: 'kill', node: 'peer1' }],
    })
    const { run, backend } = await simRun(scenario)
    expect(run.fired).toEqual([])
    expect(run.unfired).toEqual([{ index: 0, do: 'kill', reason: 'its event (message-created) did not happen within durationMs' }])
    expect(run.endT - run.startT).toBe(30_000 * 0.05)
    expect(backend.sim.nodeIds().every((id) => !backend.sim.isAlive(id))).toBe(true)
  })
})
