/**
 * Replay benchmark (`npm run bench:replay`): builds a synthetic 1,000,000-event session
 * (100 peers, 3 seeds, gossip + liveness + kills; shared/model/synthetic.ts), indexes it,
 * and measures index build time, heap used, and the time of random seeks by seq and by
 * time. Prints a Markdown table and the machine it ran on. Target: every seek < 100 ms.
 */
import { cpus, loadavg, totalmem } from 'node:os'
import { performance } from 'node:perf_hooks'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { syntheticSession } from '../shared/model/synthetic'
import { ReplayIndex } from '../shared/model/timeline'
import { seededRandom } from '../shared/protocol/rng'

const TARGET = Number(process.env.REPLAY_EVENTS ?? 1_000_000)
const SEEKS = 300

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

function heapMb(): number {
  gc()
  return process.memoryUsage().heapUsed / 2 ** 20
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

const genStart = performance.now()
// About 600 events per broadcast among 100 peers: 19 messages each gives > 1M, cut there.
const events = syntheticSession({ seeds: 3, peers: 100, gossipCount: 19, kills: 5, rngSeed: 7, maxEvents: TARGET })
const genMs = performance.now() - genStart
if (events.length < TARGET) throw new Error(`synthetic session too short: ${events.length} events`)

const heapBefore = heapMb()
const buildStart = performance.now()
const index = new ReplayIndex(events)
const buildMs = performance.now() - buildStart
const heapAfter = heapMb()

const random = seededRandom(42)
/** Wall time (what a user waits) and this process's CPU time (the work, GC included; immune to other jobs) per seek. */
function measure(seek: () => void): { wall: number[]; cpu: number[] } {
  const wall: number[] = []
  const cpu: number[] = []
  for (let i = 0; i < SEEKS; i++) {
    const start = performance.now()
    const startCpu = process.cpuUsage()
    seek()
    const used = process.cpuUsage(startCpu)
    wall.push(performance.now() - start)
    cpu.push((used.user + used.system) / 1000)
  }
  return { wall: wall.sort((a, b) => a - b), cpu: cpu.sort((a, b) => a - b) }
}
const load = loadavg()[0]!
const bySeq = measure(() => index.stateAt(1 + Math.floor(random() * index.lastSeq)))
const span = index.endT - index.startT
const byTime = measure(() => index.stateAtTime(index.startT + random() * span))
const final = index.stateAt(index.lastSeq)

const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU'
const row = (name: string, t: number[]): string =>
  `| ${name} | ${percentile(t, 50).toFixed(1)} | ${percentile(t, 99).toFixed(1)} | ${t[t.length - 1]!.toFixed(1)} |`

console.log(
  `Machine: ${cpu}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}; ` +
    `load average ${load.toFixed(1)} when the seeks started`,
)
console.log(
  `Session: ${events.length.toLocaleString('en')} events, ${final.nodes.size} nodes, ${final.messages.size} messages, ` +
    `${final.failures.length} kills, ${((span) / 1000).toFixed(1)} s of session time (generated in ${(genMs / 1000).toFixed(1)} s)`,
)
console.log('')
console.log('| Measure | Value |')
console.log('|---|---|')
console.log(`| Index build | ${(buildMs / 1000).toFixed(2)} s (${Math.round(events.length / (buildMs / 1000)).toLocaleString('en')} events/s) |`)
console.log(`| Heap: events | ${heapBefore.toFixed(0)} MB |`)
console.log(`| Heap: index (snapshots every ${index.snapshotEvery.toLocaleString('en')} events) | +${(heapAfter - heapBefore).toFixed(0)} MB |`)
console.log('')
console.log(`| Seek (${SEEKS} random) | p50 ms | p99 ms | max ms |`)
console.log('|---|---|---|---|')
console.log(row('by seq, wall', bySeq.wall))
console.log(row('by time, wall', byTime.wall))
console.log(row('by seq, CPU', bySeq.cpu))
console.log(row('by time, CPU', byTime.cpu))
const worst = Math.max(bySeq.wall[SEEKS - 1]!, byTime.wall[SEEKS - 1]!)
const worstCpu = Math.max(bySeq.cpu[SEEKS - 1]!, byTime.cpu[SEEKS - 1]!)
console.log('')
console.log(
  worst < 100
    ? `OK: every seek under 100 ms (max ${worst.toFixed(1)} ms wall, ${worstCpu.toFixed(1)} ms CPU)`
    : `SLOW: max seek ${worst.toFixed(1)} ms wall (${worstCpu.toFixed(1)} ms CPU)${load > cpus().length ? ': the machine is busy with other jobs' : ''}`,
)
process.exitCode = worst < 100 ? 0 : 1
