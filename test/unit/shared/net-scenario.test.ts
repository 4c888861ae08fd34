import { describe, expect, it } from 'vitest'
import type { EventOf, SessionEvent } from '../../../shared/events'
import { type NetConditions, healed, withPartition } from '../../../shared/net/conditions'
import { DROP_REPORT_MS } from '../../../shared/net/drop-tally'
import { componentCount, createScenario, edgeCount, networkOf, overlay } from '../../../shared/sim/scenario'
import { scaledIntervals } from '../../../shared/settings'
import { expectValidEvents, sha256 } from './helpers'

/** Scenario tests of the conditions model on the simulator: delay, loss, partitions, heal. */

function ofType<T extends SessionEvent['type']>(events: readonly SessionEvent[], type: T): Array<EventOf<T> & { seq: number }> {
  return events.filter((e) => e.type === type) as Array<EventOf<T> & { seq: number }>
}

const link = (delayMs: number, jitterMs = 0, loss = 0) => ({ delayMs, jitterMs, loss })
const only = (defaults: ReturnType<typeof link>): NetConditions => ({ defaults, links: [], partitions: [] })

/** 20x faster than the assignment: gossip every 250 ms, liveness every 650 ms. */
const FAST = { timeScale: 0.05 }

/** Hop distances from `origin` in an undirected graph (BFS). */
function hops(graph: Map<string, Set<string>>, origin: string): Map<string, number> {
  const dist = new Map([[origin, 0]])
  const queue = [origin]
  while (queue.length > 0) {
    const at = queue.shift()!
    for (const next of graph.get(at) ?? []) {
      if (!dist.has(next)) {
        dist.set(next, dist.get(at)! + 1)
        queue.push(next)
      }
    }
  }
  return dist
}

describe('scenario: network conditions', () => {
  it('with delay d and no jitter, every first receipt happens at hops x d after creation', () => {
    const d = 40
    // Under-linked peers ask the seeds again 2, 4, 8... s after linking (peer-links relist),
    // so the overlay settles within seconds: 40 messages per peer (10 s) leave enough after it.
    const { sim } = createScenario({ seeds: 3, peers: 15, sha256, rngSeed: 3, conditions: only(link(d)), settings: { ...FAST, gossipCount: 40, livenessIntervalMs: 600_000 } })
    sim.runFor(12_000)
    const graph = overlay(sim)
    // Hops are measured on the final overlay: only messages created after its last link-up
    // (under-linked peers add links after joining).
    const settled = Math.max(...ofType(sim.events, 'peer.link-up').map((e) => e.t))
    const created = ofType(sim.events, 'gossip.created').filter((e) => e.t > settled)
    expect(created.length).toBeGreaterThan(20)
    const net = networkOf(sim)
    let checked = 0
    for (const c of created) {
      const message = net.messages.get(c.id)!
      const distance = hops(graph, c.node)
      expect(message.receipts).toHaveLength(14)
      for (const receipt of message.receipts) {
        expect(receipt.at - c.t).toBe(distance.get(receipt.node)! * d)
        checked++
      }
    }
    expect(checked).toBe(created.length * 14)
    expectValidEvents(sim)
  })

  it('with loss p the fraction of dropped sends converges to p, and net.dropped counts every drop', () => {
    const p = 0.1
    const { sim } = createScenario({ seeds: 3, peers: 12, sha256, rngSeed: 5, settings: { ...FAST, gossipCount: 200 } })
    sim.runFor(2_000)
    sim.setConditions(only(link(1, 0, p)))
    const before = { ...sim.lineStats }
    sim.runFor(30_000)
    const sent = sim.lineStats.sent - before.sent
    const lost = sim.lineStats.lost - before.lost
    expect(sent).toBeGreaterThan(10_000)
    // Binomial standard deviation at n = 10,000 is 0.003: 0.01 is more than 3 of them.
    expect(Math.abs(lost / sent - p)).toBeLessThan(0.01)
    sim.setConditions(only(link(1)))
    sim.runFor(1_000)
    const reported = ofType(sim.events, 'net.dropped').filter((e) => e.reason === 'loss').reduce((sum, e) => sum + e.count, 0)
    expect(reported).toBe(sim.lineStats.lost)
    // Aggregated: at most one event per link and reason per window, whatever the message rate.
    const dropEvents = ofType(sim.events, 'net.dropped')
    const perLink = new Map<string, number[]>()
    for (const e of dropEvents) perLink.set(`${e.node}>${e.to}`, [...(perLink.get(`${e.node}>${e.to}`) ?? []), e.t])
    for (const times of perLink.values()) {
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(DROP_REPORT_MS)
    }
    expect(dropEvents.length).toBeLessThan(sim.lineStats.lost)
    expect(networkOf(sim).net.droppedLoss).toBe(reported)
    expectValidEvents(sim)
  })

  it('jitter keeps every connection FIFO: a gossip line never overtakes an earlier one on the same link', () => {
    const { sim } = createScenario({ seeds: 3, peers: 10, sha256, rngSeed: 7, conditions: only(link(50, 45)), settings: { ...FAST, gossipCount: 20 } })
    sim.runFor(20_000)
    // Per (from, to), forward order equals receive-or-duplicate order.
    const sent = new Map<string, string[]>()
    const got = new Map<string, string[]>()
    for (const e of sim.events) {
      if (e.type === 'gossip.forwarded') sent.set(`${e.node}>${e.to}`, [...(sent.get(`${e.node}>${e.to}`) ?? []), e.id])
      if (e.type === 'gossip.received' || e.type === 'gossip.duplicate') got.set(`${e.from}>${e.node}`, [...(got.get(`${e.from}>${e.node}`) ?? []), e.id])
    }
    expect(got.size).toBeGreaterThan(10)
    for (const [key, ids] of got) expect(ids).toEqual(sent.get(key)!.slice(0, ids.length))
    // Receipt delays spread over the jitter range.
    const net = networkOf(sim)
    const firstHop = [...net.messages.values()].flatMap((m) => m.receipts.filter((r) => r.from === m.origin).map((r) => r.at - m.createdAt))
    expect(Math.min(...firstHop)).toBeLessThan(30)
    expect(Math.max(...firstHop)).toBeGreaterThan(70)
  })

  it('a partition of two halves: reports and removals across the cut; after healing new messages reach every live node', () => {
    const s = createScenario({ seeds: 3, peers: 12, sha256, rngSeed: 11, settings: { ...FAST, gossipCount: 400 } })
    const { sim } = s
    sim.runFor(3_000)
    const peers = sim.nodeIds('peer')
    const side = peers.slice(0, 6)
    const cutAt = sim.now
    sim.setConditions(withPartition(sim.conditions, { name: 'p1', side, other: null, direction: 'both' }))
    sim.runFor(8_000)
    const during = sim.events.filter((e) => e.t >= cutAt)
    // No gossip crosses the cut while it holds.
    for (const e of ofType(during, 'gossip.received')) expect(side.includes(e.node)).toBe(side.includes(e.from))
    // Links across the cut were reported dead; seeds (on the other side) removed the side's reported peers.
    const reports = ofType(during, 'peer.dead-reported')
    expect(reports.length).toBeGreaterThan(0)
    for (const r of reports) expect(side.includes(r.node)).not.toBe(side.includes(r.peer))
    const removals = ofType(during, 'seed.peer-removed')
    expect(removals.length).toBeGreaterThan(0)
    for (const r of removals) expect(side).toContain(r.peer)
    expect(networkOf(sim).net.partitions).toMatchObject([{ name: 'p1', at: cutAt, healedAt: null }])

    const healAt = sim.now
    sim.setConditions(healed(sim.conditions))
    sim.runFor(15_000)
    expect(networkOf(sim).net.partitions[0]!.healedAt).toBe(healAt)
    // Messages created well after the heal reach every other live peer.
    const late = ofType(sim.events, 'gossip.created').filter((e) => e.t > healAt + 8_000)
    expect(late.length).toBeGreaterThan(10)
    const net = networkOf(sim)
    for (const c of late) {
      const receivers = new Set(net.messages.get(c.id)!.receipts.map((r) => r.node))
      expect(receivers.size, `message ${c.text} reached ${receivers.size} of ${peers.length - 1}`).toBe(peers.length - 1)
    }
    expectValidEvents(sim)
  })

  it('a dial across a partition completes on heal, or fails at the connect timeout', () => {
    const { sim } = createScenario({ seeds: 2, peers: 0, sha256 })
    sim.setConditions(withPartition(sim.conditions, { name: 'cut', side: ['127.1.0.1:7000'], other: null, direction: 'outbound' }))
    const blocked = sim.connectClient({ ip: '127.0.0.1', port: 6000 }, { ip: '127.1.0.1', port: 7000 })
    sim.runFor(100)
    expect(blocked.connected).toBe(false)
    sim.setConditions(healed(sim.conditions))
    sim.runFor(10)
    expect(blocked.connected).toBe(true)
    sim.setConditions(withPartition(sim.conditions, { name: 'cut', side: ['127.1.0.2:7000'], other: null, direction: 'inbound' }))
    const late = sim.connectClient({ ip: '127.0.0.1', port: 6000 }, { ip: '127.1.0.2', port: 7000 })
    sim.runFor(3_001)
    expect(late.connected).toBe(false)
    expect(late.closed).toBe(true)
  })
})

describe('scenario: a wave of peers joining together', () => {
  it('every peer ends with maxLinks links of its own dialing, in one component, though most got short lists', () => {
    // 40 ms links, peers 30 ms apart: seeds list a registrant only once it answers their
    // probe, so each peer of the wave sees few of the ones just before it.
    for (const rngSeed of [1, 2, 3]) {
      const { sim, settings } = createScenario({ seeds: 3, peers: 30, sha256, rngSeed, joinSpacingMs: 30, conditions: only(link(40)), settings: { ...FAST, gossipCount: 0 } })
      const { livenessMs } = scaledIntervals(settings)
      sim.runFor(4 * livenessMs)
      const graph = overlay(sim)
      const dialed = ofType(sim.events, 'peer.link-up').filter((e) => e.initiator).length
      // The first peer has nobody to dial and the second one peer: 2 x 30 - 3 links dialed at least.
      expect(dialed, `rng seed ${rngSeed}`).toBeGreaterThanOrEqual(2 * 30 - 3)
      expect(edgeCount(graph), `rng seed ${rngSeed}`).toBeGreaterThanOrEqual(2 * 30 - 3)
      expect(componentCount(graph), `rng seed ${rngSeed}`).toBe(1)
    }
  })
})
