import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LocalNetwork as Cluster, NetNode as ClusterNode } from '../../electron/host/local-network'
import { DEFAULT_SETTINGS, type ProtocolSettings, scaledIntervals } from '../../shared/settings'
import { addressBlock, count, eventsOfType, invalidEvents, logLines, newCluster, programsCopy, settle } from './nodes-helpers'

/**
 * 3 seeds + 20 peers as real processes, each on its own 127.x address.
 *
 * Timing: gossip every 6 s, liveness every 1 s. The first peer joins alone; the other 19
 * are then started at once, so each finds at least the first peer (registered before it
 * asked) in its seeds' lists and links to peers that joined before it. A peer creates its
 * first message one gossip interval after it linked, so the 19 have 6 s to start and link
 * after the first peer joined: 1-2 s on an idle 2-core machine, about 4 s at load 10. The
 * test asserts that every link was up before the first message was created; only then is
 * "every peer receives every other peer's 10 messages exactly once" the right expectation.
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

async function startPeer(index: number, earlier: number): Promise<ClusterNode> {
  const node = await cluster.start('peer', peerAddresses[index]!)
  const want = Math.min(SETTINGS.maxLinks, earlier)
  await cluster.waitFor(
    () => count(node, 'peer.registered') >= 2 && dialedLinks(node) >= want,
    10_000,
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

  it('links every peer before the first message is created, then delivers every message exactly once', async () => {
    const total = PEERS * (PEERS - 1) * SETTINGS.gossipCount
    const received = () => peers.reduce((sum, p) => sum + count(p, 'gossip.received'), 0)
    await cluster.waitFor(() => received() >= total, gossipMs * SETTINGS.gossipCount + 30_000, `${total} receipts`)

    const created = peers.flatMap((p) => eventsOfType(p, 'gossip.created'))
    expect(created).toHaveLength(PEERS * SETTINGS.gossipCount)
    const firstCreated = Math.min(...created.map((e) => e.t))
    const lastJoin = Math.max(...peers.flatMap((p) => eventsOfType(p, 'peer.link-up').filter((e) => e.initiator).map((e) => e.t)))
    expect(lastJoin).toBeLessThan(firstCreated)

    const byNode = new Map<string, Set<string>>()
    for (const e of created) {
      if (!byNode.has(e.node)) byNode.set(e.node, new Set())
      byNode.get(e.node)!.add(e.id as string)
    }
    for (const peer of peers) {
      const own = eventsOfType(peer, 'gossip.created')
      expect(own.map((e) => e.n)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
      const got = eventsOfType(peer, 'gossip.received').map((e) => e.id as string)
      expect(new Set(got).size, `${peer.id} received a message twice`).toBe(got.length)
      const expected = new Set(created.filter((e) => e.node !== peer.id).map((e) => e.id as string))
      expect(new Set(got)).toEqual(expected)
    }
  })

  it('writes the required log lines, tagged with IP:PORT, and only valid events', async () => {
    // The log files are written in batches, after the events this test waited for.
    const receivedLines = (peer: ClusterNode) => logLines(peer).filter((l) => / received from \S+ at /.test(l)).length
    await settle(() => peers.every((p) => receivedLines(p) >= (PEERS - 1) * SETTINGS.gossipCount))
    const stamp = '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}'
    for (const peer of peers) {
      const lines = logLines(peer)
      const tag = `${stamp} \\[${peer.id.replace(/\./g, '\\.')}\\] `
      expect(lines.every((l) => new RegExp(`^${tag}`).test(l)), peer.id).toBe(true)
      expect(lines.filter((l) => / received from \S+ at /.test(l))).toHaveLength((PEERS - 1) * SETTINGS.gossipCount)
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

    const killedAt = Date.now()
    cluster.kill(victim.id)
    const bound = (SETTINGS.livenessMisses + 1) * livenessMs
    const removed = (s: ClusterNode) => eventsOfType(s, 'seed.peer-removed').find((e) => e.peer === victim.id)
    await cluster.waitFor(() => holders.every((s) => removed(s)), bound + 5_000, `seeds to remove ${victim.id}`)
    for (const seed of holders) {
      // 250 ms covers the report's trip and timer jitter on a loaded 2-core machine.
      expect(removed(seed)!.t - killedAt, seed.id).toBeLessThanOrEqual(bound + 250)
    }
    await cluster.waitFor(
      () => around.every((p) => eventsOfType(p, 'peer.dead-reported').some((e) => e.peer === victim.id)),
      5_000,
      'every neighbour to report',
    )
    const [ip, port] = victim.id.split(':')
    // The log line is written after (or in a later batch than) the event waited for above.
    await settle(() => around.every((p) => logLines(p).some((l) => l.includes(`Dead Node:${ip}:${port}:`))))
    for (const peer of around) {
      expect(logLines(peer).some((l) => l.includes(`Dead Node:${ip}:${port}:`)), peer.id).toBe(true)
    }
  })
})
