import { loadavg } from 'node:os'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LocalNetwork, NetNode } from '../../electron/host/local-network'
import { DEFAULT_SETTINGS, type ProtocolSettings, scaledIntervals } from '../../shared/settings'
import { addressBlock, count, eventsOfType, invalidEvents, logLines, newCluster, pidOf, programsCopy, roundsOf, settle } from './nodes-helpers'

/**
 * The node host in a mixed network: 2 seeds and 2 peers in processes of their own, 8
 * peers in two node hosts of 4 (packing auto, threshold 4, size 4). Everything must
 * interoperate, and one node of a shared process killed or paused must look to its
 * neighbours and the seeds exactly like a process SIGKILLed or SIGSTOPped: the same
 * events about it, removal at the seeds within (misses + 1) liveness intervals, the two
 * detection times within one interval of each other.
 */

const SETTINGS: ProtocolSettings = {
  ...DEFAULT_SETTINGS,
  timeScale: 1,
  gossipIntervalMs: 3_000,
  gossipCount: 3,
  livenessIntervalMs: 1_000,
  livenessMisses: 3,
  maxLinks: 2,
}
const { gossipMs, livenessMs } = scaledIntervals(SETTINGS)
const PEERS = 10
const block = addressBlock()
const seedAddresses = [1, 2].map((i) => ({ ip: `127.${block}.1.${i}`, port: 7201 }))
const peerAddresses = Array.from({ length: PEERS }, (_, i) => ({ ip: `127.${block}.2.${i + 1}`, port: 7202 }))

let net: LocalNetwork
const programs = programsCopy()
const seeds: NetNode[] = []
const peers: NetNode[] = []

const alone = (n: NetNode) => n.managed.info.sharedWith === 0 && n.managed.process.kind === 'single'
const shared = (n: NetNode) => n.managed.process.kind === 'host'

function neighbours(node: NetNode): Set<string> {
  const up = new Set<string>()
  for (const e of node.events) {
    if (e.type === 'peer.link-up') up.add(e.peer as string)
    if (e.type === 'peer.link-down') up.delete(e.peer as string)
  }
  return up
}

/**
 * What the failure detector of a neighbour concludes about a node: its misses, report and
 * dropped link. Whether one more request went out (liveness.sent) or a reply already on its
 * way was read (liveness.ok) after the kill depends on when the neighbour's round fired
 * against the close reaching it: timing, not detection (a repair's new links likewise).
 */
const DETECTION = new Set(['liveness.missed', 'peer.dead-reported', 'peer.link-down'])

/** Types of the failure-detection events other peers emitted about `victim` from `since` on. */
function seenAbout(victim: NetNode, since: number): string[] {
  const types = new Set<string>()
  for (const p of peers) for (const e of p.events) if (p !== victim && e.peer === victim.id && e.t >= since && DETECTION.has(e.type)) types.add(e.type)
  return [...types].sort()
}

/**
 * Failure detection of `victim` from `since` on, in the liveness rounds of the neighbour
 * that reported it first (a loaded machine stretches every timer alike, so rounds hold
 * where milliseconds do not): rounds from `since` to that report, and the start of that
 * neighbour's next round after it (undefined if none ran yet).
 */
function detection(victim: NetNode, since: number): { rounds: number; nextRound: number | undefined; reporter: string; ms: number } {
  const reports = peers.flatMap((p) => (p === victim ? [] : eventsOfType(p, 'peer.dead-reported').filter((e) => e.peer === victim.id && e.t >= since).map((e) => ({ p, t: e.t }))))
  expect(reports.length, `a report about ${victim.id}`).toBeGreaterThan(0)
  const first = reports.reduce((x, y) => (y.t < x.t ? y : x))
  return {
    rounds: roundsOf(first.p, since, livenessMs).filter((t) => t <= first.t).length,
    nextRound: roundsOf(first.p, first.t + livenessMs / 2, livenessMs)[0],
    reporter: first.p.id,
    ms: first.t - since,
  }
}

const holders = (victim: NetNode) => seeds.filter((s) => eventsOfType(s, 'seed.registered').some((e) => e.peer === victim.id))
const removedAt = (seed: NetNode, victim: NetNode) => eventsOfType(seed, 'seed.peer-removed').find((e) => e.peer === victim.id)?.t

/**
 * Two peers, one alone in its process and one in a node host, not yet used, each with a
 * live neighbour other than the pair (someone must be watching it: a peer whose only
 * neighbours are dead or paused is never reported).
 */
function findPair(used: Set<NetNode>): [NetNode, NetNode] | null {
  const byId = new Map(peers.map((p) => [p.id, p]))
  const watched = (p: NetNode, other: NetNode | null) =>
    [...neighbours(p)].some((id) => {
      const n = byId.get(id)
      return n !== undefined && n !== other && !used.has(n) && n.managed.alive
    })
  const candidates = peers.filter((p) => !used.has(p) && p.managed.alive)
  for (const a of candidates.filter(alone)) {
    const b = candidates.find((c) => shared(c) && watched(c, a) && watched(a, c))
    if (b) return [a, b]
  }
  return null
}

/** Waits (the overlay repairs itself after earlier kills) for such a pair, and marks it used. */
async function pickPair(used: Set<NetNode>): Promise<[NetNode, NetNode]> {
  let pair: [NetNode, NetNode] | null = null
  await net.waitFor(() => (pair = findPair(used)) !== null, 20_000, 'a pair of peers watched by live neighbours')
  const [a, b] = pair!
  used.add(a).add(b)
  return [a, b]
}

const used = new Set<NetNode>()

beforeAll(async () => {
  net = newCluster('nodes-host', SETTINGS, programs.dir, { mode: 'auto', threshold: 4, size: 4 })
  net.writeConfig(seedAddresses)
  seeds.push(...(await Promise.all(seedAddresses.map((a) => net.start('seed', a)))))
  const first = await net.start('peer', peerAddresses[0]!)
  await net.waitFor(() => count(first, 'peer.registered') >= 2, 10_000, 'the first peer to register', first)
  peers.push(first, ...(await Promise.all(peerAddresses.slice(1).map((a) => net.start('peer', a)))))
  await net.waitFor(() => peers.slice(1).every((p) => eventsOfType(p, 'peer.link-up').some((e) => e.initiator)), 15_000, 'every peer to link')
})

afterAll(async () => {
  await net?.killAll()
  programs.remove()
})

describe('node hosts and processes of their own in one network', () => {
  it('places 4 nodes alone and 8 in two shared processes', () => {
    const all = [...seeds, ...peers]
    expect(all.filter(alone).map((n) => n.id)).toEqual([...seeds, peers[0]!, peers[1]!].map((n) => n.id))
    const hostPids = new Set(all.filter(shared).map(pidOf))
    expect(hostPids.size).toBe(2)
    for (const n of all.filter(shared)) expect(n.managed.info.sharedWith).toBe(3)
  })

  it('delivers every message to every peer exactly once, across the process kinds', async () => {
    const total = PEERS * (PEERS - 1) * SETTINGS.gossipCount
    const received = () => peers.reduce((sum, p) => sum + count(p, 'gossip.received'), 0)
    await net.waitFor(() => received() >= total, gossipMs * SETTINGS.gossipCount + 30_000, `${total} receipts`)
    const created = peers.flatMap((p) => eventsOfType(p, 'gossip.created'))
    for (const peer of peers) {
      const got = eventsOfType(peer, 'gossip.received').map((e) => e.id as string)
      expect(new Set(got).size, `${peer.id} received a message twice`).toBe(got.length)
      expect(new Set(got)).toEqual(new Set(created.filter((e) => e.node !== peer.id).map((e) => e.id as string)))
    }
    // Each node of a host keeps its own log file, tagged with its own address.
    await settle(() => peers.every((p) => logLines(p).filter((l) => / received from /.test(l)).length >= (PEERS - 1) * SETTINGS.gossipCount))
    for (const peer of peers) {
      const lines = logLines(peer)
      expect(lines.every((l) => l.includes(`[${peer.id}]`)), peer.id).toBe(true)
      expect(invalidEvents(peer)).toEqual([])
    }
  })

  it('a node host reports its own figures on request (bench:nodes reads them); a process of one node has none', async () => {
    const host = peers.find(shared)!.managed.process
    const first = await host.stats()
    expect(first).not.toBeNull()
    expect(first!.pid).toBe(host.pid)
    expect(first!.loopDelayMs).toBeNull()
    expect(first!.gc).toBeNull()
    const second = (await host.stats())!
    expect(second.loopDelayMs).not.toBeNull()
    expect(second.gc).not.toBeNull()
    expect(second.elu).toBeGreaterThanOrEqual(0)
    expect(second.elu).toBeLessThanOrEqual(1)
    expect(second.cpuUserUs).toBeGreaterThan(0)
    // The gossip of the test above went through this host: lines read, forwarded, logged.
    const c = second.counts
    for (const key of ['inputs', 'socketReads', 'socketLines', 'socketFlushes', 'fileWrites', 'events', 'logLines'] as const) expect(c[key], key).toBeGreaterThan(0)
    expect(c.socketFlushes).toBeLessThanOrEqual(c.socketLines)
    const m = second.memory
    expect(m.heapUsed).toBeGreaterThan(0)
    expect(m.heapUsed).toBeLessThanOrEqual(m.heapTotal)
    expect(m.heapTotal).toBeLessThan(m.rss)
    expect(m.arrayBuffers).toBeLessThanOrEqual(m.external)
    expect(await peers.find(alone)!.managed.process.stats()).toBeNull()
  })

  it('a node killed inside a shared process is seen as a killed process is', async () => {
    const [a, b] = await pickPair(used)
    const killedAt = Date.now()
    net.kill(a.id)
    net.kill(b.id)
    await Promise.all([a.managed.exited, b.managed.exited])
    // Rounds are counted from here: a node of a node host ends when the host handled the
    // kill, and may answer a request or two before that.
    const deadAt = Date.now()
    for (const n of [a, b]) expect(eventsOfType(n, 'host.exited').at(-1)).toMatchObject({ signal: 'SIGKILL', expected: true })
    // The rest of the shared process lives on.
    expect(b.managed.process.alive).toBe(true)
    const removed = (v: NetNode) => holders(v).every((s) => removedAt(s, v) !== undefined)
    await net.waitFor(() => removed(a) && removed(b), 30 * livenessMs, `seeds to remove ${a.id} and ${b.id}`)
    await settle(() => seenAbout(a, killedAt).includes('peer.dead-reported') && seenAbout(b, killedAt).includes('peer.dead-reported'), 5_000)
    // Reported within (misses + 1) of the reporter's rounds after the node was gone, removed
    // by every seed before the reporter's next round, the two within one round of each other.
    const [da, db] = [detection(a, deadAt), detection(b, deadAt)]
    console.log(`kill: ${a.id} reported by ${da.reporter} after ${da.rounds} rounds (${da.ms} ms), ${b.id} by ${db.reporter} after ${db.rounds} rounds (${db.ms} ms); load ${loadavg()[0]!.toFixed(2)}`)
    for (const [v, d] of [[a, da], [b, db]] as const) {
      expect(d.rounds, `${v.id}: rounds to its report`).toBeLessThanOrEqual(SETTINGS.livenessMisses + 1)
      if (d.nextRound !== undefined) for (const s of holders(v)) expect(removedAt(s, v)!, `${s.id} removed ${v.id} within a round of the report`).toBeLessThanOrEqual(d.nextRound)
    }
    expect(Math.abs(da.rounds - db.rounds)).toBeLessThanOrEqual(1)
    expect(seenAbout(b, killedAt)).toEqual(seenAbout(a, killedAt))
  })

  it('a node paused inside a shared process is seen as a SIGSTOPped process is, and resumes', async () => {
    const [a, b] = await pickPair(used)
    const pausedAt = Date.now()
    net.pause(a.id)
    net.pause(b.id)
    const removed = (v: NetNode) => holders(v).every((s) => removedAt(s, v) !== undefined)
    await net.waitFor(() => removed(a) && removed(b), 30 * livenessMs, `seeds to remove paused ${a.id} and ${b.id}`)
    // From one interval on: a reply sent just before the pause may still be received after
    // `pausedAt` (a liveness.ok that is timing, not detection).
    const since = pausedAt + livenessMs
    await settle(() => seenAbout(a, since).includes('peer.dead-reported') && seenAbout(b, since).includes('peer.dead-reported'), 5_000)
    expect(seenAbout(b, since)).toEqual(seenAbout(a, since))
    const [da, db] = [detection(a, pausedAt), detection(b, pausedAt)]
    console.log(`pause: ${a.id} reported after ${da.rounds} rounds (${da.ms} ms), ${b.id} after ${db.rounds} rounds (${db.ms} ms); load ${loadavg()[0]!.toFixed(2)}`)
    expect(Math.abs(da.rounds - db.rounds)).toBeLessThanOrEqual(1)
    // Paused: not one event from either from the first report about it (its neighbours saw
    // it silent for `livenessMisses` rounds by then) until it is resumed.
    const resumedAt = Date.now()
    const quiet = (v: NetNode, d: { ms: number }) => v.events.filter((e) => !e.type.startsWith('host.') && e.t >= pausedAt + d.ms && e.t < resumedAt)
    expect(quiet(a, da)).toEqual([])
    expect(quiet(b, db)).toEqual([])
    net.resume(a.id)
    net.resume(b.id)
    const active = (v: NetNode) => v.events.some((e) => !e.type.startsWith('host.') && e.t >= resumedAt)
    await net.waitFor(() => active(a) && active(b), 10_000, 'both nodes to run again')
    expect(a.managed.alive && b.managed.alive).toBe(true)
  })
})
