import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS } from '../../../shared/settings'
import { HostController } from '../../../electron/host/controller'
import { FakeSupervisor } from './fake-supervisor'

const link = (delayMs: number, jitterMs = 0, loss = 0) => ({ delayMs, jitterMs, loss })

describe('HostController: network conditions verbs', () => {
  let dir: string
  let fake: FakeSupervisor
  let host: HostController
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gs-controller-net-'))
    host = new HostController(
      { sessionsDir: dir, exportsDir: join(dir, '_exports'), intake: { flushMs: 1, maxBatch: 100, memoryLimit: 1000 }, statusDelayMs: 1 },
      (hooks) => (fake = new FakeSupervisor(dir, hooks)),
    )
    await host.startNetwork({ seeds: 2, peers: 3, settings: DEFAULT_SETTINGS })
  })
  afterEach(async () => {
    await host.shutdown()
    rmSync(dir, { recursive: true, force: true })
  })

  it('sets defaults and per-link overrides (one way or both), and reports them in the status', async () => {
    const [a, b] = fake.nodes.map((n) => n.id)
    const result = await host.setConditions({ defaults: link(50, 20), links: [{ from: a!, to: b!, conditions: link(600), both: true }] })
    expect(result.ok).toBe(true)
    expect(fake.conditions.defaults).toEqual(link(50, 20))
    expect(fake.conditions.links).toEqual([
      { from: a, to: b, conditions: link(600) },
      { from: b, to: a, conditions: link(600) },
    ])
    const cleared = await host.setConditions({ links: [{ from: a!, to: b!, conditions: null }] })
    expect(cleared.ok && cleared.value.links).toEqual([{ from: b, to: a, conditions: link(600) }])
    expect((await host.getStatus()).conditions).toEqual(fake.conditions)
  })

  it('partitions named nodes from the rest and heals one or all', async () => {
    const ids = fake.nodes.map((n) => n.id)
    const p1 = await host.partition({ side: [ids[2]!, ids[3]!] })
    expect(p1).toEqual({ ok: true, value: { name: 'p1', side: [ids[2], ids[3]], other: null, direction: 'both' } })
    const p2 = await host.partition({ side: [ids[4]!], other: [ids[0]!], direction: 'outbound', name: 'oneway' })
    expect(p2.ok).toBe(true)
    expect(fake.conditions.partitions.map((p) => p.name)).toEqual(['p1', 'oneway'])
    expect(await host.partition({ side: [ids[0]!], name: 'p1' })).toMatchObject({ ok: false, error: 'partition: p1 is already in force (heal it first)' })
    expect(await host.heal({ name: 'nope' })).toMatchObject({ ok: false, error: 'heal: no partition named nope is in force' })
    const one = await host.heal({ name: 'p1' })
    expect(one.ok && one.value.partitions.map((p) => p.name)).toEqual(['oneway'])
    const all = await host.heal({})
    expect(all.ok && all.value.partitions).toEqual([])
  })

  it('refuses invalid conditions with a message and changes nothing', async () => {
    const [a] = fake.nodes.map((n) => n.id)
    const before = fake.conditions
    const refusals: [string, unknown[], RegExp][] = [
      ['setConditions', [{ defaults: link(-5) }], /delayMs must be in 0..60000/],
      ['setConditions', [{ defaults: link(1, 0, 1.01) }], /loss must be in 0..1/],
      ['setConditions', [{ defaults: { delayMs: 1 } }], /jitterMs must be a number/],
      ['setConditions', [{ links: [{ from: a, to: a, conditions: link(1) }] }], /two different nodes/],
      ['setConditions', [{ links: [{ from: a, to: 'x', conditions: link(1) }] }], /node id/],
      ['setConditions', [{ links: [{ from: a, to: '127.9.9.9:1', conditions: link(1) }] }], /setConditions: no node 127.9.9.9:1 in this session/],
      ['setConditions', [{ links: [{ from: '127.9.9.9:1', to: a, conditions: link(1) }] }], /setConditions: no node 127.9.9.9:1 in this session/],
      ['partition', [{ side: [] }], /side/],
      ['partition', [{ side: ['127.9.9.9:1'] }], /no node 127.9.9.9:1 in this session/],
      ['partition', [{ side: [a], other: [a] }], /both sides/],
      ['partition', [{ side: [a], direction: 'sideways' }], /direction/],
      ['heal', ['p1'], /heal/],
    ]
    for (const [method, args, message] of refusals) {
      const result = (await host.call(method, args)) as { ok: boolean; error?: string }
      expect(result.ok, `${method} ${JSON.stringify(args)}`).toBe(false)
      expect(result.error).toMatch(message)
    }
    expect(fake.conditions).toBe(before)
    expect(fake.calls.filter((c) => c === 'setConditions')).toEqual([])
  })
})
