import { describe, expect, it } from 'vitest'
import type { Address, NodeId } from '../../../shared/address'
import type { EventOf, SessionEvent } from '../../../shared/events'
import type { Effect } from '../../../shared/protocol/machine'
import { createPeerMachine } from '../../../shared/protocol/peer-machine'
import { seededRandom } from '../../../shared/protocol/rng'
import { createSeedMachine } from '../../../shared/protocol/seed-machine'
import { createScenario, networkOf, peerAddress } from '../../../shared/sim/scenario'
import { Harness, closed, events, expectValidEvents, logs, sent, sha256 } from './helpers'

/**
 * Seeds added to config.txt while peers run (the `seeds` machine input): running peers
 * open report channels to the new seeds, so their Dead Node reports reach every seed.
 */

const SELF = { ip: '127.0.1.1', port: 7000 }
const SEEDS = [1, 2, 3].map((n) => ({ ip: `127.0.0.${n}`, port: 6000 }))
const NEW_SEED = { ip: '127.0.0.4', port: 6000 }
// The peer's incarnation is its start time: the harness clock at `start`.
const HELLO = 'Hello:127.0.1.1:7000:1800000000000'
const LIVENESS_MS = 260

function peer() {
  const machine = createPeerMachine(
    { self: SELF, seeds: SEEDS, random: seededRandom(7), sha256 },
    {
      intervals: { gossipMs: 100, livenessMs: LIVENESS_MS },
      gossipCount: 0,
      livenessMisses: 3,
      maxLinks: 1,
      topology: 'random',
    },
  )
  return new Harness(machine)
}

const seedConnects = (effects: Effect[]) =>
  effects.flatMap((e) => (e.type === 'connect' && e.to.port === 6000 ? [{ conn: e.conn, to: `${e.to.ip}:${e.to.port}` }] : []))

/** Lets the seeds the peer picked answer; `before` runs after the first seed connected. */
function join(h: Harness, list = '', before: () => void = () => {}) {
  const picked = seedConnects(h.feed({ type: 'start' }))
  const after: Effect[] = []
  picked.forEach(({ conn }, i) => {
    h.feed({ type: 'connected', conn })
    if (i === 0) before()
    h.feed({ type: 'line', conn, line: 'Registered:127.0.1.1:7000' })
    after.push(...h.feed({ type: 'line', conn, line: `Peer List:1/1:${list}` }))
  })
  return { picked, after }
}

/** A joined peer linked to 127.0.2.1:7000, with its report channel to the third seed open. */
function linked() {
  const h = peer()
  const { picked, after } = join(h, '127.0.2.1:7000@0')
  for (const { conn } of seedConnects(after)) h.feed({ type: 'connected', conn })
  const dial = after.find((e) => e.type === 'connect' && e.to.port === 7000)
  if (dial?.type !== 'connect') throw new Error('no neighbour dialed')
  h.feed({ type: 'connected', conn: dial.conn })
  h.feed({ type: 'line', conn: dial.conn, line: 'Hello:127.0.2.1:7000' })
  return { h, picked, link: dial.conn, linkedAt: h.now }
}

const seedsInput = (seeds: unknown) => ({ type: 'seeds', seeds }) as { type: 'seeds'; seeds: Address[] }

describe('peer machine: seeds added to the config', () => {
  it('opens one report channel (Hello) per new seed, and Dead Node reports reach it', () => {
    const { h, link, linkedAt } = linked()
    const effects = h.feed(seedsInput([...SEEDS, NEW_SEED, NEW_SEED, SELF]))
    expect(seedConnects(effects)).toEqual([{ conn: expect.any(String), to: '127.0.0.4:6000' }])
    expect(logs(effects)).toEqual(['Config lists new seeds 127.0.0.4:6000; opening report channels'])
    const channel = seedConnects(effects)[0]!.conn
    // The same list again (the config rewritten without a change) does nothing.
    expect(h.feed(seedsInput([...SEEDS, NEW_SEED]))).toEqual([])
    expect(sent(h.feed({ type: 'connected', conn: channel }))).toEqual([HELLO])

    const verdict = h.advanceTo(linkedAt + 4 * LIVENESS_MS)
    const reported = events(verdict, 'peer.dead-reported')
    expect(reported).toEqual([{ type: 'peer.dead-reported', peer: '127.0.2.1:7000', seeds: expect.any(Array) }])
    expect(reported[0]?.type === 'peer.dead-reported' && [...reported[0].seeds].sort()).toEqual([
      '127.0.0.1:6000',
      '127.0.0.2:6000',
      '127.0.0.3:6000',
      '127.0.0.4:6000',
    ])
    expect(sent(verdict, channel)).toEqual([expect.stringMatching(/^Dead Node:127\.0\.2\.1:7000:\d+:127\.0\.1\.1$/)])
    expect(closed(verdict)).toEqual([link])
  })

  it('leaves seeds removed from the config connected, and still reports to them', () => {
    const { h, linkedAt } = linked()
    expect(h.feed(seedsInput([SEEDS[0], NEW_SEED]))).toHaveLength(2) // a log and a connect, no close
    const verdict = h.advanceTo(linkedAt + 4 * LIVENESS_MS)
    const reported = events(verdict, 'peer.dead-reported')[0]
    expect(reported?.type === 'peer.dead-reported' && reported.seeds).toHaveLength(3) // the 4th is still dialing
    expect(closed(verdict)).toHaveLength(1) // only the dead link
  })

  it('while joining, adds the seed and opens its channel once joined', () => {
    const h = peer()
    let during: Effect[] = []
    const { picked, after } = join(h, '', () => (during = h.feed(seedsInput([...SEEDS, NEW_SEED]))))
    expect(seedConnects(during)).toEqual([])
    expect(logs(during)).toEqual(['Config lists new seeds 127.0.0.4:6000'])
    const channels = seedConnects(after).map((c) => c.to)
    expect(channels).toContain('127.0.0.4:6000')
    // Every seed it did not register with (the 3rd of the first config and the new one).
    expect(channels).toHaveLength(2)
    expect(channels.some((to) => picked.some((p) => p.to === to))).toBe(false)
    const channel = seedConnects(after).find((c) => c.to === '127.0.0.4:6000')!.conn
    expect(sent(h.feed({ type: 'connected', conn: channel }))).toEqual([HELLO])
  })

  it('retries a new seed that is not listening yet, with the usual delay', () => {
    const { h } = linked()
    const channel = seedConnects(h.feed(seedsInput([NEW_SEED])))[0]!.conn
    const failed = h.feed({ type: 'connect-failed', conn: channel, reason: 'connection refused' })
    expect(events(failed, 'node.warning')).toHaveLength(1)
    const retry = seedConnects(h.advanceTo(h.now + 2_000))
    expect(retry.map((c) => c.to)).toEqual(['127.0.0.4:6000'])
    expect(sent(h.feed({ type: 'connected', conn: retry[0]!.conn }))).toEqual([HELLO])
  })

  it('skips odd input without throwing', () => {
    const { h } = linked()
    for (const odd of [null, 'seeds', 42, [null], [{}], [{ ip: '127.0.0.9' }], [{ ip: 'x', port: 1 }], [{ ip: '127.0.0.9', port: 0 }], [{ ip: '127.0.0.9', port: '6000' }], [[1, 2]]]) {
      expect(h.feed(seedsInput(odd))).toEqual([])
    }
    // A valid entry among bad ones is still taken.
    expect(seedConnects(h.feed(seedsInput([{ ip: 7 }, NEW_SEED])))).toHaveLength(1)
  })

  it('a stopped peer and a seed ignore it', () => {
    const h = peer()
    h.feed({ type: 'start' })
    h.feed({ type: 'stop' })
    expect(h.feed(seedsInput([NEW_SEED]))).toEqual([])
    const seed = new Harness(createSeedMachine({ self: SEEDS[0]!, seeds: SEEDS, random: seededRandom(1), sha256 }, { verifyTimeoutMs: 1000 }))
    seed.feed({ type: 'start' })
    expect(seed.feed(seedsInput([...SEEDS, NEW_SEED]))).toEqual([])
  })
})

// ---- the whole network on the simulator -------------------------------------------------

function ofType<T extends SessionEvent['type']>(events: readonly SessionEvent[], type: T): Array<EventOf<T> & { seq: number }> {
  return events.filter((e) => e.type === type) as Array<EventOf<T> & { seq: number }>
}

const LIVENESS = 13_000

/**
 * 2 seeds + 6 peers join; a third seed is added (and, if `announce`, the running peers are
 * told); a new peer joins and registers with the new seed among others. Returns the
 * scenario and the new peer, or null if this rng seed had it pick the two old seeds.
 */
function thirdSeed(rngSeed: number, announce: boolean) {
  const scenario = createScenario({ seeds: 2, peers: 6, sha256, rngSeed })
  const { sim } = scenario
  sim.runFor(2_000)
  const third = scenario.addSeed()
  if (announce) scenario.announceSeeds()
  sim.runFor(1_000)
  const target = scenario.addPeer(peerAddress(6))
  sim.runFor(2_000)
  const registeredWith = ofType(sim.events, 'peer.registered').filter((e) => e.node === target).map((e) => e.seed)
  return registeredWith.includes(third) ? { scenario, third, target, registeredWith } : null
}

/** The first rng seed for which the new peer registers with the new seed (2 in 3 do). */
function firstRegisteringWithThird(): number {
  for (let rngSeed = 1; rngSeed <= 20; rngSeed++) if (thirdSeed(rngSeed, true)) return rngSeed
  throw new Error('no rng seed had the new peer register with the new seed')
}

/** Kills the new peer and lets its neighbours miss it and report it. */
function killAndWait(run: NonNullable<ReturnType<typeof thirdSeed>>) {
  const { sim } = run.scenario
  sim.kill(run.target)
  sim.runFor(5 * LIVENESS)
  const net = networkOf(sim)
  const listing = (ids: NodeId[]) => ids.filter((s) => net.nodes.get(s)?.peerList.has(run.target))
  return { sim, listing }
}

describe('scenario: a seed added while peers run', () => {
  const rngSeed = firstRegisteringWithThird()

  it('every seed that listed a killed peer removes it, the new seed included', () => {
    const run = thirdSeed(rngSeed, true)!
    expect(run.registeredWith).toHaveLength(2)
    const { sim, listing } = killAndWait(run)
    const seeds = sim.nodeIds('seed')
    expect(seeds).toHaveLength(3)
    const removedBy = ofType(sim.events, 'seed.peer-removed').filter((e) => e.peer === run.target).map((e) => e.node)
    for (const seed of run.registeredWith) expect(removedBy, seed).toContain(seed)
    expect(listing(seeds)).toEqual([])
    // The neighbours that reported it were peers started before the third seed.
    const reports = ofType(sim.events, 'peer.dead-reported').filter((e) => e.peer === run.target)
    expect(reports.length).toBeGreaterThan(0)
    for (const report of reports) {
      expect(run.scenario.peers.map((p) => `${p.ip}:${p.port}`)).toContain(report.node)
      expect(report.seeds).toContain(run.third)
    }
    expectValidEvents(sim)
    expect(ofType(sim.events, 'frame.rejected')).toEqual([])
  })

  it('without telling the running peers, the new seed keeps the dead peer (the bug this input fixes)', () => {
    const run = thirdSeed(rngSeed, false)!
    const { sim, listing } = killAndWait(run)
    expect(listing(sim.nodeIds('seed'))).toEqual([run.third])
  })

  it('peers started after the seed was added know it from the config', () => {
    const run = thirdSeed(rngSeed, false)!
    const started = ofType(run.scenario.sim.events, 'node.started').find((e) => e.node === run.target)
    expect(started?.seeds).toContain(run.third)
  })
})
