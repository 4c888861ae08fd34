import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalNetwork as Cluster, type NetNode as ClusterNode } from '../../electron/host/local-network'
import { sample, seededRandom } from '../../shared/protocol/rng'
import { DEFAULT_SETTINGS, type ProtocolSettings } from '../../shared/settings'
import { addressBlock, count, eventsOfType, invalidEvents, logLines, programsCopy, settle, tempDir, testPacking } from './nodes-helpers'

/**
 * A seed added to config.txt while peers run (real processes). 2 seeds + 3 peers join;
 * a third seed is appended to the config and started; the running peers re-read the file
 * and open report channels to it. A 4th peer registers with the new seed (its rng seed is
 * chosen so that it does), is SIGKILLed, and every seed that registered it must remove it:
 * its neighbours are the first 3 peers, whose reports reach the new seed only through
 * the config reload.
 */

const SETTINGS: ProtocolSettings = {
  ...DEFAULT_SETTINGS,
  timeScale: 1,
  gossipIntervalMs: 2_000,
  gossipCount: 1,
  livenessIntervalMs: 1_000,
  livenessMisses: 3,
  maxLinks: 2,
  topology: 'powerlaw',
}
const block = addressBlock()
const seedAddresses = [1, 2, 3].map((i) => ({ ip: `127.${block}.1.${i}`, port: 7001 }))
const peerAddresses = [1, 2, 3, 4].map((i) => ({ ip: `127.${block}.2.${i}`, port: 7002 }))
/** The 4th peer is the cluster's 7th node: it runs with --seed-rng RNG_BASE + 6. */
const NEW_PEER_INDEX = 6

/**
 * A base rng seed for which the 4th peer's first draw (its random majority of the three
 * seeds, as startJoin samples it) includes the third seed. Checked again on its events.
 */
function rngBase(): number {
  for (let base = 1; ; base++) if (sample([0, 1, 2], 2, seededRandom(base + NEW_PEER_INDEX)).includes(2)) return base
}

let cluster: Cluster
let dir = ''
const programs = programsCopy()
const peers: ClusterNode[] = []

const registeredWith = (node: ClusterNode) => new Set(eventsOfType(node, 'peer.registered').map((e) => e.seed as string))

async function startPeer(index: number, want: number): Promise<ClusterNode> {
  const node = await cluster.start('peer', peerAddresses[index]!)
  await cluster.waitFor(
    () => count(node, 'peer.registered') >= 2 && count(node, 'peer.link-up') >= want,
    15_000,
    `${node.id} to register and link`,
    node,
  )
  return node
}

beforeAll(async () => {
  dir = tempDir('nodes-config-reload')
  cluster = new Cluster({ programs: programs.dir, dir, settings: SETTINGS, rngSeed: rngBase(), packing: testPacking() })
  cluster.writeConfig(seedAddresses.slice(0, 2))
  await Promise.all(seedAddresses.slice(0, 2).map((a) => cluster.start('seed', a)))
  for (let i = 0; i < 3; i++) peers.push(await startPeer(i, Math.min(1, i)))
})

afterAll(async () => {
  await cluster?.killAll()
  programs.remove()
  if (dir !== '') rmSync(dir, { recursive: true, force: true })
})

describe('a seed added to config.txt while peers run', () => {
  it('running peers learn it, and every seed that listed a killed peer removes it', async () => {
    const third = seedAddresses[2]!
    const thirdId = `${third.ip}:${third.port}`
    cluster.writeConfig(seedAddresses)
    const seed3 = await cluster.start('seed', third)
    // Each running peer re-reads the config within about a second and says Hello to it.
    const learnt = (p: ClusterNode) => logLines(p).some((l) => l.includes(`Config lists new seeds ${thirdId}; opening report channels`))
    await settle(() => peers.every(learnt), 15_000)
    for (const peer of peers) expect(learnt(peer), `${peer.id} read the new config`).toBe(true)

    const victim = await startPeer(3, 1)
    const holders = registeredWith(victim)
    expect([...holders], 'the rng seed was chosen so that it registers with the new seed').toContain(thirdId)
    expect(victim.events.find((e) => e.type === 'node.started')?.seeds).toContain(thirdId)
    await cluster.waitFor(
      () => [...holders].every((id) => eventsOfType(cluster.nodes.get(id)!, 'seed.registered').some((e) => e.peer === victim.id)),
      10_000,
      'the seeds to register the 4th peer',
    )

    cluster.kill(victim.id)
    await victim.managed.exited
    const removed = (id: string) => eventsOfType(cluster.nodes.get(id)!, 'seed.peer-removed').some((e) => e.peer === victim.id)
    // Reported after 3 missed rounds of 1 s; 20 s leaves room for a loaded machine.
    await cluster.waitFor(() => [...holders].every(removed), 20_000, `every seed that registered ${victim.id} to remove it`)
    expect(removed(thirdId)).toBe(true)
    // The reporter's own event travels on its own stdout and may land after the seeds' removals.
    const reportsAbout = () => cluster.eventsOf('peer.dead-reported').filter((e) => e.peer === victim.id)
    await cluster.waitFor(() => reportsAbout().length > 0, 20_000, `a peer.dead-reported event about ${victim.id}`)
    const reports = reportsAbout()
    for (const report of reports) expect(report.seeds).toContain(thirdId)

    for (const node of [...peers, seed3]) {
      expect(invalidEvents(node), node.id).toEqual([])
      expect(logLines(node).filter((l) => /internal error/.test(l)), node.id).toEqual([])
    }
  })
})
