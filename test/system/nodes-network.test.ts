import { loadavg } from 'node:os'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LocalNetwork as Cluster, NetNode as ClusterNode } from '../../electron/host/local-network'
import { DEFAULT_SETTINGS, type ProtocolSettings, scaledIntervals } from '../../shared/settings'
import { floodable, linkChanges, shortOfFlood } from './flood-check'
import { addressBlock, count, eventsOfType, invalidEvents, logLines, newCluster, programsCopy, roundsOf, settle } from './nodes-helpers'

/**
 * 3 seeds + 20 peers as real processes, each on its own 127.x address.
 *
 * Timing: gossip every 6 s, liveness every 1 s. The first peer joins alone; the other 19
 * are then started at once, so each finds at least the first peer (registered before it
 * asked) in its seeds' lists and links to peers that joined before it. A peer creates its
 * first message one gossip interval after it linked, so the 19 have 6 s to start and link
 * after the first peer joined: 1-2 s on an idle 2-core machine, about 4 s at load 10.
 * Gossip is push only: a message reaches the peers linked to its creator (directly or
 * through others) when it is created, and a peer that links later never gets it. So the
 * test asserts, whatever the machine's speed, that each message reaches at least every
 * peer of its creator's part of the overlay at its creation, exactly once; on a machine
 * fast enough that every link was up before the first message (the usual case) that is
 * every other peer. Failure detection is measured in the detector's own liveness rounds,
 * not in milliseconds of a shared machine.
 */

const SETTINGS: ProtocolSettings = {
  ...DEFAULT_SETTINGS,
  timeScale: 1,
  gossipIntervalMs: 6_000,
  livenessIntervalMs: 1_000,
  livenessMisses: 3,
  maxLinks: 2,
  topology: 'powerlaw',
}
const { gossipMs, livenessMs } = scaledIntervals(SETTINGS)
const PEERS = 20
const block = addressBlock()
const seedAddresses = [1, 2, 3].map((i) => ({ ip: `127.${block}.1.${i}`, port: 7001 }))
const peerAddresses = Array.from({ length: PEERS }, (_, i) => ({ ip: `127.${block}.2.${i + 1}`, port: 7002 }))

let cluster: Cluster
const programs = programsCopy()
const seeds: ClusterNode[] = []
const peers: ClusterNode[] = []

function dialedLinks(node: ClusterNode): number {
  return node.events.filter((e) => e.type === 'peer.link-up' && e.initiator === true).length
}

/** Every peer's events (the seeds gossip nothing and link to no one). */
const peerEvents = () => peers.flatMap((p) => p.events)

async function startPeer(index: number, earlier: number): Promise<ClusterNode> {
  const node = await cluster.start('peer', peerAddresses[index]!)
  const want = Math.min(SETTINGS.maxLinks, earlier)
  await cluster.waitFor(
    () => count(node, 'peer.registered') >= 2 && dialedLinks(node) >= want,
    30_000,
    `${node.id} to register and link`,
    node,
  )
  return node
}

beforeAll(async () => {
  cluster = newCluster('nodes-network', SETTINGS, programs.dir)
  cluster.writeConfig(seedAddresses)
  seeds.push(...(await Promise.all(seedAddresses.map((a) => cluster.start('seed', a)))))
  peers.push(await startPeer(0, 0))
  const rest = []
  for (let i = 1; i < PEERS; i++) rest.push(startPeer(i, 1))
  peers.push(...(await Promise.all(rest)))
})

afterAll(async () => {
  await cluster?.killAll()
  programs.remove()
})

describe('3 seeds + 20 peers over loopback TCP', () => {
  it('registers every peer with a majority of seeds', async () => {
    // A peer's peer.registered can reach the test before the seed's own seed.registered:
    // each process's events come on its own stdout. Wait for the seeds' side first.
    const seedKnows = (seed: string, peer: string) =>
      eventsOfType(cluster.nodes.get(seed)!, 'seed.registered').some((e) => e.peer === peer)
    await cluster
      .waitFor(
        () => peers.every((p) => eventsOfType(p, 'peer.registered').every((e) => seedKnows(e.seed as string, p.id))),
        10_000,
        'the seeds to report every registration',
      )
      .catch(() => undefined) // the assertions below say which one is missing
    for (const peer of peers) {
      const registered = new Set(eventsOfType(peer, 'peer.registered').map((e) => e.seed))
      expect(registered.size, peer.id).toBeGreaterThanOrEqual(2)
      for (const seed of registered) {
        const seedNode = cluster.nodes.get(seed as string)!
        expect(eventsOfType(seedNode, 'seed.registered').some((e) => e.peer === peer.id)).toBe(true)
      }
    }
  })

  it('links every peer into one overlay, then delivers every message to every peer linked to its creator, exactly once', async () => {
    const created = () => peers.flatMap((p) => eventsOfType(p, 'gossip.created'))
    /** Messages that have not yet reached every peer of the creator's part of the overlay at its creation. */
    const short = () => shortOfFlood(peerEvents())
    // Cheap checks on every event batch, the whole one twice a second.
    await cluster.waitFor(
      () => peers.every((p) => count(p, 'gossip.created') >= SETTINGS.gossipCount),
      gossipMs * (SETTINGS.gossipCount + 1) + 30_000,
      `${PEERS * SETTINGS.gossipCount} messages created`,
    )
    await settle(() => short().length === 0, 30_000, 500)
    expect(short()).toEqual([])

    // Every peer ends up in one overlay: every message created once all links were up reached everyone.
    const lastLink = Math.max(...peers.flatMap((p) => eventsOfType(p, 'peer.link-up').map((e) => e.t)))
    expect(floodable(peers[0]!.id, lastLink, linkChanges(peerEvents())).size).toBe(PEERS - 1)
    const all = created()
    const late = all.filter((m) => m.t > lastLink)
    // Normally every link is up before the first message (6 s after the first link); a slow machine may link later.
    console.log(`${all.length - late.length} of ${all.length} messages created before the last link came up`)
    expect(late.length).toBeGreaterThan(all.length / 2)

    const ids = new Set(all.map((e) => e.id as string))
    for (const peer of peers) {
      const own = eventsOfType(peer, 'gossip.created')
      expect(own.map((e) => e.n)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
      const got = eventsOfType(peer, 'gossip.received').map((e) => e.id as string)
      expect(new Set(got).size, `${peer.id} received a message twice`).toBe(got.length)
      // Only messages that exist, none of its own.
      expect(got.filter((id) => !ids.has(id) || own.some((m) => m.id === id))).toEqual([])
      for (const m of late) if (m.node !== peer.id) expect(got, `${peer.id} missed ${m.id as string}, created after every link was up`).toContain(m.id)
    }
  })

  it('writes the required log lines, tagged with IP:PORT, and only valid events', async () => {
    // The log files are written in batches, after the events this test waited for.
    const receivedLines = (peer: ClusterNode) => logLines(peer).filter((l) => / received from \S+ at /.test(l)).length
    const receipts = (peer: ClusterNode) => count(peer, 'gossip.received')
    await settle(() => peers.every((p) => receivedLines(p) >= receipts(p)))
    const stamp = '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}'
    for (const peer of peers) {
      const lines = logLines(peer)
      const tag = `${stamp} \\[${peer.id.replace(/\./g, '\\.')}\\] `
      expect(lines.every((l) => new RegExp(`^${tag}`).test(l)), peer.id).toBe(true)
      expect(lines.filter((l) => / received from \S+ at /.test(l))).toHaveLength(receipts(peer))
      expect(lines.filter((l) => /Peer list from seed /.test(l)).length).toBeGreaterThanOrEqual(2)
      expect(invalidEvents(peer)).toEqual([])
    }
    for (const seed of seeds) {
      const lines = logLines(seed)
      for (const e of eventsOfType(seed, 'seed.registered')) {
        expect(lines.some((l) => l.includes(`[${seed.id}] Connection request from ${e.peer}`))).toBe(true)
      }
      expect(invalidEvents(seed)).toEqual([])
    }
  })

  it('removes a SIGKILLed peer at every seed within (misses+1) liveness intervals; neighbours report it', async () => {
    const neighbours = (node: ClusterNode) => {
      const up = new Set<string>()
      for (const e of node.events) {
        if (e.type === 'peer.link-up') up.add(e.peer as string)
        if (e.type === 'peer.link-down') up.delete(e.peer as string)
      }
      return up
    }
    const victim = [...peers].sort((a, b) => neighbours(b).size - neighbours(a).size)[0]!
    const around = peers.filter((p) => p !== victim && neighbours(p).has(victim.id))
    const holders = seeds.filter((s) => eventsOfType(s, 'seed.registered').some((e) => e.peer === victim.id))
    expect(around.length).toBeGreaterThan(0)
    expect(holders.length).toBeGreaterThanOrEqual(2)

    cluster.kill(victim.id)
    await victim.managed.exited
    // Rounds are counted from here (a node packed in a node host ends when the host handled the kill).
    const killedAt = Date.now()
    const removed = (s: ClusterNode) => eventsOfType(s, 'seed.peer-removed').find((e) => e.peer === victim.id && e.t >= killedAt)
    await cluster.waitFor(() => holders.every((s) => removed(s)), 30 * livenessMs, `seeds to remove ${victim.id}`)
    await cluster.waitFor(
      () => around.every((p) => eventsOfType(p, 'peer.dead-reported').some((e) => e.peer === victim.id && e.t >= killedAt)),
      30 * livenessMs,
      'every neighbour to report',
    )
    // Counted in each neighbour's own liveness rounds (a loaded machine stretches them all
    // alike): the report comes in the round of the `livenessMisses`-th miss, at most
    // misses + 1 rounds after the kill; every seed removed the peer before that neighbour's
    // next round.
    const figures: string[] = []
    for (const peer of around) {
      const report = eventsOfType(peer, 'peer.dead-reported').find((e) => e.peer === victim.id && e.t >= killedAt)!
      const misses = eventsOfType(peer, 'liveness.missed').filter((e) => e.peer === victim.id && e.t >= killedAt && e.t <= report.t)
      expect(misses.at(-1)?.count, `${peer.id}: misses before its report`).toBe(SETTINGS.livenessMisses)
      const rounds = roundsOf(peer, killedAt, livenessMs)
      expect(rounds.filter((t) => t <= report.t).length, `${peer.id}: rounds from the kill to its report`).toBeLessThanOrEqual(SETTINGS.livenessMisses + 1)
      figures.push(`${peer.id} reported after ${report.t - killedAt} ms`)
    }
    const firstReport = Math.min(...around.map((p) => eventsOfType(p, 'peer.dead-reported').find((e) => e.peer === victim.id && e.t >= killedAt)!.t))
    for (const seed of holders) {
      const at = removed(seed)!.t
      figures.push(`${seed.id} removed it after ${at - killedAt} ms`)
      for (const peer of around) {
        const report = eventsOfType(peer, 'peer.dead-reported').find((e) => e.peer === victim.id && e.t >= killedAt)!.t
        const next = roundsOf(peer, report + livenessMs / 2, livenessMs)[0]
        if (next !== undefined) expect(at, `${seed.id} removed ${victim.id} before ${peer.id}'s round after its report`).toBeLessThanOrEqual(next)
      }
    }
    console.log(`kill of ${victim.id}: first report after ${firstReport - killedAt} ms; ${figures.join('; ')}; load ${loadavg()[0]!.toFixed(2)}`)
    const [ip, port] = victim.id.split(':')
    // The log line is written after (or in a later batch than) the event waited for above.
    await settle(() => around.every((p) => logLines(p).some((l) => l.includes(`Dead Node:${ip}:${port}:`))))
    for (const peer of around) {
      expect(logLines(peer).some((l) => l.includes(`Dead Node:${ip}:${port}:`)), peer.id).toBe(true)
    }
  })
})
