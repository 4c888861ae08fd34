import { writeFileSync, mkdtempSync, rmSync, readFileSync } from 'node:fs'
import { type Server, type Socket, connect, createServer } from 'node:net'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { join, resolve } from 'node:path'
import { Command } from 'commander'
import { LocalNetwork, type NetNode, snapshotPrograms } from '../electron/host/local-network'
import { DEFAULT_SETTINGS, type ProtocolSettings } from '../shared/settings-core'

/**
 * Security soak (docs/security.md): 3 seeds + 20 honest peers gossip for --duration-s
 * while every attack of the threat model runs against them at once:
 *   hijack    Register for live peers from their own IP, then forged Dead Node reports
 *   poison    registrations of addresses nobody listens on; two sink listeners that answer
 *             probes and Hello, claim degree 999999 and drop all gossip
 *   overflow  registrations of many ports from one IP
 *   lockout   1000 connections from 20 IPs, each a report channel (Hello), held open
 *   flood     two fake neighbours sending invented gossip as fast as the peers read it
 * Five more honest peers join during the attacks. Reports joins completed, coverage of
 * honest messages, false removals (a live honest peer removed by a seed) and peak RSS per
 * node, with the machine and load average. Not part of `npm test`.
 *
 *   npm run bench:security -- [--duration-s 120] [--json out.json]
 */

const program = new Command('bench-security')
  .option('--duration-s <s>', 'seconds of attack', Number, 120)
  .option('--json <path>', 'also write the figures as JSON')
  .parse()
const opts = program.opts<{ durationS: number; json?: string }>()

// Gossip every second for the whole run; liveness every 2.6 s, a seed verifies in 5.2 s.
const settings: ProtocolSettings = { ...DEFAULT_SETTINGS, timeScale: 0.2, gossipCount: Math.max(10, Math.floor(opts.durationS * 0.8)) }
const block = 100 + Math.floor(Math.random() * 150)
const at = (c: number, d: number) => `127.${block}.${c}.${d}`
const seedAddresses = [1, 2, 3].map((i) => ({ ip: at(1, i), port: 7301 }))
const HONEST = 20
const LATE = 5

const dir = mkdtempSync(join(tmpdir(), 'gossipscope-bench-security-'))
const programs = snapshotPrograms(resolve('out/main'))
const net = new LocalNetwork({ programs: programs.dir, dir, settings })
const sockets: Socket[] = []
const servers: Server[] = []
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
let stopping = false

function raw(to: { ip: string; port: number }, localAddress: string): Promise<Socket | null> {
  return new Promise((done) => {
    const socket = connect({ host: to.ip, port: to.port, localAddress })
    socket.on('error', () => done(null))
    socket.on('data', () => {})
    socket.once('connect', () => {
      sockets.push(socket)
      done(socket)
    })
  })
}

/** A listener that answers Liveness Requests and Hello and drops everything else. */
function sink(ip: string, port: number): Promise<void> {
  return new Promise((ready) => {
    const server = createServer((socket) => {
      sockets.push(socket)
      socket.on('error', () => {})
      let rest = ''
      socket.on('data', (d) => {
        const lines = (rest + d.toString()).split('\n')
        rest = lines.pop()!
        for (const line of lines) {
          const request = /^Liveness Request:(\d+):(.*)$/.exec(line)
          if (request) socket.write(`Liveness Reply:${request[1]}:${request[2]}:${ip}\n`)
          if (line.startsWith('Hello:')) socket.write(`Hello:${ip}:${port}\n`)
        }
      })
    })
    servers.push(server)
    server.listen(port, ip, () => ready())
  })
}

const honest: NetNode[] = []
const rss = new Map<string, number>()
function sampleRss(): void {
  for (const node of [...net.nodes.values()]) {
    const pid = node.managed.process.pid
    if (!pid) continue
    try {
      const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN)
      if (kb > (rss.get(node.id) ?? 0)) rss.set(node.id, kb)
    } catch {
      // ended
    }
  }
}

async function attackLoops(): Promise<void> {
  // Sinks register with every seed and claim a huge degree.
  const sinks = [1, 2].map((i) => ({ ip: at(60, i), port: 9000 }))
  for (const s of sinks) {
    await sink(s.ip, s.port)
    for (const seed of seedAddresses) {
      const c = await raw(seed, s.ip)
      c?.write(`Register:${s.ip}:${s.port}\n`)
      setTimeout(() => c?.write(`Degree:${s.ip}:${s.port}:999999\n`), 2_000)
    }
  }
  // Lock-out: 1000 report channels held open.
  for (let ip = 1; ip <= 20; ip++) {
    for (let k = 0; k < 50; k++) {
      const c = await raw(seedAddresses[ip % 3]!, at(61, ip))
      c?.write(`Hello:${at(61, ip)}:${10_000 + k}\n`)
    }
  }
  // Fake neighbours flooding invented gossip, 5,000 lines/s each (the attack found in
  // review): the first with origin 10.9.9.9 (reconnecting whenever it is cut off), the
  // second with plausible loopback origins only.
  const flood = async (target: NetNode, ip: string, origin: (n: number) => string) => {
    let n = 0
    while (!stopping) {
      const c = await raw(target.address, ip)
      if (!c) return
      c.write(`Hello:${ip}:9000\n`)
      await new Promise<void>((done) => {
        const timer = setInterval(() => {
          if (stopping || c.destroyed) {
            clearInterval(timer)
            return done()
          }
          if (c.writableLength > 1 << 20) return
          const lines: string[] = []
          for (let k = 0; k < 50; k++, n++) lines.push(`${Date.now()}:${origin(n)}:${n + 1}`)
          c.write(lines.join('\n') + '\n')
        }, 10)
        c.once('close', () => {
          clearInterval(timer)
          done()
        })
      })
      await sleep(500)
    }
  }
  void flood(honest[0]!, at(62, 1), () => '10.9.9.9')
  void flood(honest[1]!, at(62, 2), (n) => at(63, (n % 250) + 1))
  // Hijack, poisoning and overflow, repeated until the end.
  let round = 0
  while (!stopping) {
    round++
    const victim = honest[round % honest.length]!
    for (const seed of seedAddresses) {
      const hijack = await raw(seed, victim.address.ip)
      hijack?.write(`Register:${victim.id}\n`)
      const liar = await raw(seed, at(64, (round % 200) + 1))
      liar?.write(`Dead Node:${victim.id}:${Date.now()}:${at(64, 1)}\n`)
      setTimeout(() => liar?.destroy(), 1_000)
    }
    for (let k = 0; k < 10; k++) {
      const ip = at(65, ((round * 10 + k) % 250) + 1)
      const c = await raw(seedAddresses[k % 3]!, ip)
      c?.write(`Register:${ip}:9000\n`)
    }
    for (let k = 0; k < 20; k++) {
      const c = await raw(seedAddresses[round % 3]!, at(66, 1))
      c?.write(`Register:${at(66, 1)}:${(round * 20 + k) % 60_000 + 1}\n`)
      setTimeout(() => c?.destroy(), 3_000)
    }
    await sleep(2_000)
  }
}

async function main(): Promise<void> {
  net.writeConfig(seedAddresses)
  const seeds = await Promise.all(seedAddresses.map((a) => net.start('seed', a, 60_000)))
  // Generous start timeouts: the machine may be loaded (the load average is in the table).
  for (let i = 1; i <= HONEST; i++) honest.push(await net.start('peer', { ip: at(2, i), port: 7302 }, 60_000))
  const sampler = setInterval(sampleRss, 1_000)
  const loads: number[] = []
  const loadSampler = setInterval(() => loads.push(loadavg()[0]!), 5_000)
  const started = Date.now()
  const attacks = attackLoops()
  for (let i = 1; i <= LATE; i++) {
    await sleep((opts.durationS * 1000) / (2 * LATE))
    honest.push(await net.start('peer', { ip: at(3, i), port: 7302 }, 60_000))
  }
  await sleep(Math.max(0, started + opts.durationS * 1000 - Date.now()))
  stopping = true
  await attacks
  clearInterval(sampler)
  clearInterval(loadSampler)
  sampleRss()

  const honestIds = new Set(honest.map((p) => p.id))
  const joined = honest.filter((p) => p.events.filter((e) => e.type === 'peer.registered').length >= 2 && p.events.some((e) => e.type === 'peer.link-up'))
  const created = honest.flatMap((p) => p.events.filter((e) => e.type === 'gossip.created').map((e) => ({ id: String(e.id), node: p.id, t: e.t })))
  const received = new Map<string, Set<string>>()
  for (const p of honest) for (const e of p.events) if (e.type === 'gossip.received') (received.get(String(e.id)) ?? received.set(String(e.id), new Set()).get(String(e.id))!).add(p.id)
  let expected = 0
  let got = 0
  for (const m of created) {
    // Honest peers that were running when it was created, other than its creator.
    const audience = honest.filter((p) => p.id !== m.node && (p.events[0]?.t ?? Infinity) <= m.t)
    expected += audience.length
    got += audience.filter((p) => received.get(m.id)?.has(p.id)).length
  }
  const falseRemovals = seeds.flatMap((s) => s.events.filter((e) => e.type === 'seed.peer-removed' && honestIds.has(String(e.peer))))
  const forged = honest.reduce((n, p) => n + p.events.filter((e) => e.type === 'gossip.received' && /:(10\.9\.9\.9|127\.\d+\.63\.\d+):/.test(String(e.text))).length, 0)
  const peak = (ids: string[]) => ids.map((id) => rss.get(id) ?? 0)
  const seedRss = peak(seeds.map((s) => s.id))
  const peerRss = peak(honest.map((p) => p.id))
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0
  const result = {
    durationS: opts.durationS,
    joins: { completed: joined.length, total: honest.length },
    coverage: expected === 0 ? 0 : got / expected,
    honestMessages: created.length,
    forgedMessagesAccepted: forged,
    falseRemovals: falseRemovals.length,
    peakRssKb: { seedMax: Math.max(...seedRss), seedMedian: median(seedRss), peerMax: Math.max(...peerRss), peerMedian: median(peerRss) },
    loadAverage: { mean1m: loads.reduce((a, b) => a + b, 0) / Math.max(1, loads.length), max1m: Math.max(...loads) },
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memGiB: totalmem() / 2 ** 30, node: process.version },
  }
  const mb = (kb: number) => (kb / 1024).toFixed(0)
  console.log(`\n| Figure | Value |\n|---|---|`)
  console.log(`| attack time | ${opts.durationS} s (3 seeds, ${HONEST} + ${LATE} late honest peers, time scale ${settings.timeScale}) |`)
  console.log(`| joins completed | ${joined.length} / ${honest.length} |`)
  console.log(`| coverage of honest messages | ${(100 * result.coverage).toFixed(2)} % of ${created.length} messages × peers running |`)
  console.log(`| receipts of invented messages by honest peers (plausible 127.x origins; 10.9.9.9: none possible) | ${forged} |`)
  console.log(`| false removals | ${falseRemovals.length} |`)
  console.log(`| peak RSS, seeds | max ${mb(result.peakRssKb.seedMax)} MB, median ${mb(result.peakRssKb.seedMedian)} MB |`)
  console.log(`| peak RSS, honest peers | max ${mb(result.peakRssKb.peerMax)} MB, median ${mb(result.peakRssKb.peerMedian)} MB |`)
  console.log(
    `\nMachine: ${result.machine.cpu}, ${result.machine.cores} cores, ${result.machine.memGiB.toFixed(1)} GiB, Node ${result.machine.node}; ` +
      `load average (1 min) mean ${result.loadAverage.mean1m.toFixed(1)}, max ${result.loadAverage.max1m.toFixed(1)}`,
  )
  if (opts.json) writeFileSync(opts.json, JSON.stringify(result, null, 2))
}

main()
  .catch((e) => {
    console.error(e)
    process.exitCode = 1
  })
  .finally(async () => {
    stopping = true
    for (const s of sockets) s.destroy()
    for (const s of servers) s.close()
    await net.killAll()
    programs.remove()
    rmSync(dir, { recursive: true, force: true })
  })
