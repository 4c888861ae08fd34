import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Command } from 'commander'
import { HOST_EXEC_ARGV } from '../electron/host/launcher'
import { LocalNetwork, type NetNode, snapshotPrograms } from '../electron/host/local-network'
import type { Packing } from '../shared/packing'
import type { HostStats } from '../electron/nodes/host-protocol'
import type { IoCounts } from '../electron/nodes/io-stats'
import { keepsEvent } from '../electron/nodes/events-detail'
import { DEFAULT_SETTINGS, type ProtocolSettings, TOPOLOGIES, type Topology, scaledIntervals } from '../shared/settings-core'
import { summarizeProfiles } from './cpu-profile'

/**
 * Node benchmark: S seeds + N peers on the app's launcher (one process per node, or up to
 * K nodes per node host with --pack K), each node on its own 127.x address. Nodes write
 * their events to files and send only lifecycle events live (links, removals); while they
 * run this process counts `gossip.created` in the files' new bytes (no JSON parsing) to
 * know when gossip is over, and samples memory and CPU from /proc per process. Gossip
 * figures are computed afterwards from the events files. After gossip, the network is held
 * for --liveness-s seconds (liveness rounds only) and every removal of a live peer counts
 * as false. Prints a Markdown table and the machine; --json writes the same figures.
 *
 *   npm run bench:nodes -- --seeds 3 --peers 100 --pack 50 --json out.json
 */

const int = (v: string) => parseInt(v, 10)
const program = new Command('bench-nodes')
  .option('--seeds <n>', 'seeds', int, 3)
  .option('--peers <n>', 'peers', int, 100)
  .option('--pack <k>', 'nodes per process (1 = a process per node)', int, 1)
  .option('--time-scale <x>', 'time scale of every node', Number, 0.05)
  .option('--gossip-count <n>', 'messages per peer', int, DEFAULT_SETTINGS.gossipCount)
  .option('--topology <kind>', TOPOLOGIES.join('|'), DEFAULT_SETTINGS.topology)
  .option('--node-flags <flags>', `Node flags of every node process (default: --max-semi-space-size=1 --max-old-space-size=64 for a process per node, the launcher's for node hosts: ${HOST_EXEC_ARGV.join(' ')})`)
  .option('--launch-concurrency <n>', 'nodes starting at the same time', int, 8)
  .option('--timeout <s>', 'stop waiting for gossip this many seconds after the last launch', Number, 180)
  .option('--liveness-s <s>', 'seconds the network is held after gossip, counting false removals', Number, 0)
  .option('--cpu-prof <dir>', 'write a V8 CPU profile of every node process to this folder and summarise it')
  .option('--latency <ms>', 'emulated one-way delay on every link (node flag --latency)', Number, 0)
  .option('--jitter <ms>', 'emulated jitter, uniform in latency ± jitter (node flag --jitter)', Number, 0)
  .option('--loss <p>', 'emulated loss probability per message (node flag --loss)', Number, 0)
  .option('--json <path>', 'also write the figures as JSON (keys in README)')
  .option('--keep', 'keep the temporary folder with all logs and events')
  .parse()
const opts = program.opts<{
  seeds: number; peers: number; pack: number; timeScale: number; gossipCount: number; topology: Topology
  nodeFlags?: string; launchConcurrency: number; timeout: number; livenessS: number; cpuProf?: string; json?: string; keep?: boolean
  latency: number; jitter: number; loss: number
}>()
const link = { delayMs: opts.latency, jitterMs: opts.jitter, loss: opts.loss }
const shaped = link.delayMs > 0 || link.jitterMs > 0 || link.loss > 0

const settings: ProtocolSettings = {
  ...DEFAULT_SETTINGS,
  timeScale: opts.timeScale,
  gossipCount: opts.gossipCount,
  topology: opts.topology,
  maxLinks: opts.topology === 'random' ? 4 : 2,
}
const intervals = scaledIntervals(settings)
const dir = mkdtempSync(join(tmpdir(), 'gossipscope-bench-'))
const block = 100 + Math.floor(Math.random() * 150)
const packing: Packing = opts.pack > 1 ? { mode: 'pack', size: opts.pack } : { mode: 'single' }
// Node hosts run with the flags the app's launcher gives them.
opts.nodeFlags ??= opts.pack > 1 ? HOST_EXEC_ARGV.join(' ') : '--max-semi-space-size=1 --max-old-space-size=64'
// This file runs as out/main/bench-nodes.js, next to seed.js, peer.js and node-host.js.
const programs = snapshotPrograms(fileURLToPath(new URL('.', import.meta.url)))
const execArgv = opts.nodeFlags.split(' ').filter((f) => f !== '')
if (opts.cpuProf) execArgv.push('--cpu-prof', `--cpu-prof-dir=${opts.cpuProf}`)
const net = new LocalNetwork({ programs: programs.dir, dir, settings, packing, eventsDetail: 'lifecycle', execArgv, keepEvents: false, ...(shaped ? { link } : {}) })
const eventsPath = (n: NetNode) => join(n.logDir, `${n.role}-${n.address.ip}_${n.address.port}.events.ndjson`)

/** Reads what was appended to a file since the last call. */
class Tail {
  private pos = 0
  constructor(readonly path: string) {}
  read(): string {
    if (!existsSync(this.path)) return ''
    const fd = openSync(this.path, 'r')
    const buf = Buffer.alloc(1 << 20)
    let text = ''
    for (let n; (n = readSync(fd, buf, 0, buf.length, this.pos)) > 0; ) {
      this.pos += n
      text += buf.toString('utf8', 0, n)
    }
    closeSync(fd)
    return text
  }
}

function occurrences(text: string, needle: string): number {
  let count = 0
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) count++
  return count
}

type Mem = { pss: number; rss: number; priv: number }
/** PSS, RSS and private (Private_Clean + Private_Dirty) memory of a process in kB. */
function memory(pid: number): Mem | null {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8')
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0)
    return { pss: kb('Pss'), rss: kb('Rss'), priv: kb('Private_Clean') + kb('Private_Dirty') }
  } catch {
    return null
  }
}

type Cpu = { user: number; system: number }
/** utime and stime of a process, s (from USER_HZ, 100/s); null once it is gone. */
function cpuSeconds(pid: number): Cpu | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 }
  } catch {
    return null
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)

/** Peak memory per process and its last CPU reading, by pid. */
const peak = new Map<number, Mem>()
const cpuLast = new Map<number, Cpu>()
const loads: number[] = []
function pids(): number[] {
  return [...new Set([...net.nodes.values()].map((n) => n.managed.process.pid).filter((p): p is number => p !== null))]
}
function sample(): void {
  for (const pid of pids()) {
    const m = memory(pid)
    if (m) {
      const p = peak.get(pid) ?? { pss: 0, rss: 0, priv: 0 }
      peak.set(pid, { pss: Math.max(p.pss, m.pss), rss: Math.max(p.rss, m.rss), priv: Math.max(p.priv, m.priv) })
    }
    const cpu = cpuSeconds(pid)
    if (cpu) cpuLast.set(pid, cpu)
  }
  loads.push(loadavg()[0]!)
}
/** CPU of every node process so far (the last reading of those that are gone), s. */
function cpuTotal(): Cpu {
  const all = [...cpuLast.values()]
  return { user: sum(all.map((c) => c.user)), system: sum(all.map((c) => c.system)) }
}
const cpuSum = (c: Cpu) => c.user + c.system

/** Asks every node host for its figures (the first call starts their event-loop delay monitors). */
async function hostStats(): Promise<HostStats[]> {
  const processes = new Set([...net.nodes.values()].map((n) => n.managed.process))
  const stats = await Promise.all([...processes].map((p) => p.stats()))
  return stats.filter((s): s is HostStats => s !== null)
}

async function main(): Promise<void> {
  const seeds = Array.from({ length: opts.seeds }, (_, i) => ({ ip: `127.${block}.1.${i + 1}`, port: 7301 }))
  net.writeConfig(seeds)
  const sampler = setInterval(sample, 1000)
  const launchedAt = Date.now()
  const seedNodes = await Promise.all(seeds.map((a) => net.start('seed', a, 120_000)))
  const peers: NetNode[] = []
  // One request, as the app's "add peers": packed peers are spread over the hosts (launcher.ts).
  await net.launcher.expect('peer', opts.peers)
  let next = 0
  const launcher = async () => {
    while (next < opts.peers) {
      const i = next++
      const ip = `127.${block}.${2 + Math.floor(i / 250)}.${(i % 250) + 1}`
      const node = net.launch('peer', { ip, port: 7302 })
      peers.push(node)
      if (!(await node.managed.started)) throw new Error(`${node.id} did not start: ${node.stderr.trim()}`)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, opts.launchConcurrency) }, launcher))
  const launchedIn = Date.now() - launchedAt
  // All linked: every peer reported its first link (lifecycle events arrive live).
  const linked = () => peers.every((p) => (p.counts.get('peer.link-up') ?? 0) > 0)
  await net.waitFor(linked, 120_000, 'every peer to link').catch(() => undefined)
  sample()
  const cpuAtLinked = cpuTotal()
  const linkedAt = Date.now()
  const hostsAtLinked = await hostStats()
  const tails = new Map(peers.map((p) => [p, new Tail(eventsPath(p))]))
  const created = new Map(peers.map((p) => [p, 0]))
  const deadline = Date.now() + opts.timeout * 1000
  let doneAt: number | null = null
  let received = 0
  let receivedAt = Date.now()
  while (Date.now() < deadline) {
    let more = 0
    for (const [peer, tail] of tails) {
      const text = tail.read()
      created.set(peer, created.get(peer)! + occurrences(text, '"type":"gossip.created"'))
      more += occurrences(text, '"type":"gossip.received"')
    }
    if (more > 0) (received += more), (receivedAt = Date.now())
    if (doneAt === null && peers.every((p) => created.get(p)! >= settings.gossipCount)) doneAt = Date.now()
    // Settled: every message created, and no new receipt for 3 s (a loaded machine may
    // still be flooding the last messages well after they were created).
    if (doneAt !== null && Date.now() - receivedAt > 3000 && Date.now() - doneAt > intervals.gossipMs) break
    await sleep(500)
  }
  sample()
  const cpuAtGossipEnd = cpuTotal()
  const gossipEndAt = Date.now()
  const hostsAtGossipEnd = await hostStats()
  if (opts.livenessS > 0) await sleep(opts.livenessS * 1000)
  clearInterval(sampler)
  sample()
  const cpuAtEnd = cpuTotal()
  const endAt = Date.now()
  const removals = sum(seedNodes.map((s) => s.counts.get('seed.peer-removed') ?? 0))
  await net.launcher.stopAll()
  const figures = analyse(seedNodes, peers, {
    launchedAt, launchedIn, finished: doneAt !== null, endAt,
    cpu: {
      total: cpuSum(cpuAtEnd),
      gossip: cpuSum(cpuAtGossipEnd) - cpuSum(cpuAtLinked),
      gossipUser: cpuAtGossipEnd.user - cpuAtLinked.user,
      gossipSystem: cpuAtGossipEnd.system - cpuAtLinked.system,
      liveness: cpuSum(cpuAtEnd) - cpuSum(cpuAtGossipEnd),
      livenessS: (endAt - gossipEndAt) / 1000,
    },
    gossipPhase: { from: linkedAt, to: gossipEndAt, hostsBefore: hostsAtLinked, hostsAfter: hostsAtGossipEnd },
    removals,
  })
  print(figures)
  if (opts.json) writeFileSync(opts.json, JSON.stringify(figures, null, 2) + '\n')
  if (opts.cpuProf) {
    await sleep(1000)
    console.log(`\nCPU profile of all node processes (${opts.cpuProf}), self time by function:\n`)
    console.log(summarizeProfiles(opts.cpuProf, 25))
  }
  programs.remove()
  if (opts.keep) console.log(`\nLogs and events: ${dir}`)
  else rmSync(dir, { recursive: true, force: true })
}

type Ev = { type: string; t: number; node: string; id?: string; peer?: string; initiator?: boolean; reason?: string; from?: string; to?: string; count?: number }

interface RunFacts {
  launchedAt: number; launchedIn: number; finished: boolean; endAt: number
  cpu: { total: number; gossip: number; gossipUser: number; gossipSystem: number; liveness: number; livenessS: number }
  /** From all linked to the end of gossip: the node hosts' own figures at both ends. */
  gossipPhase: { from: number; to: number; hostsBefore: HostStats[]; hostsAfter: HostStats[] }
  removals: number
}

/**
 * The node hosts over the gossip phase: event-loop utilization and delay (worst host), and
 * the work of all hosts divided by the gossip hops sent in that phase.
 */
function hostFigures(phase: RunFacts['gossipPhase'], hops: number) {
  const before = new Map(phase.hostsBefore.map((h) => [h.pid, h]))
  const after = phase.hostsAfter.filter((h) => before.has(h.pid))
  const delays = after.map((h) => h.loopDelayMs).filter((d): d is NonNullable<HostStats['loopDelayMs']> => d !== null)
  const perHop = {} as Record<keyof IoCounts | 'cpuUs', number>
  const keys = Object.keys(after[0]?.counts ?? {}) as (keyof IoCounts)[]
  for (const key of keys) perHop[key] = sum(after.map((h) => h.counts[key] - before.get(h.pid)!.counts[key])) / Math.max(1, hops)
  perHop.cpuUs = sum(after.map((h) => h.cpuUserUs + h.cpuSystemUs - before.get(h.pid)!.cpuUserUs - before.get(h.pid)!.cpuSystemUs)) / Math.max(1, hops)
  const worst = (f: (d: (typeof delays)[number]) => number) => (delays.length > 0 ? Math.max(...delays.map(f)) : NaN)
  const gcs = after.map((h) => h.gc).filter((g): g is NonNullable<HostStats['gc']> => g !== null)
  const gc = { minor: sum(gcs.map((g) => g.minor)), minorMs: sum(gcs.map((g) => g.minorMs)), major: sum(gcs.map((g) => g.major)), majorMs: sum(gcs.map((g) => g.majorMs)) }
  return {
    count: after.length,
    eluMax: after.length > 0 ? Math.max(...after.map((h) => h.elu)) : NaN,
    eluMean: sum(after.map((h) => h.elu)) / Math.max(1, after.length),
    loopDelayMs: { p50: worst((d) => d.p50), p99: worst((d) => d.p99), max: worst((d) => d.max) },
    gc,
    perHop,
    memoryMb: {
      rss: mb(after.map((h) => h.memory.rss)),
      heapTotal: mb(after.map((h) => h.memory.heapTotal)),
      heapUsed: mb(after.map((h) => h.memory.heapUsed)),
      external: mb(after.map((h) => h.memory.external)),
    },
  }
}

/** Sum of byte counts in MiB. */
const mb = (bytes: number[]) => sum(bytes) / 1048576

/** Events the start-up breakdown reads (peer.link-up is also read for the gossip figures). */
const STARTUP_TYPES = new Set(['node.started', 'peer.registered', 'peer.peer-list', 'peer.link-up', 'node.warning'])

/**
 * Where each peer's start-up time goes, from its events: first launch -> its node.started
 * (listening: process spawn and the node's set-up), then from node.started to the majority
 * of its seeds' Registered (the seeds verify it with their own probe first), to its first
 * complete Peer List, and to its first link. Also how often joins failed (retried) and how
 * many lists each peer asked for (repairs and short-list retries included).
 */
class Startup {
  private readonly peers = new Map<string, { started?: number; registered: number[]; list?: number; lists: number; link?: number }>()
  private joinRetries = 0

  add(e: Ev & { role?: string; message?: string }): void {
    if (e.type === 'node.warning') {
      if (e.message?.includes('seeds needed; retrying')) this.joinRetries++
      return
    }
    if (e.type === 'node.started' && e.role !== 'peer') return
    let p = this.peers.get(e.node)
    if (!p) this.peers.set(e.node, (p = { registered: [], lists: 0 }))
    switch (e.type) {
      case 'node.started': p.started ??= e.t; break
      case 'peer.registered': p.registered.push(e.t); break
      case 'peer.peer-list': p.lists++; p.list ??= e.t; break
      case 'peer.link-up': p.link ??= e.t; break
    }
  }

  figures(launchedAt: number) {
    const all = [...this.peers.values()].filter((p) => p.started !== undefined)
    const q = (xs: number[]) => {
      xs.sort((a, b) => a - b)
      return { p50: quantile(xs, 0.5) / 1000, p90: quantile(xs, 0.9) / 1000, max: (xs[xs.length - 1] ?? NaN) / 1000, count: xs.length }
    }
    const after = (f: (p: (typeof all)[number]) => number | undefined) => all.flatMap((p) => (f(p) === undefined ? [] : [f(p)! - p.started!]))
    return {
      listeningS: q(all.map((p) => p.started! - launchedAt)),
      registeredS: q(after((p) => p.registered.sort((a, b) => a - b)[1])),
      firstListS: q(after((p) => p.list)),
      firstLinkS: q(after((p) => p.link)),
      joinRetries: this.joinRetries,
      listsPerPeer: sum(all.map((p) => p.lists)) / Math.max(1, all.length),
    }
  }
}

function analyse(seedNodes: NetNode[], peers: NetNode[], run: RunFacts) {
  const firstLink = new Map<string, number>()
  const created = new Map<string, Ev>()
  const receipts = new Map<string, Map<string, number>>()
  const forwards = new Map<string, number>()
  const edges = new Set<string>()
  let duplicates = 0
  // Hop delay: the sender's gossip.forwarded to the receiver's gossip.received/duplicate (one machine clock).
  const sentAt = new Map<string, number>()
  const arrivals: Array<[string, number]> = []
  const pidOf = new Map([...seedNodes, ...peers].map((n) => [n.id, n.managed.process.pid]))
  let lost = 0
  let bytesFull = 0
  let bytesReceipts = 0
  const startup = new Startup()
  for (const node of [...seedNodes, ...peers]) {
    const text = existsSync(eventsPath(node)) ? readFileSync(eventsPath(node), 'utf8') : ''
    for (const line of text.split('\n')) {
      if (line === '') continue
      bytesFull += line.length + 1
      const type = /"type":"([^"]+)"/.exec(line)?.[1] ?? ''
      if (keepsEvent('receipts', type)) bytesReceipts += line.length + 1
      if (type === 'gossip.duplicate') {
        duplicates++
        const e = JSON.parse(line) as Ev
        arrivals.push([`${e.from}>${e.node} ${e.id}`, e.t])
        continue
      }
      if (type === 'gossip.forwarded') {
        const e = JSON.parse(line) as Ev
        forwards.set(e.id!, (forwards.get(e.id!) ?? 0) + 1)
        sentAt.set(`${e.node}>${e.to} ${e.id}`, e.t)
        continue
      }
      if (type === 'net.dropped') {
        lost += (JSON.parse(line) as Ev).count ?? 0
        continue
      }
      if (STARTUP_TYPES.has(type)) {
        startup.add(JSON.parse(line) as Ev)
        if (type !== 'peer.link-up') continue
      }
      if (type !== 'peer.link-up' && type !== 'peer.link-down' && type !== 'gossip.created' && type !== 'gossip.received') continue
      const e = JSON.parse(line) as Ev
      switch (e.type) {
        case 'peer.link-up': {
          if (!firstLink.has(e.node)) firstLink.set(e.node, e.t)
          edges.add([e.node, e.peer!].sort().join(' '))
          break
        }
        // Links as they stood when the run ended (the stop's own link-downs excluded).
        case 'peer.link-down': if (e.reason !== 'shutdown') edges.delete([e.node, e.peer!].sort().join(' ')); break
        case 'gossip.created': created.set(e.id!, e); break
        case 'gossip.received': {
          arrivals.push([`${e.from}>${e.node} ${e.id}`, e.t])
          if (!receipts.has(e.id!)) receipts.set(e.id!, new Map())
          receipts.get(e.id!)!.set(e.node, e.t)
          break
        }
      }
    }
  }
  const allLinkedAt = firstLink.size === peers.length ? Math.max(...firstLink.values()) : NaN
  // Expected receivers of a message: peers linked when it was created, except its creator.
  // Latency over messages created after every peer linked, and separately over the launch storm.
  const after: number[] = []
  const storm: number[] = []
  let expected = 0
  let got = 0
  for (const [id, c] of created) {
    const r = receipts.get(id) ?? new Map<string, number>()
    let last = c.t
    let complete = true
    for (const [peer, t] of firstLink) {
      if (peer === c.node || t > c.t) continue
      expected++
      const at = r.get(peer)
      if (at === undefined) complete = false
      else {
        got++
        last = Math.max(last, at)
      }
    }
    if (!complete) continue
    if (c.t > allLinkedAt) after.push(last - c.t)
    else storm.push(last - c.t)
  }
  after.sort((a, b) => a - b)
  storm.sort((a, b) => a - b)
  // Delay error: measured hop minus the configured mean delay (with jitter, each message's
  // own draw is not recorded, so the error then includes the jitter itself).
  const hopErrors: number[] = []
  for (const [key, t] of arrivals) {
    const sent = sentAt.get(key)
    if (sent !== undefined) hopErrors.push(t - sent - link.delayMs)
  }
  hopErrors.sort((a, b) => a - b)
  // Hop delay of messages created after all linked (what latencyMs is made of): the
  // sender's gossip.forwarded (stamped when the line that caused it arrived) to the
  // receiver's gossip.received/duplicate (stamped when it arrived), between nodes of the
  // same process and of different processes.
  const hops = { all: [] as number[], same: [] as number[], other: [] as number[] }
  let phaseHops = 0
  for (const [key, t] of arrivals) {
    const sent = sentAt.get(key)
    if (sent === undefined) continue
    if (sent >= run.gossipPhase.from && sent <= run.gossipPhase.to) phaseHops++
    const id = key.slice(key.indexOf(' ') + 1)
    const c = created.get(id)
    if (!c || !(c.t > allLinkedAt)) continue
    const [from, to] = key.slice(0, key.indexOf(' ')).split('>') as [string, string]
    const delay = t - sent
    hops.all.push(delay)
    ;(pidOf.get(from) === pidOf.get(to) ? hops.same : hops.other).push(delay)
  }
  for (const xs of Object.values(hops)) xs.sort((a, b) => a - b)
  const hop = (xs: number[]) => ({ p50: quantile(xs, 0.5), p99: quantile(xs, 0.99), max: xs[xs.length - 1] ?? NaN, hops: xs.length })
  const sends = [...created.keys()].map((id) => forwards.get(id) ?? 0)
  const mems = [...peak.values()]
  const minutes = (run.endAt - run.launchedAt) / 60_000
  const nodes = seedNodes.length + peers.length
  const lat = (xs: number[]) => ({ p50: quantile(xs, 0.5), p99: quantile(xs, 0.99), max: xs[xs.length - 1] ?? NaN, count: xs.length })
  return {
    seeds: seedNodes.length,
    peers: peers.length,
    pack: opts.pack,
    processes: peak.size,
    topology: settings.topology,
    maxLinks: settings.maxLinks,
    timeScale: settings.timeScale,
    gossipMs: intervals.gossipMs,
    livenessMs: intervals.livenessMs,
    gossipCount: settings.gossipCount,
    launchConcurrency: opts.launchConcurrency,
    listeningS: run.launchedIn / 1000,
    allLinkedS: (allLinkedAt - run.launchedAt) / 1000,
    messages: created.size,
    coverage: (100 * got) / Math.max(1, expected),
    finished: run.finished,
    latencyMs: lat(after),
    launchStormLatencyMs: lat(storm),
    conditions: link,
    delayErrorMs: { p50: quantile(hopErrors, 0.5), p99: quantile(hopErrors, 0.99), min: hopErrors[0] ?? NaN, hops: hopErrors.length },
    hopDelayMs: { ...hop(hops.all), sameProcess: hop(hops.same), otherProcess: hop(hops.other) },
    hosts: hostFigures(run.gossipPhase, phaseHops),
    droppedByLoss: lost,
    meanSends: sum(sends) / Math.max(1, sends.length),
    floodingBound: 2 * edges.size - (peers.length - 1),
    links: edges.size,
    duplicates,
    startup: startup.figures(run.launchedAt),
    pssTotalMb: sum(mems.map((m) => m.pss)) / 1024,
    pssPerProcessMb: { median: quantile(mems.map((m) => m.pss / 1024).sort((a, b) => a - b), 0.5), max: Math.max(...mems.map((m) => m.pss / 1024)) },
    pssPerNodeMb: sum(mems.map((m) => m.pss)) / 1024 / nodes,
    rssTotalMb: sum(mems.map((m) => m.rss)) / 1024,
    privateTotalMb: sum(mems.map((m) => m.priv)) / 1024,
    cpuS: run.cpu.total,
    gossipCpuS: run.cpu.gossip,
    gossipCpuUserS: run.cpu.gossipUser,
    gossipCpuSystemS: run.cpu.gossipSystem,
    livenessCpuS: run.cpu.liveness,
    livenessPhaseS: run.cpu.livenessS,
    falseRemovals: run.removals,
    eventsBytesPerNodeMinute: { full: bytesFull / nodes / minutes, receipts: bytesReceipts / nodes / minutes },
    loadAverage: { mean1m: sum(loads) / Math.max(1, loads.length), max1m: Math.max(...loads), end: loadavg() },
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memGiB: totalmem() / 2 ** 30, node: process.version },
    nodeFlags: opts.nodeFlags,
  }
}

function print(r: ReturnType<typeof analyse>): void {
  const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a')
  const l = (x: { p50: number; p99: number; max: number; count: number }) => `${f(x.p50, 0)} / ${f(x.p99, 0)} / ${f(x.max, 0)} ms (${x.count} messages)`
  const st = (x: { p50: number; p90: number; max: number }) => `${f(x.p50, 2)} / ${f(x.p90, 2)} / ${f(x.max, 2)}`
  const l2 = (x: { p50: number; p99: number; max: number; hops: number }) => `${f(x.p50, 0)} / ${f(x.p99, 0)} / ${f(x.max, 0)} ms (${x.hops} hops)`
  const perHop = (x: Record<string, number>) =>
    `${f(x.cpuUs!, 1)}; ${f(x.inputs!, 2)}; ${f(x.socketReads!, 2)} / ${f(x.socketFlushes!, 2)} / ${f(x.socketLines!, 2)}; ${f(x.fileWrites!, 3)}; ${f(x.events!, 2)}; ${f(x.logLines!, 2)}`
  const rows: [string, string][] = [
    ['nodes', `${r.seeds} seeds + ${r.peers} peers in ${r.processes} processes (${r.pack > 1 ? `up to ${r.pack} per process` : 'one per node'}; ${r.topology}, max links ${r.maxLinks}), time scale ${r.timeScale}: gossip every ${r.gossipMs} ms, liveness every ${r.livenessMs} ms`],
    ['allLinkedS: first launch -> last peer\'s first link', `${f(r.allLinkedS, 2)} s (all listening after ${f(r.listeningS, 2)} s, ${r.launchConcurrency} launched at a time)`],
    ['startup p50 / p90 / max: first launch -> listening; then from listening: majority registered; first list; first link', `${st(r.startup.listeningS)}; ${st(r.startup.registeredS)}; ${st(r.startup.firstListS)}; ${st(r.startup.firstLinkS)} s (${r.startup.joinRetries} joins retried; ${f(r.startup.listsPerPeer)} lists per peer)`],
    ['messages created; coverage of peers linked at creation', `${r.messages}; ${f(r.coverage, 2)}%${r.finished ? '' : ' (timed out)'}`],
    ['latencyMs p50 / p99 / max, messages created after all linked', l(r.latencyMs)],
    ['same, messages created during the launch', l(r.launchStormLatencyMs)],
    ['conditions on every link (node flags)', `latency ${r.conditions.delayMs} ms, jitter ${r.conditions.jitterMs} ms, loss ${r.conditions.loss}${r.droppedByLoss > 0 ? ` (${r.droppedByLoss} messages dropped)` : ''}`],
    ['delayErrorMs p50 / p99 (measured hop − configured latency; min)', `${f(r.delayErrorMs.p50, 0)} / ${f(r.delayErrorMs.p99, 0)} ms (min ${f(r.delayErrorMs.min, 0)}; ${r.delayErrorMs.hops} hops)`],
    ['messages sent per gossip (mean) vs flooding bound 2E-(N-1)', `${f(r.meanSends)} vs ${r.floodingBound} (E = ${r.links}; ${r.duplicates} duplicates dropped)`],
    ['pssTotalMb / rssTotalMb / private, sum of each process\'s peak', `${f(r.pssTotalMb, 0)} / ${f(r.rssTotalMb, 0)} / ${f(r.privateTotalMb, 0)} MB`],
    ['pssPerProcessMb median / max; pssPerNodeMb', `${f(r.pssPerProcessMb.median)} / ${f(r.pssPerProcessMb.max)} MB over ${r.processes} processes; ${f(r.pssPerNodeMb, 2)} MB per node`],
    ['hopDelayMs p50 / p99 / max (hops of messages after all linked); same process; other process', `${l2(r.hopDelayMs)}; ${l2(r.hopDelayMs.sameProcess)}; ${l2(r.hopDelayMs.otherProcess)}`],
    ['cpuS all node processes; gossip phase (user + system); liveness phase', `${f(r.cpuS)} s; ${f(r.gossipCpuS)} s (${f(r.gossipCpuUserS)} + ${f(r.gossipCpuSystemS)}); ${f(r.livenessCpuS)} s over ${f(r.livenessPhaseS, 0)} s`],
    ['node hosts in the gossip phase: hosts.eluMax / eluMean; hosts.loopDelayMs p50 / p99 / max (worst host)', r.hosts.count === 0 ? 'no node hosts' : `${f(r.hosts.eluMax, 2)} / ${f(r.hosts.eluMean, 2)}; ${f(r.hosts.loopDelayMs.p50)} / ${f(r.hosts.loopDelayMs.p99)} / ${f(r.hosts.loopDelayMs.max)} ms`],
    ['hosts.gc in the gossip phase, all hosts: minor (count, ms); major (count, ms)', r.hosts.count === 0 ? 'no node hosts' : `${r.hosts.gc.minor}, ${f(r.hosts.gc.minorMs, 0)} ms; ${r.hosts.gc.major}, ${f(r.hosts.gc.majorMs, 0)} ms`],
    ['hosts.memoryMb at the end of gossip, all hosts: rss / heapTotal / heapUsed / external', r.hosts.count === 0 ? 'no node hosts' : `${f(r.hosts.memoryMb.rss, 0)} / ${f(r.hosts.memoryMb.heapTotal, 0)} / ${f(r.hosts.memoryMb.heapUsed, 0)} / ${f(r.hosts.memoryMb.external, 0)} MB`],
    ['hosts.perHop: CPU µs; inputs; socket reads / flushes / lines; file writes; events; log lines', r.hosts.count === 0 ? 'no node hosts' : perHop(r.hosts.perHop)],
    ['falseRemovals (live peers removed by a seed)', String(r.falseRemovals)],
    ['events file bytes per node-minute: full / receipts level', `${f(r.eventsBytesPerNodeMinute.full, 0)} / ${f(r.eventsBytesPerNodeMinute.receipts, 0)}`],
  ]
  console.log('| metric | value |\n|---|---|')
  for (const [k, v] of rows) console.log(`| ${k} | ${v} |`)
  console.log(
    `\nMachine: ${r.machine.cpu}, ${r.machine.cores} cores, ${f(r.machine.memGiB)} GiB, Node ${r.machine.node}; ` +
      `load average (1 min) mean ${f(r.loadAverage.mean1m)}, max ${f(r.loadAverage.max1m)}, at end ${r.loadAverage.end.map((x) => x.toFixed(1)).join(' ')}; node flags: ${r.nodeFlags || '(none)'}`,
  )
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void net.killAll().then(() => (programs.remove(), process.exit(130))))
}
main().catch(async (e) => {
  console.error(`bench-nodes: ${(e as Error).message}`)
  await net.killAll()
  programs.remove()
  process.exit(1)
})
