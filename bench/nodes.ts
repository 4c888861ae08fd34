import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Command } from 'commander'
import { Cluster, type ClusterNode, snapshotPrograms } from '../electron/nodes/cluster'
import { DEFAULT_SETTINGS, type ProtocolSettings, TOPOLOGIES, type Topology, scaledIntervals } from '../shared/settings-core'

/**
 * Node benchmark: S seeds + N peers as real processes (each on its own 127.x address),
 * all peers launched at once. Nodes write their events to files; while they run this
 * process only counts `gossip.created` in the new bytes (no JSON parsing) to know when
 * gossip is over, and samples memory from /proc. Everything else is computed afterwards
 * from the events files. Prints a Markdown table and the machine it ran on.
 *
 *   npm run bench:nodes -- --seeds 3 --peers 100 --time-scale 0.05
 */

const program = new Command('bench-nodes')
  .option('--seeds <n>', 'seed processes', (v) => parseInt(v, 10), 3)
  .option('--peers <n>', 'peer processes', (v) => parseInt(v, 10), 100)
  .option('--time-scale <x>', 'time scale of every node', Number, 0.05)
  .option('--gossip-count <n>', 'messages per peer', (v) => parseInt(v, 10), DEFAULT_SETTINGS.gossipCount)
  .option('--topology <kind>', TOPOLOGIES.join('|'), DEFAULT_SETTINGS.topology)
  .option('--node-flags <flags>', 'flags for every node process', '--max-semi-space-size=1 --max-old-space-size=64')
  .option('--launch-concurrency <n>', 'peers starting at the same time', (v) => parseInt(v, 10), 8)
  .option('--timeout <s>', 'stop waiting for gossip this many seconds after the last launch', Number, 180)
  .option('--keep', 'keep the temporary folder with all logs and events')
  .parse()
const opts = program.opts<{
  seeds: number; peers: number; timeScale: number; gossipCount: number; topology: Topology
  nodeFlags: string; launchConcurrency: number; timeout: number; keep?: boolean
}>()

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
// This file runs as out/main/bench-nodes.js, next to seed.js and peer.js.
const programs = snapshotPrograms(fileURLToPath(new URL('.', import.meta.url)))
const cluster = new Cluster({
  programs: programs.dir,
  dir,
  settings,
  events: 'file',
  nodeFlags: opts.nodeFlags.split(' ').filter((f) => f !== ''),
})
const eventsPath = (n: ClusterNode) => join(n.logDir, `${n.role}-${n.address.ip}_${n.address.port}.events.ndjson`)

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

/** Private (Private_Clean + Private_Dirty) and resident memory in kB. */
function memory(pid: number): { priv: number; rss: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8')
    const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(text)?.[1] ?? 0)
    return { priv: kb('Private_Clean') + kb('Private_Dirty'), rss: kb('Rss') }
  } catch {
    return null
  }
}

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100 // utime + stime, in USER_HZ (100/s)
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN
const median = (xs: number[]) => quantile([...xs].sort((a, b) => a - b), 0.5)

async function main(): Promise<void> {
  const seeds = Array.from({ length: opts.seeds }, (_, i) => ({ ip: `127.${block}.1.${i + 1}`, port: 7301 }))
  cluster.writeConfig(seeds)
  const seedNodes = await Promise.all(seeds.map((a) => cluster.start('seed', a)))
  // node.started is the first event a node writes, once it listens.
  const started = (n: ClusterNode) => existsSync(eventsPath(n)) && statSync(eventsPath(n)).size > 0
  const waitStarted = async (n: ClusterNode) => {
    const limit = Date.now() + 120_000
    while (!started(n)) {
      if (n.proc.exitCode !== null || n.proc.signalCode !== null) throw new Error(`${n.id} exited: ${n.stderr.trim()}`)
      if (Date.now() > limit) throw new Error(`${n.id} did not start within 120 s`)
      await sleep(5)
    }
  }
  await Promise.all(seedNodes.map(waitStarted))

  // Peers are launched a few at a time: starting a Node process costs ~0.2 s of CPU, and
  // 100 at once starve the running peers' liveness replies; one at a time is slow because
  // every running peer already costs ~1% CPU in liveness rounds at time scale 0.05.
  const launchedAt = Date.now()
  const peers: ClusterNode[] = []
  const peak = new Map<ClusterNode, { priv: number; rss: number }>()
  const sample = () => {
    for (const node of [...seedNodes, ...peers]) {
      const m = memory(node.proc.pid!)
      const p = peak.get(node) ?? { priv: 0, rss: 0 }
      if (m) peak.set(node, { priv: Math.max(p.priv, m.priv), rss: Math.max(p.rss, m.rss) })
    }
  }
  const sampler = setInterval(sample, 500)
  let next = 0
  const launcher = async () => {
    while (next < opts.peers) {
      const i = next++
      const ip = `127.${block}.${2 + Math.floor(i / 250)}.${(i % 250) + 1}`
      const node = await cluster.start('peer', { ip, port: 7302 })
      peers.push(node)
      await waitStarted(node)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, opts.launchConcurrency) }, launcher))
  const launchedIn = Date.now() - launchedAt
  const all = [...seedNodes, ...peers]
  const tails = new Map(peers.map((p) => [p, new Tail(eventsPath(p))]))
  const created = new Map(peers.map((p) => [p, 0]))
  const deadline = Date.now() + opts.timeout * 1000
  let doneAt: number | null = null
  while (Date.now() < deadline) {
    for (const [peer, tail] of tails) created.set(peer, created.get(peer)! + occurrences(tail.read(), '"type":"gossip.created"'))
    if (doneAt === null && peers.every((p) => created.get(p)! >= settings.gossipCount)) doneAt = Date.now()
    // Settle: the last messages need a few hops; a second is hundreds of hop times.
    if (doneAt !== null && Date.now() - doneAt > 1000 + intervals.gossipMs) break
    await sleep(500)
  }
  clearInterval(sampler)
  sample()
  const cpu = new Map(all.map((n) => [n, cpuSeconds(n.proc.pid!)]))
  for (const node of all) node.proc.kill('SIGTERM')
  await Promise.all(all.map((n) => n.exited))
  report(seedNodes, peers, launchedAt, launchedIn, peak, cpu, doneAt !== null)
  programs.remove()
  if (opts.keep) console.log(`\nLogs and events: ${dir}`)
  else rmSync(dir, { recursive: true, force: true })
}

type Ev = { type: string; t: number; node: string; id?: string; peer?: string; initiator?: boolean; reason?: string }

function report(
  seedNodes: ClusterNode[], peers: ClusterNode[], launchedAt: number, launchedIn: number,
  peak: Map<ClusterNode, { priv: number; rss: number }>, cpu: Map<ClusterNode, number>, finished: boolean,
): void {
  const firstLink = new Map<string, number>()
  const created = new Map<string, Ev>()
  const receipts = new Map<string, Map<string, number>>()
  const forwards = new Map<string, number>()
  const edges = new Set<string>()
  let duplicates = 0
  for (const peer of peers) {
    for (const line of readFileSync(eventsPath(peer), 'utf8').split('\n')) {
      if (line === '') continue
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
          if (!receipts.has(e.id!)) receipts.set(e.id!, new Map())
          receipts.get(e.id!)!.set(e.node, e.t)
          break
        }
        case 'gossip.forwarded': forwards.set(e.id!, (forwards.get(e.id!) ?? 0) + 1); break
        case 'gossip.duplicate': duplicates++; break
      }
    }
  }
  const linkedAll = firstLink.size === peers.length ? Math.max(...firstLink.values()) - launchedAt : NaN
  // Expected receivers of a message: peers linked when it was created, except its creator.
  const latencies: number[] = []
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
    if (complete) latencies.push(last - c.t)
  }
  latencies.sort((a, b) => a - b)
  const n = peers.length
  const bound = 2 * edges.size - (n - 1)
  const sends = [...created.keys()].map((id) => forwards.get(id) ?? 0)
  const meanSends = sends.reduce((a, b) => a + b, 0) / Math.max(1, sends.length)
  const none = { priv: NaN, rss: NaN }
  const peerPriv = peers.map((p) => (peak.get(p) ?? none).priv / 1024)
  const peerRss = peers.map((p) => (peak.get(p) ?? none).rss / 1024)
  const seedPriv = seedNodes.map((p) => (peak.get(p) ?? none).priv / 1024)
  const peerCpu = peers.map((p) => cpu.get(p)!)
  const seedCpu = seedNodes.map((p) => cpu.get(p)!)
  const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a')
  const rows: [string, string][] = [
    ['nodes', `${seedNodes.length} seeds + ${n} peers (${settings.topology}, max links ${settings.maxLinks}), time scale ${settings.timeScale}: gossip every ${intervals.gossipMs} ms, liveness every ${intervals.livenessMs} ms`],
    ["time to all linked (first launch -> last peer's first link)", `${f(linkedAll / 1000, 2)} s (all ${n} processes listening after ${f(launchedIn / 1000, 2)} s, ${opts.launchConcurrency} launched at a time)`],
    ['messages created / delivered to expected receivers', `${created.size} / coverage ${f((100 * got) / Math.max(1, expected), 2)}%${finished ? '' : ' (timed out)'}`],
    ['dissemination latency p50 / p99 / max (created -> last expected receipt)', `${quantile(latencies, 0.5)} / ${quantile(latencies, 0.99)} / ${latencies[latencies.length - 1] ?? 'n/a'} ms`],
    ['messages sent per gossip (mean) vs flooding bound 2E-(N-1)', `${f(meanSends)} vs ${bound} (E = ${edges.size} links at the end; ${duplicates} duplicates dropped)`],
    ['peak private memory per peer, median / max', `${f(median(peerPriv))} / ${f(Math.max(...peerPriv))} MB`],
    ['peak RSS per peer, median / max', `${f(median(peerRss))} / ${f(Math.max(...peerRss))} MB`],
    ['peak private memory per seed, max', `${f(Math.max(...seedPriv))} MB`],
    ['CPU per peer, median / max; all seeds', `${f(median(peerCpu), 2)} / ${f(Math.max(...peerCpu), 2)} s; ${f(seedCpu.reduce((a, b) => a + b, 0), 2)} s`],
    ['CPU, all nodes', `${f([...peerCpu, ...seedCpu].reduce((a, b) => a + b, 0), 1)} s`],
  ]
  console.log('| metric | value |\n|---|---|')
  for (const [k, v] of rows) console.log(`| ${k} | ${v} |`)
  const cpuInfo = cpus()
  console.log(
    `\nMachine: ${cpuInfo[0]?.model ?? 'unknown CPU'}, ${cpuInfo.length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ` +
      `Node ${process.version}, load average at end ${loadavg().map((l) => l.toFixed(1)).join(' ')}; node flags: ${opts.nodeFlags || '(none)'}`,
  )
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void cluster.killAll().then(() => (programs.remove(), process.exit(130))))
}
main().catch(async (e) => {
  console.error(`bench-nodes: ${(e as Error).message}`)
  await cluster.killAll()
  programs.remove()
  process.exit(1)
})
