import { describe, expect, it } from 'vitest'
import { parseScenarioText, validateScenario } from '../../../shared/scenario/parse'
import { EXPECTATION_KEYS, STEP_KINDS, TRIGGER_EVENTS, type ScenarioInput } from '../../../shared/scenario/schema'

const base = (extra: Partial<ScenarioInput> = {}): ScenarioInput => ({
  name: 'test',
  network: { seeds: 3, peers: 10 },
  durationMs: 60_000,
  ...extra,
})

const refused = (value: unknown): string[] => {
  const result = validateScenario(value, 'f.json')
  if (result.ok) throw new Error('expected a refusal')
  return result.issues
}

/** One valid step of every kind (a label `hub` is given first, so later steps may use it). */
const EVERY_STEP = [
  { at: 0, do: 'add-seeds', count: 1 },
  { at: 10, do: 'add-peers', count: 5 },
  { after: { event: 'all-peers-linked', delayMs: 100 }, do: 'pause', node: { pick: 'highest-degree' }, as: 'hub' },
  { after: { event: 'message-created', n: 3 }, do: 'resume', node: 'hub' },
  { after: { event: 'node-removed', node: 'hub' }, do: 'restart', node: 'hub', id: 'back' },
  { after: { event: 'step-fired', step: 'back' }, do: 'kill', node: { pick: 'random' } },
  { at: 20, do: 'stop-node', node: { pick: 'seed' } },
  { at: 30, do: 'partition', nodes: ['peer1', 'peer2', { pick: 'random' }] },
  { at: 35, do: 'partition', nodes: ['seed1'], other: ['peer3'], direction: 'outbound' },
  { at: 40, do: 'heal' },
  { at: 50, do: 'conditions', set: { latencyMs: 50, jitterMs: 20, lossRate: 0.02 } },
  { at: 55, do: 'settings', set: { topology: 'random', maxLinks: 3 } },
  { at: 60, do: 'stop' },
]

describe('scenario schema', () => {
  it('accepts every step kind, trigger and expectation', () => {
    const expect_ = {
      minCoverage: 0.99,
      minMessages: 10,
      maxDetectionMs: 60_000,
      noFalseRemovals: true,
      maxMessagesPerBroadcast: 40,
      maxLatencyP50Ms: 100,
      maxLatencyP99Ms: 500,
      connected: true,
    }
    const result = validateScenario(base({ steps: EVERY_STEP as never, expect: expect_, conditions: { latencyMs: 5 } }))
    expect(result.ok).toBe(true)
    expect(new Set(EVERY_STEP.map((s) => s.do))).toEqual(new Set(STEP_KINDS))
    expect(new Set(EVERY_STEP.flatMap((s) => (s.after ? [s.after.event] : [])))).toEqual(new Set(TRIGGER_EVENTS))
    expect(Object.keys(expect_).sort()).toEqual([...EXPECTATION_KEYS].sort())
  })

  it('reads YAML as well as JSON', () => {
    const yaml = 'name: y\nnetwork: {seeds: 2, peers: 4, rngSeed: 3, packing: {mode: pack, size: 50}}\ndurationMs: 1000\nsteps:\n  - {at: 5, do: kill, node: peer4}\n'
    const result = parseScenarioText(yaml, 'x.yaml')
    expect(result.ok && result.scenario.steps[0]).toEqual({ at: 5, do: 'kill', node: 'peer4' })
  })

  it('refuses an unknown step kind with its path', () => {
    expect(refused(base({ steps: [{ at: 1, do: 'explode' }] as never }))[0]).toMatch(/^steps\.0\.do: .*'add-seeds'.*'stop'/)
  })

  it('refuses bad node names: malformed, out of range, an unknown label', () => {
    expect(refused(base({ steps: [{ at: 1, do: 'kill', node: 'Peer 1' }] as never }))).toEqual([
      'steps.0.node: expected a node name (seed1, peer3), a label, or {pick: ...}',
    ])
    expect(refused(base({ steps: [{ at: 1, do: 'kill', node: 'peer11' }] as never }))).toEqual(['steps.0.node: no node peer11: the scenario starts 10 peers'])
    // Peers added by a step count: peer12 exists once two are added.
    expect(validateScenario(base({ steps: [{ at: 0, do: 'add-peers', count: 2 }, { at: 1, do: 'kill', node: 'peer12' }] })).ok).toBe(true)
    expect(refused(base({ steps: [{ at: 1, do: 'kill', node: 'hub' }] as never }))[0]).toMatch(/^steps\.0\.node: unknown node "hub"/)
    expect(refused(base({ steps: [{ at: 1, do: 'kill', node: { pick: 'oldest' } }] as never }))[0]).toMatch(/^steps\.0\.node\.pick: /)
  })

  it('refuses negative or missing times, and both at and after', () => {
    expect(refused(base({ steps: [{ at: -5, do: 'heal' }] as never }))).toEqual(['steps.0.at: must be 0 or more (protocol ms)'])
    expect(refused(base({ steps: [{ do: 'heal' }] as never }))).toEqual(['steps.0: give exactly one of `at` (protocol ms) or `after` (an event)'])
    expect(refused(base({ steps: [{ at: 1, after: { event: 'all-peers-linked' }, do: 'heal' }] as never }))[0]).toMatch(/^steps\.0: give exactly one/)
    expect(refused(base({ durationMs: 0 }))).toEqual(['durationMs: must be more than 0'])
  })

  it('refuses bad triggers, unknown fields and out-of-range values', () => {
    expect(refused(base({ steps: [{ after: { event: 'message-created' }, do: 'heal' }] as never }))[0]).toMatch(/^steps\.0\.after\.n: /)
    expect(refused(base({ steps: [{ after: { event: 'step-fired', step: 'nope' }, do: 'heal' }] as never }))).toEqual(['steps.0.after.step: no step has id nope'])
    expect(refused(base({ expect: { minCoverage: 2 } as never }))[0]).toMatch(/^expect\.minCoverage: Too big/)
    expect(refused(base({ expect: { bogus: 1 } as never }))).toEqual(['expect: unknown field bogus'])
    expect(refused(base({ network: { seeds: 1, peers: 2 } }))[0]).toMatch(/^network\.seeds: Too small/)
    expect(refused(base({ network: { seeds: 3, peers: 2, settings: { topology: 'ring' } } } as never))[0]).toMatch(/^network\.settings\.topology: /)
    expect(refused(base({ conditions: { lossRate: 1.5 } }))[0]).toMatch(/^conditions\.lossRate: /)
  })

  it('names the file and stays one line; never throws on bad text', () => {
    const bad = parseScenarioText('{"name": ', 'broken.json')
    expect(bad).toMatchObject({ ok: false })
    expect(!bad.ok && bad.error).toMatch(/^broken\.json: not valid JSON: /)
    const yaml = parseScenarioText('name: [x', 'b.yml')
    expect(!yaml.ok && yaml.error).toMatch(/^b\.yml: not valid YAML: /)
    expect(parseScenarioText('[]', 'a.json')).toMatchObject({ ok: false, error: 'a.json: (root): Invalid input: expected object, received array' })
  })
})

describe('expectation figures', () => {
  it('a failed coverage check prints enough digits to differ from the expected value', async () => {
    const { fmtDistinct } = await import('../../../shared/scenario/expectations')
    expect(fmtDistinct(0.99974, 1, 3)).toBe('0.9997')
    expect(fmtDistinct(1, 1, 3)).toBe('1.000')
    expect(fmtDistinct(0.5, 1, 3)).toBe('0.500')
    expect(fmtDistinct(null, 1, 3)).toBe('none')
  })
})
