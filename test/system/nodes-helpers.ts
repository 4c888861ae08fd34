import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { LocalNetwork, type NetEvent, type NetNode, snapshotPrograms } from '../../electron/host/local-network'
import type { Packing } from '../../shared/packing'
import { parseEvent } from '../../shared/events'
import type { ProtocolSettings } from '../../shared/settings'

/** Helpers shared by the nodes-*.test.ts system tests (real processes of the built programs). */

export const PROGRAMS = resolve(__dirname, '../../out/main')

/**
 * A private copy of the built programs for one test file (a rebuild of out/main by
 * someone else must not pull the chunks from under running nodes). Call in beforeAll,
 * remove in afterAll.
 */
export function programsCopy(): { dir: string; remove: () => void } {
  return snapshotPrograms(PROGRAMS)
}

/**
 * A second octet for this test file's 127.x.y.z addresses, drawn at random so parallel
 * runs (or other test files) rarely share an address; ports stay below 32768.
 */
export function addressBlock(): number {
  return 100 + Math.floor(Math.random() * 150)
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `gossipscope-${prefix}-`))
}

/**
 * A network of real nodes on the app's launcher. Packing from GOSSIPSCOPE_TEST_PACKING
 * (`single`, or a number K: up to K nodes per process) unless given, so every nodes-*
 * test can run over node hosts as well; default one process per node.
 */
export function newCluster(prefix: string, settings: ProtocolSettings, programs = PROGRAMS, packing = testPacking()): LocalNetwork {
  return new LocalNetwork({ programs, dir: tempDir(prefix), settings, packing })
}

export function testPacking(): Packing {
  const text = process.env.GOSSIPSCOPE_TEST_PACKING ?? 'single'
  const size = Number(text)
  return Number.isInteger(size) && size > 1 ? { mode: 'pack', size } : { mode: 'single' }
}

/**
 * Every event a node emitted must satisfy the shared schema (the launcher turns a bad one
 * into host.stream-error, so none may appear either). Returns the bad ones.
 */
export function invalidEvents(node: NetNode): string[] {
  const bad: string[] = []
  for (const event of node.events) {
    const result = parseEvent(event)
    if (!result.ok) bad.push(`${JSON.stringify(event).slice(0, 200)}: ${result.reason}`)
    if (event.type === 'host.stream-error') bad.push(`${String(event.line).slice(0, 200)}: ${String(event.reason)}`)
  }
  return bad
}

/** Pid of the process a node runs in (shared with other nodes when packed). */
export function pidOf(node: NetNode): number {
  return node.managed.process.pid!
}

/**
 * Polls `check` every `intervalMs` (50) until it holds or `timeoutMs` passes; resolves with the last
 * result. For things with no event to wait on: a node's log file is written in batches
 * after the event that the test waited for may already have arrived on its stdout. The
 * caller then asserts as before, so a timeout fails with the assertion's own message.
 */
export async function settle(check: () => boolean, timeoutMs = 10_000, intervalMs = 50): Promise<boolean> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) return false
    await new Promise((r) => setTimeout(r, intervalMs))
  }
  return true
}

export function logLines(node: NetNode): string[] {
  const file = join(node.logDir, node.role === 'seed' ? 'seed_network.log' : 'peer_network.log')
  return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '')
}

/** Resident memory of a process in kB, from /proc. */
export function rssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN)
}

export function count(node: NetNode, type: string): number {
  return node.counts.get(type) ?? 0
}

export function eventsOfType(node: NetNode, type: string): NetEvent[] {
  return node.events.filter((e) => e.type === type)
}

/**
 * Start times (ms since epoch) of `node`'s liveness rounds from `since` on: the times of its
 * liveness.sent / liveness.missed events, one round being the events less than half an
 * interval apart. Failure detection measured in these rounds holds on a loaded machine,
 * where every timer runs late alike; milliseconds do not.
 */
export function roundsOf(node: NetNode, since: number, livenessMs: number): number[] {
  const rounds: number[] = []
  for (const e of node.events) {
    if ((e.type !== 'liveness.sent' && e.type !== 'liveness.missed') || e.t < since) continue
    if (rounds.length === 0 || e.t - rounds.at(-1)! > livenessMs / 2) rounds.push(e.t)
  }
  return rounds
}
