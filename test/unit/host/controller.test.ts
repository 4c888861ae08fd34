import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { API_METHODS, type EventBatch, type HostStatus } from '../../../shared/ipc'
import { DEFAULT_SETTINGS } from '../../../shared/settings'
import { HostController } from '../../../electron/host/controller'
import { FakeSupervisor } from './fake-supervisor'

const settings = { ...DEFAULT_SETTINGS, timeScale: 0.05 }

describe('HostController', () => {
  let dir: string
  let fake: FakeSupervisor
  let host: HostController
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gs-controller-'))
    host = new HostController(
      { sessionsDir: dir, exportsDir: join(dir, '_exports'), intake: { flushMs: 1, maxBatch: 100, memoryLimit: 1000 }, statusDelayMs: 1 },
      (hooks) => (fake = new FakeSupervisor(dir, hooks)),
    )
  })
  afterEach(async () => {
    await host.shutdown()
    rmSync(dir, { recursive: true, force: true })
  })

  it('implements every API method', () => {
    for (const method of API_METHODS) expect(typeof host[method]).toBe('function')
  })

  it('refuses invalid requests with a clear message and touches nothing', async () => {
    const refusals: [string, unknown[]][] = [
      ['addPeers', [-1]],
      ['addPeers', [0]],
      ['addPeers', [1.5]],
      ['addPeers', ['3']],
      ['addPeers', []],
      ['addPeers', [1, 2]],
      ['killNode', ['not-a-node']],
      ['killNode', [42]],
      ['stopNode', ['127.0.0.1']],
      ['pauseNode', ['127.0.0.1']],
      ['pauseNode', []],
      ['resumeNode', [{ id: '127.0.0.1:1' }]],
      ['restartNode', ['127.0.0.1:1:2']],
      ['restartNode', [null]],
      ['startNetwork', [{ seeds: 1, peers: 3, settings }]],
      ['startNetwork', [{ seeds: 3, peers: -2, settings }]],
      ['startNetwork', [{ seeds: 3, peers: 3, settings: { ...settings, timeScale: -1 } }]],
      ['setSettings', [{ ...settings, topology: 'ring' }]],
      ['exportSession', [{ format: 'rar' }]],
      ['loadSession', ['../etc']],
      ['nodeLog', ['../../etc/passwd']],
      ['nodeLog', ['127.0.0.1:1/../x']],
      ['nodeLog', []],
      ['addSeed', [true]],
    ]
    for (const [method, args] of refusals) {
      const result = (await host.call(method, args)) as { ok: boolean; error?: string }
      expect(result.ok, `${method} ${JSON.stringify(args)}`).toBe(false)
      expect(result.error).toMatch(new RegExp(`^${method}: `))
    }
    expect(fake.calls).toEqual([])
    expect(host.status().settings).toEqual(DEFAULT_SETTINGS)
  })

  it('answers a Result method called with non-array arguments with {ok:false}', async () => {
    expect(await host.call('addPeers', { count: 3 })).toEqual({ ok: false, error: 'addPeers: arguments must be an array' })
    expect(fake.calls).toEqual([])
  })

  it('rejects unknown methods and bad arguments of non-Result methods', async () => {
    await expect(host.call('constructor', [])).rejects.toThrow(/unknown method/)
    await expect(host.call('__proto__', [])).rejects.toThrow(/unknown method/)
    await expect(host.call(7, [])).rejects.toThrow(/unknown method/)
    await expect(host.call('getStatus', [1])).rejects.toThrow(/getStatus/)
    await expect(host.call('ready', [-1])).rejects.toThrow(/ready/)
    await expect(host.call('listSessions', 'x')).rejects.toThrow(/arguments must be an array/)
  })

  it('refuses more nodes than the host runs before stopping anything', async () => {
    const result = await host.startNetwork({ seeds: 4, peers: 7, settings })
    expect(result).toEqual({ ok: false, error: '11 nodes requested; this host runs at most 10' })
    expect(fake.calls).toEqual([])
  })

  it('starts a network, streams stamped events to ready subscribers, and records them', async () => {
    vi.useFakeTimers()
    const batches: EventBatch[] = []
    const statuses: HostStatus[] = []
    host.onEvents((b) => batches.push(b))
    host.onStatus((s) => statuses.push(s))
    const started = await host.startNetwork({ seeds: 2, peers: 3, settings })
    expect(started.ok).toBe(true)
    expect(fake.calls).toEqual(['stopAll', 'beginSession', 'add 2 seed', 'add 3 peer'])
    await host.ready(0)
    vi.advanceTimersByTime(10)
    vi.useRealTimers()
    const seqs = batches.flatMap((b) => b.events.map((e) => e.seq))
    expect(seqs).toEqual([1, 2, 3, 4, 5])
    expect(statuses.at(-1)?.sessionId).toBe('session-1')
    const file = readFileSync(join(fake.session!.dir, 'events.ndjson'), 'utf8').trim().split('\n')
    expect(file).toHaveLength(5)
  })

  it('passes supervisor refusals through: unknown ids, a second kill, too many peers', async () => {
    await host.startNetwork({ seeds: 2, peers: 0, settings })
    expect(await host.killNode('127.0.0.9:1')).toEqual({ ok: false, error: 'no node 127.0.0.9:1 in this session' })
    expect(await host.killNode('127.0.0.1:20001')).toEqual({ ok: true, value: undefined })
    expect(await host.killNode('127.0.0.1:20001')).toEqual({ ok: false, error: 'node 127.0.0.1:20001 is already killed' })
    const tooMany = await host.addPeers(10)
    expect(tooMany.ok).toBe(false)
    expect(host.status().nodes).toHaveLength(2)
  })

  it('pauses, resumes and restarts one node through the supervisor, restart in the session queue', async () => {
    await host.startNetwork({ seeds: 2, peers: 0, settings })
    const id = '127.0.0.1:20001'
    expect(await host.pauseNode(id)).toEqual({ ok: true, value: undefined })
    expect(await host.pauseNode(id)).toEqual({ ok: false, error: `node ${id} is not running` })
    expect(await host.resumeNode(id)).toEqual({ ok: true, value: undefined })
    expect(await host.resumeNode(id)).toEqual({ ok: false, error: `node ${id} is not paused` })
    expect(await host.pauseNode('127.0.0.9:1')).toEqual({ ok: false, error: 'no node 127.0.0.9:1 in this session' })
    const restarted = await host.restartNode(id)
    expect(restarted.ok && restarted.value.id).toBe(id)
    expect(fake.calls.filter((c) => c.endsWith(id))).toEqual([`pause ${id}`, `pause ${id}`, `resume ${id}`, `resume ${id}`, `restart ${id}`])
  })

  it('setSettings changes the settings for later nodes', async () => {
    const next = { ...settings, gossipCount: 3 }
    expect(await host.setSettings(next)).toEqual({ ok: true, value: next })
    expect(host.status().settings).toEqual(next)
  })

  it('stopNetwork without a network is refused', async () => {
    expect(await host.stopNetwork()).toEqual({ ok: false, error: 'no network is running' })
  })

  it('export is refused without a session, and without an exporter', async () => {
    expect(await host.exportSession({ format: 'zip' })).toEqual({ ok: false, error: 'no session to export yet' })
    await host.startNetwork({ seeds: 2, peers: 0, settings })
    expect(await host.exportSession({ format: 'zip' })).toEqual({ ok: false, error: 'export not available' })
  })

  it('runs concurrent exports one at a time and keeps only the newest few in the exports folder', async () => {
    let active = 0
    let peak = 0
    const exportsDir = join(dir, '_exports')
    mkdirSync(exportsDir, { recursive: true })
    const serial = new HostController(
      {
        sessionsDir: dir,
        exportsDir,
        intake: { flushMs: 1, maxBatch: 100, memoryLimit: 1000 },
        statusDelayMs: 1,
        exporter: async (_dir, _request, path) => {
          peak = Math.max(peak, ++active)
          await new Promise((r) => setTimeout(r, 20))
          writeFileSync(path, 'zip')
          active--
          return { path, bytes: 3, events: 0 } as never
        },
      },
      (hooks) => new FakeSupervisor(dir, hooks),
    )
    try {
      await serial.startNetwork({ seeds: 2, peers: 0, settings })
      const results = await Promise.all(Array.from({ length: 8 }, () => serial.exportSession({ format: 'zip' })))
      expect(results.every((r) => r.ok)).toBe(true)
      expect(peak).toBe(1)
      expect(readdirSync(exportsDir).length).toBeLessThanOrEqual(5)
    } finally {
      await serial.shutdown()
    }
  })

  it('lists sessions and loads one, reporting bad lines and returning the readable part', async () => {
    const sessionDir = join(dir, 'old')
    mkdirSync(sessionDir)
    writeFileSync(join(sessionDir, 'session.json'), JSON.stringify({ version: 1, id: 'old', startedAt: 5, settings, seeds: [] }))
    const good = (seq: number) => JSON.stringify({ v: 1, t: 1, node: '127.0.2.1:20003', type: 'host.spawned', role: 'peer', pid: 9, seq })
    writeFileSync(join(sessionDir, 'events.ndjson'), `${good(1)}\n{"v":1,\n${good(2)}\n${good(2)}\n{"v":1,"t":1,"node":"x:1","type":"nope","seq":4}\n`)
    const sessions = await host.listSessions()
    expect(sessions).toContainEqual({ id: 'old', startedAt: 5, events: 5, nodes: 3 })
    const loaded = await host.loadSession('old')
    if (!loaded.ok) throw new Error(loaded.error)
    expect(loaded.value.events.map((e) => e.seq)).toEqual([1, 2])
    expect(loaded.value.next).toBeNull()
    expect(loaded.warnings).toEqual([
      'events.ndjson:2: not JSON',
      'events.ndjson:4: seq 2 is not after 2',
      expect.stringMatching(/^events.ndjson:5: /),
    ])
    expect(await host.loadSession('missing')).toEqual({ ok: false, error: 'no session named missing' })
  })

  it('records a window\'s or browser\'s verbs as the user\'s actions (host.action), not the host\'s own calls', async () => {
    const batches: EventBatch[] = []
    const client = host.openClient({ events: (batch) => batches.push(batch), status: () => undefined })
    await client.ready(0)
    expect(await host.call('startNetwork', [{ seeds: 2, peers: 2, settings, rngSeed: 9 }], client)).toMatchObject({ ok: true })
    const [, , peer] = host.status().nodes.map((n) => n.id)
    expect(await host.call('killNode', [peer], client)).toEqual({ ok: true, value: undefined })
    expect(await host.call('killNode', ['127.9.9.9:1'], client)).toMatchObject({ ok: false })
    expect(await host.call('addPeers', [3], client)).toMatchObject({ ok: true })
    await host.addPeers(1) // the host's own call (a scenario backend, a test): not the user's
    await new Promise((r) => setTimeout(r, 20))
    const actions = batches.flatMap((b) => b.events).filter((e) => e.type === 'host.action')
    expect(actions.map((a) => a.type === 'host.action' && [a.by, a.action, a.node, a.count ?? null])).toEqual([
      ['user', 'start', '0.0.0.0:0', null],
      ['user', 'kill', peer, null],
      ['user', 'add-peers', '0.0.0.0:0', 3],
    ])
    expect(actions[0]).toMatchObject({ seeds: 2, peers: 2, rngSeed: 9, settings })
  })

  it('runs a scenario as a new session; a New network by the user ends it and is left running', async () => {
    const client = host.openClient({ events: () => undefined, status: () => undefined })
    await client.ready(0)
    const scenario = { name: 'long', network: { seeds: 2, peers: 2, settings, rngSeed: 3 }, durationMs: 1_000_000, steps: [{ at: 900_000, do: 'kill', node: 'peer1' }] }
    const started = (await host.call('runScenario', [scenario], client)) as { ok: boolean; value: HostStatus }
    expect(started.ok).toBe(true)
    expect(started.value.scenario).toEqual({ name: 'long', running: true, fired: 0, steps: 1 })
    expect(await host.call('runScenario', [scenario], client)).toEqual({ ok: false, error: 'scenario "long" is still running' })
    expect(await host.call('runScenario', [{ ...scenario, durationMs: -1 }], client)).toMatchObject({ ok: false, error: expect.stringMatching(/^runScenario: /) })
    const first = host.status().sessionId
    expect(await host.call('startNetwork', [{ seeds: 2, peers: 1, settings }], client)).toMatchObject({ ok: true })
    const second = host.status().sessionId
    expect(second).not.toBe(first)
    expect(host.status().scenario).toBeUndefined()
    // The scenario notices within its 100 ms watch and ends without touching the new network.
    await new Promise((r) => setTimeout(r, 400))
    expect(host.status()).toMatchObject({ sessionId: second, running: true })
    expect(host.status().scenario).toBeUndefined()
    expect(fake.calls.filter((c) => c === 'stopAll')).toHaveLength(2)
  })
})
