import { describe, expect, it } from 'vitest'
import { type Address, formatAddress } from '../../../shared/address'
import type { EventOf, SessionEvent } from '../../../shared/events'
import type { Effect, Machine, MachineInput } from '../../../shared/protocol/machine'
import { MAX_PER_IP, ORPHAN_PROBE_FACTOR } from '../../../shared/protocol/seed-machine'
import { SIM_CONDITIONS } from '../../../shared/sim/network'
import { componentCount, networkOf, overlay, runScenario } from '../../../shared/sim/scenario'
import { expectValidEvents, sha256 } from './helpers'

/**
 * The attacks of docs/security.md on the simulator, each against 3 seeds + 20 honest peers:
 * the attack must fail and the honest peers keep joining and gossiping.
 */

function ofType<T extends SessionEvent['type']>(events: readonly SessionEvent[], type: T): Array<EventOf<T> & { seq: number }> {
  return events.filter((e) => e.type === type) as Array<EventOf<T> & { seq: number }>
}

const LIVENESS_MS = 13_000
const VERIFY_MS = 2 * LIVENESS_MS

function twentyPeers(rngSeed = 1) {
  return runScenario({ seeds: 3, peers: 20, sha256, rngSeed, runMs: 2_000 })
}

const listedBy = (sim: ReturnType<typeof twentyPeers>['sim'], peer: string) =>
  sim.nodeIds('seed').filter((s) => networkOf(sim).nodes.get(s)!.peerList.has(peer))

/**
 * A hostile listener: answers every Liveness Request and Hello (so it passes a seed's
 * probe and becomes a neighbour), registers with every seed claiming a huge degree, and
 * never forwards gossip.
 */
function sinkMachine(self: Address, seeds: readonly Address[]): Machine {
  let n = 0
  const seedConns = new Set<string>()
  return {
    handle(input: MachineInput): Effect[] {
      const out: Effect[] = []
      if (input.type === 'start') {
        for (const seed of seeds) {
          const conn = `o${++n}`
          seedConns.add(conn)
          out.push({ type: 'connect', conn, to: seed })
        }
      } else if (input.type === 'connected' && seedConns.has(input.conn)) {
        out.push({ type: 'send', conn: input.conn, line: `Register:${formatAddress(self)}` })
        out.push({ type: 'send', conn: input.conn, line: `Degree:${formatAddress(self)}:999999` })
      } else if (input.type === 'line') {
        const request = /^Liveness Request:(\d+):(.*)$/.exec(input.line)
        if (request) out.push({ type: 'send', conn: input.conn, line: `Liveness Reply:${request[1]}:${request[2]}:${self.ip}` })
        if (input.line.startsWith('Hello:')) out.push({ type: 'send', conn: input.conn, line: `Hello:${formatAddress(self)}` })
        if (input.line.startsWith('Registered:')) out.push({ type: 'send', conn: input.conn, line: `Degree:${formatAddress(self)}:999999` })
      }
      return out
    },
    nextWakeAt: () => null,
  }
}

describe('attacks on the simulator (3 seeds + 20 peers)', () => {
  it('registration hijack: another connection cannot take over a live entry, and a report alone evicts nobody', () => {
    const { sim, peers } = twentyPeers()
    const victim = formatAddress(peers[4]!)
    const holders = listedBy(sim, victim)
    const from = sim.events.length
    // At the seeds that list the victim (a seed that does not list it would dial the victim,
    // which answers, and list the victim's true address: no harm to anyone).
    for (const seed of holders) {
      const seedAddress = { ip: seed.split(':')[0]!, port: Number(seed.split(':')[1]) }
      // The attacker binds the victim's own IP (any loopback address can be bound).
      const hijack = sim.connectClient(seedAddress, { ip: peers[4]!.ip, port: 50_000 })
      sim.runFor(5)
      hijack.send(`Register:${victim}`)
      sim.runFor(5)
      expect(hijack.closed).toBe(true)
      const liar = sim.connectClient(seedAddress, { ip: '127.0.0.66', port: 50_001 })
      sim.runFor(5)
      liar.send(`Dead Node:${victim}:${sim.now}:127.0.0.66`)
    }
    sim.runFor(120_000)
    const after = sim.events.slice(from)
    expect(ofType(after, 'seed.peer-removed')).toEqual([])
    expect(ofType(after, 'seed.report-rejected').filter((e) => e.peer === victim).length).toBe(holders.length)
    expect(listedBy(sim, victim).sort()).toEqual(holders.sort())
    expectValidEvents(sim)
  })

  it('list poisoning: unreachable and foreign addresses are never listed; degrees are clamped; owners gone are unlisted', () => {
    const { sim, seeds, addPeer, settings } = twentyPeers()
    const seed0 = seeds[0]!
    // Ten registrations of addresses nobody listens on, each from its own IP, then closed.
    const bogus = Array.from({ length: 10 }, (_, i) => ({ ip: `127.66.0.${i + 1}`, port: 9000 }))
    for (const address of bogus) {
      const c = sim.connectClient(seed0, { ip: address.ip, port: 40_000 })
      sim.runFor(2)
      c.send(`Register:${formatAddress(address)}`)
    }
    const foreign = sim.connectClient(seed0, { ip: '127.66.1.1', port: 40_000 })
    sim.runFor(2)
    foreign.send('Register:10.9.9.9:7000')
    foreign.send(`Register:${formatAddress(seeds[1]!)}`)
    // Two listeners that answer, register and claim degree 999999.
    const sinks = [1, 2].map((i) => ({ ip: `127.77.0.${i}`, port: 9000 }))
    for (const address of sinks) {
      const id = sim.add(address, 'peer', sinkMachine(address, seeds))
      sim.start(id, seeds, settings)
    }
    sim.runFor(VERIFY_MS + 1_000)
    const listed = networkOf(sim).nodes.get(sim.nodeIds('seed')[0]!)!.peerList
    for (const address of bogus) expect(listed.has(formatAddress(address))).toBe(false)
    expect(listed.has('10.9.9.9:7000')).toBe(false)
    expect(listed.has(formatAddress(seeds[1]!))).toBe(false)
    // A newcomer sees the sinks with a degree no larger than the list allows.
    const newcomer = addPeer({ ip: '127.5.0.1', port: 7000 })
    sim.runFor(1_000)
    const lists = ofType(sim.events, 'peer.peer-list').filter((e) => e.node === newcomer)
    expect(lists.length).toBeGreaterThanOrEqual(2)
    const links = ofType(sim.events, 'peer.link-up').filter((e) => e.node === newcomer)
    expect(links.length).toBeGreaterThan(0)
    // The sinks leave (their process dies): every seed unlists them without any report.
    for (const address of sinks) sim.kill(formatAddress(address))
    sim.runFor(ORPHAN_PROBE_FACTOR * VERIFY_MS + VERIFY_MS)
    for (const address of sinks) expect(listedBy(sim, formatAddress(address))).toEqual([])
    expect(componentCount(overlay(sim))).toBe(1)
  })

  it('list overflow: one IP registers at most MAX_PER_IP addresses; honest peers still join', () => {
    const { sim, seeds, addPeer } = twentyPeers()
    const ip = '127.88.0.1'
    const clients = Array.from({ length: MAX_PER_IP + 20 }, (_, i) => sim.connectClient(seeds[0]!, { ip, port: 30_000 + i }))
    sim.runFor(2)
    clients.forEach((c, i) => c.send(`Register:${ip}:${10_000 + i}`))
    sim.runFor(VERIFY_MS + 100)
    // None listens, so none is listed; the ones over the cap were refused without a probe.
    expect(clients.filter((c) => c.closed)).toHaveLength(clients.length)
    const late = addPeer({ ip: '127.5.0.2', port: 7000 })
    sim.runFor(1_000)
    expect(ofType(sim.events, 'peer.registered').filter((e) => e.node === late)).toHaveLength(2)
  })

  it('peers that die together with all their neighbours are removed by every seed without any report', () => {
    const { sim } = twentyPeers()
    sim.runFor(30_000)
    const net = networkOf(sim)
    const victim = [...net.nodes.values()].filter((n) => n.role === 'peer').sort((a, b) => a.neighbours.size - b.neighbours.size)[0]!
    const dying = [victim.id, ...victim.neighbours]
    const from = sim.events.length
    for (const id of dying) sim.kill(id)
    sim.runFor(ORPHAN_PROBE_FACTOR * VERIFY_MS + VERIFY_MS)
    const after = sim.events.slice(from)
    const reported = new Set(ofType(after, 'peer.dead-reported').map((e) => e.peer))
    expect(reported.has(victim.id)).toBe(false) // all its neighbours died with it
    for (const id of dying) expect(listedBy(sim, id)).toEqual([])
    // The seed removed it itself, after its own probe failed.
    const selfRemoved = ofType(after, 'seed.peer-removed').filter((e) => e.peer === victim.id)
    expect(selfRemoved.length).toBeGreaterThan(0)
    expect(selfRemoved.every((e) => e.reporter === e.node)).toBe(true)
  })

  it('a peer a seed stopped listing finds out (its connection closes) and registers again', () => {
    const scenario = runScenario({ seeds: 3, peers: 20, sha256, rngSeed: 1, runMs: 2_000 })
    const { sim } = scenario
    sim.runFor(VERIFY_MS) // a report within VERIFY_MS of the registration probe is refused at once
    const victim = '127.1.0.5:7000'
    const holders = listedBy(sim, victim)
    const seedId = holders[0]!
    const liar = sim.connectClient({ ip: seedId.split(':')[0]!, port: Number(seedId.split(':')[1]) }, { ip: '127.0.0.66', port: 4444 })
    sim.runFor(5)
    // For a while, lines from the victim to that seed take longer than its verification timeout.
    const slow = { delayMs: VERIFY_MS + 1_000, jitterMs: 0, loss: 0 }
    sim.setConditions({ ...SIM_CONDITIONS, links: [{ from: victim, to: seedId, conditions: slow }] })
    liar.send(`Dead Node:${victim}:${sim.now}:127.0.0.66`)
    sim.runFor(2 * VERIFY_MS + 10) // two probes time out
    sim.setConditions(SIM_CONDITIONS)
    expect(ofType(sim.events, 'seed.peer-removed').filter((e) => e.peer === victim && e.node === seedId)).toHaveLength(1)
    sim.runFor(VERIFY_MS + 10_000)
    expect(listedBy(sim, victim)).toContain(seedId)
    const again = ofType(sim.events, 'seed.registered').filter((e) => e.peer === victim && e.node === seedId)
    expect(again.length).toBe(2)
  })

  it('a fake neighbour: implausible origins are refused and the link closed; plausible floods stop at the per-origin budget', () => {
    const { sim, peers } = twentyPeers()
    sim.runFor(3_000)
    const target = formatAddress(peers[2]!)
    const fake = sim.connectClient(peers[2]!, { ip: '127.99.0.1', port: 40_000 })
    sim.runFor(2)
    fake.send('Hello:127.99.0.1:9000')
    sim.runFor(2)
    for (let n = 1; n <= 1000; n++) fake.send(`${sim.now}:10.9.9.9:${n}`)
    sim.runFor(10)
    expect(fake.closed).toBe(true)
    const received = ofType(sim.events, 'gossip.received').filter((e) => e.text.includes(':10.9.9.9:'))
    expect(received).toEqual([])
    const refusals = ofType(sim.events, 'frame.rejected').filter((e) => e.node === target && e.from.startsWith('127.99.0.1'))
    expect(refusals).toHaveLength(1) // one per cause per second, with a count in the next
    // Plausible but invented: one origin IP gets at most 64 x gossipCount messages into any list.
    const fake2 = sim.connectClient(peers[2]!, { ip: '127.99.0.2', port: 40_000 })
    sim.runFor(2)
    fake2.send('Hello:127.99.0.2:9000')
    sim.runFor(2)
    for (let n = 1; n <= 2000; n++) fake2.send(`${sim.now}:127.99.9.9:${n}`)
    sim.runFor(1_000)
    const forged = ofType(sim.events, 'gossip.received').filter((e) => e.text.includes(':127.99.9.9:'))
    const perNode = new Map<string, number>()
    for (const e of forged) perNode.set(e.node, (perNode.get(e.node) ?? 0) + 1)
    expect(Math.max(...perNode.values())).toBeLessThanOrEqual(64 * 10)
    expect(fake2.closed).toBe(true)
    expectValidEvents(sim)
  })
})

