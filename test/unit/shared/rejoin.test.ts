import { describe, expect, it } from 'vitest'
import type { NodeId } from '../../../shared/address'
import type { EventOf, SessionEvent } from '../../../shared/events'
import { componentCount, createScenario, networkOf, overlay, type Scenario } from '../../../shared/sim/scenario'
import { decodeLine } from '../../../shared/protocol/wire'
import { expectValidEvents, sha256 } from './helpers'

/**
 * Nodes that come back: a peer paused (SIGSTOP) for a while, or restarted at the same
 * address as a new process, must get back into the overlay by itself, receive every
 * message created after it relinked exactly once, and stay listed once by the seeds.
 */

const LIVENESS_MS = 13_000
const GOSSIP_MS = 5_000

function ofType<T extends SessionEvent['type']>(events: readonly SessionEvent[], type: T): Array<EventOf<T> & { seq: number }> {
  return events.filter((e) => e.type === type) as Array<EventOf<T> & { seq: number }>
}

/** 3 seeds + 8 peers that keep gossiping long enough for messages to be created after any rejoin. */
function network(rngSeed = 1): Scenario {
  const s = createScenario({ seeds: 3, peers: 8, sha256, rngSeed, settings: { gossipCount: 200 } })
  s.sim.runFor(3 * GOSSIP_MS)
  return s
}

/** The peer with most links: its absence hurts the overlay most. */
function busiest(s: Scenario): NodeId {
  const net = networkOf(s.sim)
  return [...net.nodes.values()].filter((n) => n.role === 'peer').sort((a, b) => b.neighbours.size - a.neighbours.size || (a.id < b.id ? -1 : 1))[0]!.id
}

/** First link-up involving `peer` at or after `t` (ms since epoch), or null. */
function relinkedAt(s: Scenario, peer: NodeId, t: number): number | null {
  const up = ofType(s.sim.events, 'peer.link-up').find((e) => e.t >= t && (e.node === peer || e.peer === peer))
  return up ? up.t : null
}

/** The entries a seed hands out now, as a client asking for its list sees them. */
function listedBy(s: Scenario, seed: NodeId): string[] {
  const [ip, port] = seed.split(':')
  const client = s.sim.connectClient({ ip: ip!, port: Number(port) }, { ip: '127.9.9.9', port: 40_999 })
  s.sim.runFor(5)
  client.send('Peer List Request:127.9.9.9:40999')
  s.sim.runFor(5)
  client.close()
  const entries: string[] = []
  for (const line of client.received) {
    const m = decodeLine(line)
    if (m.ok && m.message.kind === 'peer-list') for (const e of m.message.entries) entries.push(`${e.ip}:${e.port}`)
  }
  return entries
}

/**
 * After `back` (the resume or restart time): the peer relinks, every message created after
 * it relinked (by any other peer) reaches it exactly once, the overlay is one component,
 * and every seed lists it at most once, a majority of them exactly once.
 */
function expectRejoined(s: Scenario, peer: NodeId, back: number, withinMs: number): void {
  // A short pause may cost no link at all: then it is back as soon as it resumed.
  const kept = networkOf(s.sim).nodes.get(peer)!.neighbours.size > 0
  const relinked = relinkedAt(s, peer, back) ?? (kept ? back : null)
  expect(relinked, `${peer} relinked`).not.toBeNull()
  expect(relinked! - back).toBeLessThanOrEqual(withinMs)
  // Let the gossip created after the relink spread (and be created: peers gossip on).
  s.sim.runFor(4 * GOSSIP_MS)
  const events = s.sim.events
  const lastCreate = s.sim.now - 2 * GOSSIP_MS
  const after = ofType(events, 'gossip.created').filter((e) => e.t > relinked! && e.t <= lastCreate && e.node !== peer)
  expect(after.length).toBeGreaterThan(0)
  const received = ofType(events, 'gossip.received').filter((e) => e.node === peer)
  for (const message of after) {
    expect(received.filter((e) => e.id === message.id), `message ${message.text} at ${peer}`).toHaveLength(1)
  }
  // Its own messages created after relinking reach every other running peer too.
  const own = ofType(events, 'gossip.created').filter((e) => e.t > relinked! && e.t <= lastCreate && e.node === peer)
  for (const message of own) {
    const receivers = ofType(events, 'gossip.received').filter((e) => e.id === message.id).map((e) => e.node)
    expect(new Set(receivers).size).toBe(receivers.length)
    expect(receivers.length).toBe(s.sim.nodeIds('peer').filter((p) => p !== peer && s.sim.isAlive(p)).length)
  }
  expect(componentCount(overlay(s.sim))).toBe(1)
  const counts = s.sim.nodeIds('seed').map((seed) => listedBy(s, seed).filter((id) => id === peer).length)
  for (const c of counts) expect(c).toBeLessThanOrEqual(1)
  expect(counts.filter((c) => c === 1).length).toBeGreaterThanOrEqual(2)
  expectValidEvents(s.sim)
}

describe('rejoin after a pause (SIGSTOP ... SIGCONT)', () => {
  for (const intervals of [2, 5, 20]) {
    it(`a peer paused for ${intervals} liveness intervals rejoins and gets every later message once`, () => {
      const s = network()
      const victim = busiest(s)
      s.sim.pause(victim)
      s.sim.runFor(intervals * LIVENESS_MS)
      const back = s.sim.now
      s.sim.resume(victim)
      s.sim.runFor(8 * LIVENESS_MS)
      expectRejoined(s, victim, back, 8 * LIVENESS_MS)
      const net = networkOf(s.sim)
      const pause = net.failures.find((f) => f.node === victim)!
      expect(pause.kind).toBe('pause')
      expect(pause.endAt).toBe(back)
      // Long enough to be detected: reported by its neighbours; past the seeds' probe
      // timeout as well, removed by them (a shorter pause answers the queued probe and stays).
      if (intervals >= 5) expect(pause.reportedAt).not.toBeNull()
      if (intervals >= 20) expect(pause.removals.size).toBeGreaterThan(0)
      if (process.env.REJOIN_DEBUG) {
        console.log(intervals, 'relinked after', ((relinkedAt(s, victim, back) ?? back) - back) / LIVENESS_MS, 'intervals; false reports', net.falseReports)
      }
      // Reports about the paused peer are detections, never false reports.
      expect(net.falseReports.filter((r) => r.node === victim)).toEqual([])
    })
  }

  it('a peer paused while its own message is in flight rejoins and its later messages reach everyone', () => {
    const s = network(3)
    const victim = busiest(s)
    // Pause right after it created a message, before its forwards are all delivered.
    const created = s.sim.runUntilTrue(
      () => ofType(s.sim.events.slice(-20), 'gossip.created').some((e) => e.node === victim && e.t === s.sim.now),
      10 * GOSSIP_MS,
    )
    expect(created).toBe(true)
    s.sim.pause(victim)
    s.sim.runFor(6 * LIVENESS_MS)
    const back = s.sim.now
    s.sim.resume(victim)
    s.sim.runFor(8 * LIVENESS_MS)
    expectRejoined(s, victim, back, 8 * LIVENESS_MS)
  })

  it('the paused peer\'s lines wait in its buffers and are read, in order, when it resumes', () => {
    const s = network(5)
    const victim = busiest(s)
    s.sim.pause(victim)
    const from = s.sim.events.length
    s.sim.runFor(LIVENESS_MS / 2)
    expect(s.sim.events.slice(from).filter((e) => e.node === victim)).toEqual([])
    s.sim.resume(victim)
    s.sim.runFor(1)
    const mine = s.sim.events.slice(from).filter((e) => e.node === victim && e.type !== 'node.paused' && e.type !== 'node.resumed')
    // Gossip sent to it during the pause is received on resume.
    expect(mine.some((e) => e.type === 'gossip.received' || e.type === 'gossip.duplicate')).toBe(true)
  })
})

describe('rejoin after a restart at the same address', () => {
  it('restarted during its detection window (before any report): a new incarnation replaces the old links', () => {
    const s = network(2)
    const victim = busiest(s)
    s.sim.kill(victim)
    s.sim.runFor(LIVENESS_MS)
    const back = s.sim.now
    s.restartPeer(victim)
    s.sim.runFor(6 * LIVENESS_MS)
    expectRejoined(s, victim, back, 2 * LIVENESS_MS)
    const net = networkOf(s.sim)
    const failure = net.failures.find((f) => f.node === victim)!
    expect(failure.kind).toBe('kill')
    expect(failure.endAt).toBe(back)
    expect(failure.rejoinedAt).not.toBeNull()
    expect(net.nodes.get(victim)!.restarts).toBe(1)
    expect(net.falseReports.filter((r) => r.node === victim)).toEqual([])
  })

  it('restarted after its detection window (removed by the seeds): it registers again and rejoins', () => {
    const s = network(4)
    const victim = busiest(s)
    s.sim.kill(victim)
    s.sim.runFor(6 * LIVENESS_MS)
    const removedBy = ofType(s.sim.events, 'seed.peer-removed').filter((e) => e.peer === victim).map((e) => e.node)
    expect(removedBy.length).toBeGreaterThan(0)
    const back = s.sim.now
    s.restartPeer(victim)
    s.sim.runFor(4 * LIVENESS_MS)
    expectRejoined(s, victim, back, 2 * LIVENESS_MS)
    expect(networkOf(s.sim).falseReports).toEqual([])
  })

  it('restarted at once (Restart on a running peer): stale reports about the old process are not false reports', () => {
    const s = network(6)
    const victim = busiest(s)
    const back = s.sim.now
    s.restartPeer(victim)
    s.sim.runFor(6 * LIVENESS_MS)
    expectRejoined(s, victim, back, 2 * LIVENESS_MS)
    const net = networkOf(s.sim)
    expect(net.falseReports).toEqual([])
    // The seeds hold the new incarnation.
    const registered = ofType(s.sim.events, 'seed.registered').filter((e) => e.peer === victim && e.t >= back)
    expect(registered.length).toBeGreaterThanOrEqual(2)
    for (const e of registered) expect(e.incarnation).toBe(back)
  })
})

describe('field case turn2/pause-isolation.sh on the simulator', () => {
  it('3 seeds + 3 peers at time scale 0.05, peer 3 frozen for 6 s: it links again at once and reports nobody', () => {
    // As the script: peers 0.6 s apart, peer 3 stopped 5 s after the last start, for 6 s (~9 liveness intervals).
    const s = createScenario({ seeds: 3, peers: 3, sha256, rngSeed: 31, joinSpacingMs: 600, settings: { timeScale: 0.05, gossipCount: 200 } })
    const livenessMs = 13_000 * 0.05
    s.sim.runFor(5_000)
    const victim = s.sim.nodeIds('peer')[2]!
    expect(networkOf(s.sim).nodes.get(victim)!.neighbours.size).toBeGreaterThan(0)
    s.sim.pause(victim)
    s.sim.runFor(6_000)
    // What the field run saw while it was frozen: its neighbours reported it, the seeds removed it.
    expect(ofType(s.sim.events, 'peer.dead-reported').some((e) => e.peer === victim)).toBe(true)
    expect(ofType(s.sim.events, 'seed.peer-removed').some((e) => e.peer === victim)).toBe(true)
    const back = s.sim.now
    s.sim.resume(victim)
    s.sim.runFor(15_000)
    // The right answer: a link-up right after waking (the field run had none until it stopped), no
    // Dead Node report about its live neighbours, registered again, and later gossip received once.
    const up = ofType(s.sim.events, 'peer.link-up').filter((e) => e.t >= back && (e.node === victim || e.peer === victim))
    expect(up.length).toBeGreaterThan(0)
    expect(up[0]!.t - back).toBeLessThanOrEqual(2 * livenessMs)
    expect(ofType(s.sim.events, 'peer.dead-reported').filter((e) => e.node === victim)).toEqual([])
    expect(ofType(s.sim.events, 'peer.registered').filter((e) => e.node === victim && e.t >= back).length).toBeGreaterThanOrEqual(2)
    const relinked = up[0]!.t
    const later = ofType(s.sim.events, 'gossip.created').filter((e) => e.node !== victim && e.t > relinked && e.t < s.sim.now - 1_000)
    expect(later.length).toBeGreaterThan(10)
    const got = ofType(s.sim.events, 'gossip.received').filter((e) => e.node === victim)
    for (const m of later) expect(got.filter((e) => e.id === m.id)).toHaveLength(1)
    expect(componentCount(overlay(s.sim))).toBe(1)
  })
})
