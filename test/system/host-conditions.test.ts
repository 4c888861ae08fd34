import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SessionEvent } from '../../shared/events'
import type { HostController } from '../../electron/host/controller'
import { createHost } from '../../electron/host/host'
import { foldEvents } from '../../shared/model/network'
import { DEFAULT_SETTINGS } from '../../shared/settings'

/**
 * Network conditions set at runtime through the host, on real nodes: a partition stops
 * gossip crossing the cut (each node applies it within one event-loop turn of the host's
 * IPC command), healing restores delivery to every live peer, and invalid conditions are
 * refused with a message and change nothing.
 */

const NODES = resolve(__dirname, '../../out/main')
// Gossip every 250 ms, liveness every 650 ms: a cut link is reported dead within ~2.6 s.
const settings = { ...DEFAULT_SETTINGS, timeScale: 0.05, gossipCount: 2000 }

describe('runtime conditions through the host', () => {
  let dir: string
  let host: HostController
  const events: SessionEvent[] = []
  const waiters: { test: () => boolean; resolve: () => void }[] = []
  const until = (what: string, test: () => boolean, timeoutMs = 30_000): Promise<void> =>
    new Promise((ok, fail) => {
      if (test()) return ok()
      const timer = setTimeout(() => fail(new Error(`timed out waiting for ${what}`)), timeoutMs)
      waiters.push({ test, resolve: () => (clearTimeout(timer), ok()) })
    })
  const ofType = <T extends SessionEvent['type']>(type: T) => events.filter((e) => e.type === type) as Array<Extract<SessionEvent, { type: T }>>

  beforeAll(async () => {
    expect(existsSync(join(NODES, 'peer.js')), 'run npx electron-vite build first').toBe(true)
    dir = mkdtempSync(join(tmpdir(), 'gs-host-net-'))
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

  it('a partition set at runtime stops gossip across the cut; healing restores it', async () => {
    const started = await host.startNetwork({ seeds: 2, peers: 6, settings })
    if (!started.ok) throw new Error(started.error)
    const peers = started.value.nodes.filter((n) => n.role === 'peer').map((n) => n.id)
    await until('every peer linked and gossiping', () => peers.every((p) => ofType('gossip.received').some((e) => e.node === p)))

    const side = peers.slice(0, 3)
    const cut = await host.partition({ side })
    expect(cut).toMatchObject({ ok: true, value: { name: 'p1', side, other: null, direction: 'both' } })
    // Every running node reports what it now applies.
    await until('every node to apply the partition', () => ofType('net.conditions').filter((e) => e.conditions.partitions.length === 1).length === 8, 10_000)
    // Judged by each sender's own order of events (no clock, no sleep): a line forwarded
    // after its sender applied the cut must not arrive across it; one forwarded before may.
    const appliedIndex = new Map<string, number>()
    events.forEach((e, i) => {
      if (e.type === 'net.conditions' && e.conditions.partitions.length === 1 && !appliedIndex.has(e.node)) appliedIndex.set(e.node, i)
    })
    /** The arrivals (receipts and duplicates) of lines their sender forwarded after it applied the cut (read incrementally). */
    const forwardedAt = new Map<string, number>()
    const arrivals: Array<{ node: string; from: string; id: string }> = []
    let read = 0
    const sentAfterCut = () => {
      for (; read < events.length; read++) {
        const e = events[read]!
        if (e.type === 'gossip.forwarded') forwardedAt.set(`${e.node}>${e.to} ${e.id}`, read)
        else if (e.type === 'gossip.received' || e.type === 'gossip.duplicate') arrivals.push(e)
      }
      return arrivals.filter((e) => (forwardedAt.get(`${e.from}>${e.node} ${e.id}`) ?? -1) > appliedIndex.get(e.from)!)
    }
    const across = (e: { node: string; from: string }) => side.includes(e.node) !== side.includes(e.from)
    // Gossip flows after the cut: twenty arrivals of lines sent after it, within a side (one
    // side may have had no link of its own until its peers repair the overlay; the time that
    // takes is the machine's, so the count is not asked of each side).
    const within = () => sentAfterCut().filter((e) => !across(e)).length
    await until('gossip after the cut', () => within() >= 20, 60_000)
    expect(sentAfterCut().filter(across)).toEqual([])
    expect(foldEvents(events).net.partitions).toMatchObject([{ name: 'p1', healedAt: null }])

    const healed = await host.heal({})
    expect(healed).toMatchObject({ ok: true, value: { partitions: [] } })
    await until('every node to apply the heal', () => ofType('net.conditions').filter((e) => e.conditions.partitions.length === 0).length === 8, 10_000)
    const healAt = Math.max(...ofType('net.conditions').map((e) => e.t))
    // Messages created after the heal reach every other live peer again, across the old cut too.
    await until(
      'a message created after the heal to reach every other peer',
      () => {
        const state = foldEvents(events)
        return [...state.messages.values()].some((m) => m.createdAt > healAt + 500 && new Set(m.receipts.map((r) => r.node)).size === peers.length - 1)
      },
      40_000,
    )
    expect(foldEvents(events).net.partitions[0]!.healedAt).not.toBeNull()
  })

  it('refuses invalid conditions with a message and changes nothing', async () => {
    const before = (await host.getStatus()).conditions
    const count = ofType('net.conditions').length
    const refusals: [string, unknown[]][] = [
      ['setConditions', [{ defaults: { delayMs: 10, jitterMs: 0, loss: 1.5 } }]],
      ['setConditions', [{ defaults: { delayMs: -1, jitterMs: 0, loss: 0 } }]],
      ['setConditions', [{ links: [{ from: 'x', to: 'y', conditions: null }] }]],
      ['partition', [{ side: ['127.0.0.1:1'] }]],
      ['heal', [{ name: 'nope' }]],
    ]
    for (const [method, args] of refusals) {
      const result = (await host.call(method, args)) as { ok: boolean; error: string }
      expect(result.ok, method).toBe(false)
      expect(result.error).toMatch(new RegExp(`^${method}: `))
    }
    expect((await host.getStatus()).conditions).toEqual(before)
    // Then a valid change: every node applies it, and it is the only change they applied (a
    // refused one sent to them would have come first, each node's events being in order).
    const running = (await host.getStatus()).nodes.filter((n) => n.state === 'running').length
    const valid = await host.setConditions({ defaults: { delayMs: 1, jitterMs: 0, loss: 0 } })
    expect(valid.ok).toBe(true)
    await until('every node to apply the valid change', () => ofType('net.conditions').filter((e) => e.conditions.defaults.delayMs === 1).length === running, 10_000)
    expect(ofType('net.conditions').slice(count).map((e) => e.conditions.defaults.delayMs)).toEqual(Array(running).fill(1))
  })
})
