import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LocalNetwork as Cluster, NetEvent as ClusterEvent, NetNode as ClusterNode } from '../../electron/host/local-network'
import { DEFAULT_SETTINGS, type ProtocolSettings, scaledIntervals } from '../../shared/settings'
import { addressBlock, count, eventsOfType, invalidEvents, newCluster, programsCopy, testPacking } from './nodes-helpers'

/**
 * Nodes that come back, as real processes (field case turn2/pause-isolation.sh, with a
 * longer pause and more peers): 3 seeds + 6 peers at time scale 0.05 (liveness 650 ms,
 * gossip every 250 ms, long enough to keep creating messages). One peer is frozen with
 * SIGSTOP until its neighbours reported it and the seeds removed it, then resumed: it
 * must link again and receive every message created after that exactly once. Another is
 * killed with SIGKILL and started again at the same address: the same. Every wait is on
 * events; the pause lasts as long as the detection takes on this machine.
 */

const SETTINGS: ProtocolSettings = { ...DEFAULT_SETTINGS, timeScale: 0.05, gossipCount: 400, maxLinks: 2 }
const { livenessMs } = scaledIntervals(SETTINGS)
const block = addressBlock()
const seedAddresses = [1, 2, 3].map((i) => ({ ip: `127.${block}.1.${i}`, port: 14100 + i }))
const peerAddresses = Array.from({ length: 6 }, (_, i) => ({ ip: `127.${block}.2.${i + 1}`, port: 14200 + i + 1 }))

let cluster: Cluster
const programs = programsCopy()
const seeds: ClusterNode[] = []
const peers: ClusterNode[] = []
/** Every process that ran at an address, old ones included (the cluster keeps the newest). */
const processes: ClusterNode[] = []

const allEvents = (): ClusterEvent[] => processes.flatMap((n) => n.events)
const involves = (e: ClusterEvent, id: string) => e.node === id || e.peer === id

/** The entries seed `seed` lists now, as a client asking for its Peer List sees them. */
function listedBy(seed: ClusterNode): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: seed.address.ip, port: seed.address.port, localAddress: `127.${block}.9.9` })
    let text = ''
    const timer = setTimeout(() => (socket.destroy(), reject(new Error(`no Peer List from ${seed.id}`))), 10_000)
    socket.setEncoding('utf8')
    socket.on('connect', () => socket.write(`Peer List Request:127.${block}.9.9:1\n`))
    socket.on('data', (chunk: string) => {
      text += chunk
      const line = text.split('\n').find((l) => l.startsWith('Peer List:1/1:'))
      if (line === undefined) return
      clearTimeout(timer)
      socket.destroy()
      resolve(line.slice('Peer List:1/1:'.length).split(',').filter((e) => e !== '').map((e) => e.slice(0, e.indexOf('@'))))
    })
    socket.on('error', (e) => (clearTimeout(timer), reject(e)))
  })
}

/**
 * `victim` (its current process) linked again after `back` (ms since epoch); then five
 * messages created by others after that link each reach it exactly once, and every seed
 * lists it at most once (the seeds it registered with, exactly once).
 */
async function expectRejoined(victim: ClusterNode, back: number): Promise<void> {
  const id = victim.id
  const relink = () => allEvents().find((e) => e.type === 'peer.link-up' && e.t >= back && involves(e, id))
  await cluster.waitFor(() => relink() !== undefined, 30 * livenessMs + 15_000, `${id} to link again`)
  const relinkedAt = relink()!.t
  const later = () =>
    peers.filter((p) => p.id !== id).flatMap((p) => eventsOfType(p, 'gossip.created').filter((e) => e.t > relinkedAt + livenessMs))
  await cluster.waitFor(() => later().length >= 5, 20_000, 'five messages created after the relink')
  const wanted = later().slice(0, 5).map((e) => e.id as string)
  const receivedBy = () => eventsOfType(victim, 'gossip.received').map((e) => e.id as string)
  await cluster.waitFor(() => wanted.every((m) => receivedBy().includes(m)), 20_000, `${id} to receive the five messages`, victim)
  for (const m of wanted) expect(receivedBy().filter((r) => r === m)).toHaveLength(1)
  // Its seeds (the majority it registered with) hold it again: each either never removed
  // it or saw it register after the removal (a removed peer reconnects after 2 s).
  const members = new Set(eventsOfType(victim, 'peer.registered').map((e) => e.seed as string))
  expect(members.size).toBeGreaterThanOrEqual(2)
  const holds = (seed: ClusterNode): boolean => {
    const removed = eventsOfType(seed, 'seed.peer-removed').filter((e) => e.peer === id).map((e) => e.t)
    if (removed.length === 0) return true
    return eventsOfType(victim, 'peer.registered').some((e) => e.seed === seed.id && e.t > Math.max(...removed))
  }
  await cluster.waitFor(() => seeds.filter((s) => members.has(s.id)).every(holds), 20_000, `${id} to be registered again`)
  for (const seed of seeds) {
    const listed = (await listedBy(seed)).filter((e) => e === id).length
    // Another seed may still hold the address from the process before a restart: once at most.
    if (members.has(seed.id)) expect(listed, `${seed.id} lists ${id}`).toBe(1)
    else expect(listed, `${seed.id} lists ${id}`).toBeLessThanOrEqual(1)
  }
  expect(invalidEvents(victim)).toEqual([])
}

beforeAll(async () => {
  cluster = newCluster('nodes-rejoin', SETTINGS, programs.dir)
  cluster.writeConfig(seedAddresses)
  seeds.push(...(await Promise.all(seedAddresses.map((a) => cluster.start('seed', a)))))
  for (const address of peerAddresses) {
    const peer = await cluster.start('peer', address)
    await cluster.waitFor(() => count(peer, 'peer.registered') >= 2, 10_000, `${peer.id} to register`, peer)
    peers.push(peer)
  }
  processes.push(...seeds, ...peers)
  await cluster.waitFor(() => peers.every((p) => count(p, 'gossip.received') > 0), 20_000, 'gossip to reach every peer')
})

afterAll(async () => {
  await cluster?.killAll()
  programs.remove()
})

describe('nodes that come back, over loopback TCP', () => {
  it('a peer frozen (SIGSTOP) until the seeds removed it rejoins on SIGCONT and gets every later message once', async () => {
    const victim = peers[2]!
    const neighbours = new Set(eventsOfType(victim, 'peer.link-up').map((e) => e.peer as string))
    expect(neighbours.size).toBeGreaterThan(0)
    cluster.pause(victim.id)
    const stoppedAt = Date.now()
    // Frozen until a neighbour reported it and a seed removed it (about 4-6 liveness intervals).
    await cluster.waitFor(
      () =>
        cluster.eventsOf('peer.dead-reported').some((e) => e.peer === victim.id && e.t >= stoppedAt) &&
        cluster.eventsOf('seed.peer-removed').some((e) => e.peer === victim.id && e.t >= stoppedAt),
      60_000,
      `${victim.id} to be reported and removed`,
    )
    // A long pause: at least 12 liveness intervals (the field case froze its peer for ~9).
    const minimum = stoppedAt + 12 * livenessMs - Date.now()
    if (minimum > 0) await new Promise((resolve) => setTimeout(resolve, minimum))
    const back = Date.now()
    cluster.resume(victim.id)
    await expectRejoined(victim, back)
    // It does not take its live neighbours for dead: they took it back.
    const falseReports = eventsOfType(victim, 'peer.dead-reported').filter((e) => e.t >= back)
    expect(falseReports).toEqual([])
  })

  it('a peer killed with SIGKILL and started again at the same address rejoins as a new incarnation', async () => {
    const old = peers[4]!
    cluster.kill(old.id)
    await old.managed.exited
    const back = Date.now()
    const restarted = await cluster.start('peer', old.address)
    peers[4] = restarted
    processes.push(restarted)
    const [first] = eventsOfType(old, 'node.started')
    const [second] = eventsOfType(restarted, 'node.started')
    // A new process when each node has its own (a packed node restarts inside a node host).
    if (testPacking().mode === 'single') expect(second!.pid).not.toBe(first!.pid)
    expect(second!.incarnation as number).toBeGreaterThan(first!.incarnation as number)
    await expectRejoined(restarted, back)
  })
})
