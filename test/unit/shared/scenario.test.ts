import { describe, expect, it } from 'vitest'
import type { EventOf, SessionEvent } from '../../../shared/events'
import { componentCount, createScenario, edgeCount, networkOf, overlay, runScenario } from '../../../shared/sim/scenario'
import { expectValidEvents, sha256 } from './helpers'

/** Events of one type, typed. */
function ofType<T extends SessionEvent['type']>(events: readonly SessionEvent[], type: T): Array<EventOf<T> & { seq: number }> {
  return events.filter((e) => e.type === type) as Array<EventOf<T> & { seq: number }>
}

const LIVENESS_MS = 13_000

/** 3 seeds + 20 peers at the assignment's timings, all joined after ~0.4 s. */
function twentyPeers(rngSeed = 1) {
  return runScenario({ seeds: 3, peers: 20, sha256, rngSeed, runMs: 2_000 })
}

describe('scenario: 3 seeds + 20 peers', () => {
  it('every peer registers with a majority of seeds and the overlay is connected', () => {
    const { sim, peers } = twentyPeers()
    const registered = ofType(sim.events, 'peer.registered')
    for (const peer of sim.nodeIds('peer')) {
      const seeds = registered.filter((e) => e.node === peer).map((e) => e.seed)
      expect(new Set(seeds).size).toBe(2)
    }
    const net = networkOf(sim)
    for (const peer of sim.nodeIds('peer')) {
      const holders = sim.nodeIds('seed').filter((s) => net.nodes.get(s)!.peerList.has(peer))
      expect(holders).toHaveLength(2)
    }
    const graph = overlay(sim)
    expect(graph.size).toBe(peers.length)
    expect(componentCount(graph)).toBe(1)
    // Each peer dialed at most maxLinks (2) of its links.
    const dialed = ofType(sim.events, 'peer.link-up').filter((e) => e.initiator)
    for (const peer of sim.nodeIds('peer')) expect(dialed.filter((e) => e.node === peer).length).toBeLessThanOrEqual(2)
    expectValidEvents(sim)
  })

  it('delivers every message to every other peer exactly once, within the flooding bound', () => {
    const { sim } = twentyPeers()
    sim.runFor(60_000)
    const created = ofType(sim.events, 'gossip.created')
    expect(created).toHaveLength(20 * 10)
    const received = ofType(sim.events, 'gossip.received')
    const forwarded = ofType(sim.events, 'gossip.forwarded')
    const graph = overlay(sim)
    const bound = 2 * edgeCount(graph) - (graph.size - 1)
    for (const message of created) {
      const receivers = received.filter((e) => e.id === message.id).map((e) => e.node)
      expect(receivers).toHaveLength(19)
      expect(new Set(receivers).size).toBe(19)
      expect(receivers).not.toContain(message.node)
      expect(forwarded.filter((e) => e.id === message.id).length).toBeLessThanOrEqual(bound)
    }
    // The text is exactly <ts>:<ip>:<n> with ts the creation time in ms.
    for (const message of created) {
      expect(message.text).toBe(`${message.t}:${message.node.split(':')[0]}:${/:(\d+)$/.exec(message.text)![1]}`)
    }
    expect(ofType(sim.events, 'frame.rejected')).toEqual([])
    expect(ofType(sim.events, 'peer.dead-reported')).toEqual([])
  })

  it('a killed peer is reported by its neighbours after exactly 3 missed rounds and removed by every seed', () => {
    const { sim } = twentyPeers()
    sim.runFor(58_000)
    const net = networkOf(sim)
    const victim = [...net.nodes.values()].filter((n) => n.role === 'peer').sort((a, b) => b.neighbours.size - a.neighbours.size)[0]!
    const neighbours = [...victim.neighbours]
    const killedAt = sim.now
    const from = sim.events.length
    sim.kill(victim.id)
    sim.runFor(5 * LIVENESS_MS)
    const after = sim.events.slice(from)
    for (const neighbour of neighbours) {
      const misses = ofType(after, 'liveness.missed').filter((e) => e.node === neighbour && e.peer === victim.id)
      expect(misses.map((e) => e.count)).toEqual([1, 2, 3])
      const reports = ofType(after, 'peer.dead-reported').filter((e) => e.node === neighbour)
      expect(reports.map((e) => e.peer)).toEqual([victim.id])
      expect(reports[0]!.t).toBe(misses[2]!.t)
      expect(reports[0]!.seeds).toHaveLength(3)
      expect(reports[0]!.t - killedAt).toBeLessThanOrEqual(4 * LIVENESS_MS)
      expect(reports[0]!.t - killedAt).toBeGreaterThan(2 * LIVENESS_MS)
    }
    const removals = ofType(after, 'seed.peer-removed')
    const holders = sim.nodeIds('seed').filter((s) => net.nodes.get(s)!.peerList.has(victim.id))
    expect(removals.map((e) => e.node).sort()).toEqual(holders.sort())
    expect(removals.every((e) => e.peer === victim.id && e.t - killedAt <= 4 * LIVENESS_MS)).toBe(true)
    const final = networkOf(sim)
    for (const seed of sim.nodeIds('seed')) expect(final.nodes.get(seed)!.peerList.has(victim.id)).toBe(false)
    // Nobody else was reported, and the rest of the overlay is still connected.
    expect(new Set(ofType(after, 'peer.dead-reported').map((e) => e.peer))).toEqual(new Set([victim.id]))
    expect(componentCount(overlay(sim))).toBe(1)
    expectValidEvents(sim)
  })

  it('rejects a forged Dead Node about a live peer: the seed probes it and keeps it', () => {
    const { sim, seeds } = twentyPeers()
    const net = networkOf(sim)
    const seedId = sim.nodeIds('seed')[0]!
    const target = [...net.nodes.get(seedId)!.peerList][0]!
    const liar = sim.connectClient(seeds[0]!, { ip: '127.0.0.66', port: 4444 })
    sim.runFor(10)
    liar.send(`Dead Node:${target}:${sim.now}:127.0.0.66`)
    sim.runFor(30_000)
    const rejected = ofType(sim.events, 'seed.report-rejected')
    expect(rejected).toEqual([
      expect.objectContaining({ node: seedId, peer: target, reporter: '127.0.0.66:4444', reason: expect.stringContaining('answered') }),
    ])
    expect(ofType(sim.events, 'seed.peer-removed')).toEqual([])
    expect(networkOf(sim).nodes.get(seedId)!.peerList.has(target)).toBe(true)
  })

  it('survives garbage on a seed and a peer, and both keep serving', () => {
    const { sim, seeds, peers, addPeer } = twentyPeers()
    const bad = sim.connectClient(seeds[1]!, { ip: '127.0.0.66', port: 4445 })
    const bad2 = sim.connectClient(peers[3]!, { ip: '127.0.0.66', port: 4446 })
    sim.runFor(10)
    for (const line of ['garbage', 'Dead Node:x', 'Peer List:1/1:,,,']) {
      bad.send(line)
      bad2.send(line)
    }
    bad.sendFrameError('line-too-long: line longer than 65536 bytes')
    sim.runFor(10)
    expect(bad.closed && bad2.closed).toBe(true)
    // Repeats of one cause from one IP within a second are counted, not each reported.
    expect(ofType(sim.events, 'frame.rejected').length).toBeGreaterThanOrEqual(4)
    const late = addPeer({ ip: '127.5.0.1', port: 7000 })
    sim.runFor(1_000)
    expect(ofType(sim.events, 'peer.registered').filter((e) => e.node === late)).toHaveLength(2)
    expect(componentCount(overlay(sim))).toBe(1)
    expectValidEvents(sim)
  })

  it('peers re-register with a seed that restarts, and report to it again', () => {
    const { sim, restartSeed } = twentyPeers()
    const seed = sim.nodeIds('seed')[0]!
    const members = [...networkOf(sim).nodes.get(seed)!.peerList].sort()
    expect(members.length).toBeGreaterThan(0)
    sim.kill(seed)
    sim.runFor(5_000)
    restartSeed(seed)
    sim.runFor(70_000) // reconnect delays double from 2 s while the seed is down
    const after = networkOf(sim)
    expect([...after.nodes.get(seed)!.peerList].sort()).toEqual(members)
    // The restarted seed takes part in removals again.
    const victim = members[0]!
    const from = sim.events.length
    sim.kill(victim)
    sim.runFor(5 * LIVENESS_MS)
    expect(ofType(sim.events.slice(from), 'seed.peer-removed').some((e) => e.node === seed && e.peer === victim)).toBe(true)
    expectValidEvents(sim)
  })

  it('is deterministic: the same rng seed gives the same transcript, another seed another', () => {
    const transcript = (rngSeed: number) => {
      const { sim } = twentyPeers(rngSeed)
      sim.runFor(20_000)
      return JSON.stringify(sim.events) + JSON.stringify(sim.logs)
    }
    const a = transcript(5)
    expect(transcript(5)).toBe(a)
    expect(transcript(6)).not.toBe(a)
  })
})

describe('scenario: topology at scale', () => {
  const grow = (topology: 'powerlaw' | 'random', peers: number, rngSeed = 3) => {
    const scenario = createScenario({
      seeds: 3,
      peers,
      sha256,
      rngSeed,
      settings: { gossipCount: 0, topology, maxLinks: 2 },
    })
    scenario.sim.runFor(1_000)
    return scenario
  }
  const degrees = (graph: Map<string, Set<string>>) => [...graph.values()].map((s) => s.size)

  it('powerlaw gives a heavy-tailed degree distribution (hubs), random does not', () => {
    const power = degrees(overlay(grow('powerlaw', 300).sim))
    const random = degrees(overlay(grow('random', 300).sim))
    const mean = power.reduce((a, b) => a + b, 0) / power.length
    const maxPower = Math.max(...power)
    const maxRandom = Math.max(...random)
    expect(power).toHaveLength(300)
    expect(maxPower).toBeGreaterThan(5 * mean)
    expect(maxPower).toBeGreaterThan(2 * maxRandom)
    // Most peers stay small: the median degree is at most the mean.
    const sorted = power.slice().sort((a, b) => a - b)
    expect(sorted[150]!).toBeLessThanOrEqual(mean)
  })

  it('reconnects a tree split by killing its biggest hub: the orphans link to replacements', () => {
    // maxLinks 1 grows a tree, so the kill really splits it (with 2 it rarely would).
    const { sim } = createScenario({ seeds: 3, peers: 120, sha256, rngSeed: 3, settings: { gossipCount: 0, maxLinks: 1 } })
    sim.runFor(1_000)
    const graph = overlay(sim)
    expect(componentCount(graph)).toBe(1)
    const hub = [...graph.entries()].sort((a, b) => b[1].size - a[1].size)[0]!
    const from = sim.events.length
    sim.kill(hub[0])
    // A tree, but for the first peer: it found nobody to dial at join and dialed one peer
    // later (under-linked peers ask again), which may close one cycle.
    expect(componentCount(overlay(sim))).toBeGreaterThanOrEqual(hub[1].size - 1)
    expect(componentCount(overlay(sim))).toBeGreaterThan(1)
    sim.runFor(6 * LIVENESS_MS)
    const after = overlay(sim)
    expect(after.has(hub[0])).toBe(false)
    expect(componentCount(after)).toBe(1)
    // Every former neighbour of the hub reported it and dialed a replacement.
    const events = sim.events.slice(from)
    const reported = new Set(ofType(events, 'peer.dead-reported').map((e) => e.node))
    expect(reported).toEqual(hub[1])
    const replaced = ofType(events, 'peer.link-up').filter((e) => e.initiator)
    for (const orphan of hub[1]) expect(replaced.some((e) => e.node === orphan)).toBe(true)
    expectValidEvents(sim)
  })

  it.each([1, 2, 3])('stays connected when ten peers, hubs included, die at once (rng %i)', (rngSeed) => {
    const { sim } = createScenario({ seeds: 3, peers: 100, sha256, rngSeed, settings: { gossipCount: 0, maxLinks: 1 } })
    sim.runFor(1_000)
    const ranked = [...overlay(sim).entries()].sort((a, b) => b[1].size - a[1].size).map(([id]) => id)
    const victims = [...ranked.slice(0, 3), ...ranked.slice(20, 90).filter((_, i) => i % 10 === 0)]
    for (const victim of victims) sim.kill(victim)
    expect(componentCount(overlay(sim))).toBeGreaterThan(1)
    sim.runFor(8 * LIVENESS_MS)
    const after = overlay(sim)
    expect(after.size).toBe(90)
    expect(componentCount(after)).toBe(1)
  })
})
