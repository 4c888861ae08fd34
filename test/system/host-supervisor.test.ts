import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../../shared/config'
import { parseEventLine, type SessionEvent } from '../../shared/events'
import type { HostController } from '../../electron/host/controller'
import { createHost } from '../../electron/host/host'
import { DEFAULT_SETTINGS } from '../../shared/settings'

/**
 * The host with the real built node programs (npx electron-vite build first): a session of
 * 2 seeds + 5 peers, events in seq order and recorded, kills, crashes, limits, and no
 * process left behind.
 */

const NODES = resolve(__dirname, '../../out/main')
const settings = { ...DEFAULT_SETTINGS, timeScale: 0.05, gossipCount: 3 }

describe('host supervisor with real nodes', () => {
  let dir: string
  let host: HostController
  const events: SessionEvent[] = []
  const waiters: { test: () => boolean; resolve: () => void }[] = []

  /** Resolves once `test` holds over the events received so far (checked on every batch). */
  const until = (what: string, test: () => boolean, timeoutMs = 30_000): Promise<void> =>
    new Promise((resolvePromise, reject) => {
      if (test()) return resolvePromise()
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs)
      waiters.push({ test, resolve: () => (clearTimeout(timer), resolvePromise()) })
    })
  const ofType = (type: string, node?: string) => events.filter((e) => e.type === type && (node === undefined || e.node === node))
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0)
      return true
    } catch {
      return false
    }
  }

  beforeAll(async () => {
    expect(existsSync(join(NODES, 'peer.js')), 'run npx electron-vite build first').toBe(true)
    dir = mkdtempSync(join(tmpdir(), 'gs-host-sys-'))
    host = createHost({
      sessionsDir: dir,
      nodesDir: NODES,
      supervisor: { maxNodes: 9, basePort: 21000 + Math.floor(Math.random() * 8000), stopTimeoutMs: 3000 },
    })
    host.onEvents((batch) => {
      events.push(...batch.events)
      for (const waiter of [...waiters]) {
        if (waiter.test()) {
          waiters.splice(waiters.indexOf(waiter), 1)
          waiter.resolve()
        }
      }
    })
    await host.ready(0)
  })

  afterAll(async () => {
    await host?.shutdown()
    rmSync(dir, { recursive: true, force: true })
  })

  it('starts 2 seeds + 5 peers, each on its own loopback address, and streams their events in seq order', async () => {
    const started = await host.startNetwork({ seeds: 2, peers: 5, settings })
    if (!started.ok) throw new Error(started.error)
    const nodes = started.value.nodes
    expect(nodes.filter((n) => n.role === 'seed').map((n) => n.ip)).toEqual(['127.0.1.1', '127.0.1.2'])
    expect(nodes.filter((n) => n.role === 'peer').map((n) => n.ip)).toEqual(['127.0.2.1', '127.0.2.2', '127.0.2.3', '127.0.2.4', '127.0.2.5'])
    expect(new Set(nodes.map((n) => n.port)).size).toBe(7)
    expect(nodes.every((n) => n.port < 32768)).toBe(true)
    await until('every node started', () => ofType('node.started').length === 7)
    await until('some gossip', () => ofType('gossip.received').length >= 5)
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1))
    // Everything streamed is on disk, line n holding seq n, each line a valid event.
    const session = started.value.sessionId!
    const lines = readFileSync(join(dir, session, 'events.ndjson'), 'utf8').trim().split('\n')
    expect(lines.length).toBeGreaterThanOrEqual(events.length)
    lines.slice(0, events.length).forEach((line, i) => {
      expect(parseEventLine(line).ok).toBe(true)
      expect((JSON.parse(line) as SessionEvent).seq).toBe(i + 1)
    })
    const meta = JSON.parse(readFileSync(join(dir, session, 'session.json'), 'utf8'))
    expect(meta).toMatchObject({ version: 1, id: session, settings, seeds: ['127.0.1.1', '127.0.1.2'].map((ip, i) => `${ip}:${nodes[i]!.port}`) })
    for (const node of nodes) {
      const logDir = join(dir, session, 'logs', `${node.ip}_${node.port}`)
      expect(existsSync(join(logDir, node.role === 'seed' ? 'seed_network.log' : 'peer_network.log'))).toBe(true)
    }
  })

  it('a late subscriber gets the whole session replayed, then live events', async () => {
    const late: number[] = []
    const client = (host as HostController).openClient({ events: (b) => late.push(...b.events.map((e) => e.seq)), status: () => undefined })
    await client.ready(0)
    expect(late.slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    const before = late.length
    await until('more events', () => events.length > before + 5)
    expect(late.length).toBeGreaterThan(before)
    expect(late).toEqual(late.map((_, i) => i + 1))
    client.close()
  })

  it('kills a peer with SIGKILL, reports host.exited, and refuses a second kill and unknown ids', async () => {
    const victim = (await host.getStatus()).nodes.find((n) => n.role === 'peer')!
    expect(await host.killNode(victim.id)).toEqual({ ok: true, value: undefined })
    await until('the kill to be noticed', () => ofType('host.exited', victim.id).length === 1)
    expect(ofType('host.kill', victim.id)).toMatchObject([{ signal: 'SIGKILL' }])
    expect(ofType('host.exited', victim.id)).toMatchObject([{ signal: 'SIGKILL', expected: true }])
    expect((await host.getStatus()).nodes.find((n) => n.id === victim.id)?.state).toBe('killed')
    expect(alive(victim.pid!)).toBe(false)
    const again = await host.killNode(victim.id)
    expect(again.ok).toBe(false)
    expect(await host.killNode('127.0.9.9:1234')).toEqual({ ok: false, error: 'no node 127.0.9.9:1234 in this session' })
  })

  it('notices a node that dies unasked (expected: false, state crashed)', async () => {
    const victim = (await host.getStatus()).nodes.find((n) => n.role === 'peer' && n.state === 'running')!
    process.kill(victim.pid!, 'SIGKILL')
    await until('the crash to be noticed', () => ofType('host.exited', victim.id).length === 1)
    expect(ofType('host.exited', victim.id)).toMatchObject([{ expected: false, signal: 'SIGKILL' }])
    expect((await host.getStatus()).nodes.find((n) => n.id === victim.id)?.state).toBe('crashed')
  })

  it('adds a seed at runtime (config.txt rewritten) and refuses nodes beyond the limit, changing nothing', async () => {
    const seed = await host.addSeed()
    if (!seed.ok) throw new Error(seed.error)
    expect(seed.value.ip).toBe('127.0.1.3')
    const status = await host.getStatus()
    const config = parseConfig(readFileSync(join(dir, status.sessionId!, 'config.txt'), 'utf8'))
    expect(config.ok && config.seeds.map((s) => `${s.ip}:${s.port}`)).toContain(seed.value.id)
    // 8 nodes spawned, 2 of them gone: 6 alive of at most 9.
    const refused = await host.addPeers(4)
    expect(refused).toEqual({ ok: false, error: 'cannot start 4 more peers: 6 of at most 9 nodes are running' })
    expect((await host.getStatus()).nodes).toHaveLength(8)
    const added = await host.addPeers(1)
    expect(added.ok).toBe(true)
  })

  it('stops a node cleanly (node.stopping, exit 0) and leaves no process behind on shutdown', async () => {
    const status = await host.getStatus()
    const peer = status.nodes.find((n) => n.role === 'peer' && n.state === 'running')!
    expect(await host.stopNode(peer.id)).toEqual({ ok: true, value: undefined })
    await until('the clean stop', () => ofType('host.exited', peer.id).length === 1)
    expect(ofType('node.stopping', peer.id)).toHaveLength(1)
    expect(ofType('host.exited', peer.id)).toMatchObject([{ code: 0, expected: true }])
    const pids = ofType('host.spawned').map((e) => (e as { pid: number }).pid)
    expect(pids).toHaveLength(9)
    await host.shutdown()
    expect(pids.filter(alive)).toEqual([])
    expect(host.supervisor.livePids()).toEqual([])
  })
})
