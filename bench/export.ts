/**
 * Export benchmark (`npm run bench:export`): two exports of one big session asked at the
 * same moment, as two browser tabs would, measured in a host process of their own: its
 * peak RSS (process.resourceUsage().maxRSS: the main thread and the export worker), the
 * longest event-loop block (perf_hooks.monitorEventLoopDelay, 10 ms resolution), wall and
 * CPU time, and the load average. Prints a Markdown table and the machine; `--json PATH`
 * writes the rows.
 *
 *   npm run bench:export -- [--events 2000000] [--dir DIR] [--before REV] [--json PATH]
 *
 * --events N   size of the generated session (a synthetic 100-peer session, shared/model/synthetic.ts,
 *              with every node's log and own events file, as the host records it)
 * --dir DIR    where the session is generated (kept and reused when it already holds N events)
 * --before REV also measure the export of git revision REV (its electron/host/export.ts,
 *              run in the host's thread; before issue 11 the two ran at once, so they do here)
 */
import { execFileSync, spawn } from 'node:child_process'
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, type WriteStream } from 'node:fs'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { join, resolve } from 'node:path'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { Command } from 'commander'
import type { SessionEvent } from '../shared/events'
import type { ExportRequest, ExportResult } from '../shared/ipc'
import { syntheticSession } from '../shared/model/synthetic'
import { DEFAULT_SETTINGS } from '../shared/settings'

const root = resolve(import.meta.dirname, '..')

interface Row {
  exporter: string
  events: number
  sessionMb: number
  wallS: number
  cpuS: number
  peakRssMb: number
  maxBlockMs: number
  p99BlockMs: number
  zipMb: number[]
  order: string
  load: [number, number]
  error?: string
}

// ---------- generation (its own process: the generator's memory is not the host's) ----------

const stamp = (t: number): string => new Date(t).toISOString().replace('T', ' ').replace('Z', '')

async function write(out: WriteStream, text: string): Promise<void> {
  if (!out.write(text)) await new Promise<void>((r) => out.once('drain', () => r()))
}

async function generate(dir: string, target: number): Promise<void> {
  const settings = { ...DEFAULT_SETTINGS, timeScale: 0.05 }
  // About 600 events per broadcast among 100 peers.
  const events: SessionEvent[] = syntheticSession({ seeds: 3, peers: 100, gossipCount: Math.ceil(target / 55_000), kills: 5, rngSeed: 7, maxEvents: target, settings })
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(join(dir, 'logs'), { recursive: true })
  const seeds = [...new Set(events.filter((e) => e.type === 'node.started' && e.role === 'seed').map((e) => e.node))]
  writeFileSync(join(dir, 'session.json'), `${JSON.stringify({ version: 1, id: 'bench', startedAt: events[0]!.t, settings, seeds }, null, 2)}\n`)
  writeFileSync(join(dir, 'config.txt'), `${seeds.join('\n')}\n`)
  const all = createWriteStream(join(dir, 'events.ndjson'))
  const files = new Map<string, { log: WriteStream; own: WriteStream }>()
  for (const e of events) {
    await write(all, `${JSON.stringify(e)}\n`)
    if (e.type.startsWith('host.')) continue
    let f = files.get(e.node)
    if (!f) {
      const role = seeds.includes(e.node) ? 'seed' : 'peer'
      const name = e.node.replace(':', '_')
      mkdirSync(join(dir, 'logs', name))
      f = { log: createWriteStream(join(dir, 'logs', name, `${role}_network.log`)), own: createWriteStream(join(dir, 'logs', name, `${role}-${name}.events.ndjson`)) }
      files.set(e.node, f)
    }
    const { seq: _seq, ...own } = e
    await write(f.log, `${stamp(e.t)} [${e.node}] ${e.type}\n`)
    await write(f.own, `${JSON.stringify(own)}\n`)
  }
  const streams = [all, ...[...files.values()].flatMap((f) => [f.log, f.own])]
  await Promise.all(streams.map((s) => new Promise((r) => s.end(r))))
  writeFileSync(join(dir, 'bench.json'), JSON.stringify({ events: events.length }))
}

// ---------- measurement (the "host": its own process) ----------

type Exporter = (dir: string, request: ExportRequest, out: string) => Promise<ExportResult>

async function measure(kind: string, dir: string, outDir: string, moduleDir: string): Promise<void> {
  let exportTwice: () => Promise<Array<ExportResult>>
  const request: ExportRequest = { format: 'zip' }
  const order: string[] = []
  if (kind === 'after') {
    // The host's way: the export queue and a worker thread per export (electron/host/host.ts).
    const { ExportQueue } = await import('../electron/host/export-queue')
    const { workerExporter } = await import('../electron/host/export-runner')
    const queue = new ExportQueue()
    const exporter = workerExporter({ script: join(root, 'out/main/export-worker.js') })
    const one = (name: string): Promise<ExportResult> =>
      queue.run(async () => {
        order.push(`${name} start`)
        const result = await exporter(dir, request, join(outDir, `${name}.zip`))
        order.push(`${name} end`)
        return result
      })
    exportTwice = () => Promise.all([one('a'), one('b')])
  } else {
    // An older export.ts, run in this thread, both at once (as the host did before issue 11).
    const { exportSession } = (await import(join(moduleDir, 'electron/host/export.ts'))) as { exportSession: Exporter }
    const one = async (name: string): Promise<ExportResult> => {
      order.push(`${name} start`)
      const result = await exportSession(dir, request, join(outDir, `${name}.zip`))
      order.push(`${name} end`)
      return result
    }
    exportTwice = () => Promise.all([one('a'), one('b')])
  }
  const histogram = monitorEventLoopDelay({ resolution: 10 })
  histogram.enable()
  const load0 = loadavg()[0]!
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  let error: string | undefined
  let results: ExportResult[] = []
  try {
    results = await exportTwice()
  } catch (e) {
    error = (e as Error).message
  }
  const wallS = (performance.now() - t0) / 1000
  histogram.disable()
  const cpu = process.cpuUsage(cpu0)
  const row: Omit<Row, 'exporter' | 'events' | 'sessionMb'> = {
    wallS,
    cpuS: (cpu.user + cpu.system) / 1e6,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    maxBlockMs: histogram.max / 1e6,
    p99BlockMs: histogram.percentile(99) / 1e6,
    zipMb: results.map((r) => r.bytes / 2 ** 20),
    order: order.join(', '),
    load: [load0, loadavg()[0]!],
    ...(error ? { error } : {}),
  }
  process.stdout.write(`RESULT ${JSON.stringify(row)}\n`)
}

// ---------- driver ----------

function runChild(args: string[], heapMb?: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const node = [...(heapMb ? [`--max-old-space-size=${heapMb}`] : []), '--import', 'tsx', join(root, 'bench/export.ts'), ...args]
    const child = spawn(process.execPath, node, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (t: string) => (out += t))
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 || out.includes('RESULT ') ? resolvePromise(out) : reject(new Error(`${args[0]} exited with code ${code}`))))
  })
}

function mb(path: string): number {
  return Number(execFileSync('du', ['-sm', path], { encoding: 'utf8' }).split('\t')[0])
}

async function main(): Promise<void> {
  const program = new Command('bench:export')
    .option('--events <n>', 'events in the generated session', (v) => Number(v), 2_000_000)
    .option('--dir <dir>', 'where the session is generated', join(tmpdir(), 'gossipscope-bench-export'))
    .option('--before <rev>', 'also measure the export.ts of this git revision')
    .option('--json <path>', 'write the rows as JSON')
    .parse(process.argv)
  const opts = program.opts<{ events: number; dir: string; before?: string; json?: string }>()
  const sessionDir = join(resolve(opts.dir), 'session')
  const meta = join(sessionDir, 'bench.json')
  const have = existsSync(meta) ? (JSON.parse(readFileSync(meta, 'utf8')) as { events: number }).events : 0
  if (have !== opts.events) {
    process.stderr.write(`generating a ${opts.events.toLocaleString('en')}-event session in ${sessionDir}...\n`)
    await runChild(['generate', sessionDir, String(opts.events)], 4096)
  }
  const rows: Row[] = []
  const kinds: Array<{ name: string; kind: string; moduleDir: string }> = []
  if (opts.before) {
    const moduleDir = join(root, 'node_modules/.cache/bench-export', opts.before)
    rmSync(moduleDir, { recursive: true, force: true })
    mkdirSync(moduleDir, { recursive: true })
    execFileSync('sh', ['-c', `git archive ${JSON.stringify(opts.before)} electron shared | tar -x -C ${JSON.stringify(moduleDir)}`], { cwd: root })
    kinds.push({ name: `before (${opts.before}: zipSync, both at once)`, kind: 'before', moduleDir })
  }
  kinds.push({ name: 'after (streaming, queued, worker thread)', kind: 'after', moduleDir: '' })
  for (const k of kinds) {
    const outDir = join(resolve(opts.dir), `out-${k.kind}`)
    rmSync(outDir, { recursive: true, force: true })
    mkdirSync(outDir, { recursive: true })
    const text = await runChild(['measure', k.kind, sessionDir, outDir, k.moduleDir])
    const line = text.split('\n').find((l) => l.startsWith('RESULT '))
    if (!line) throw new Error(`${k.kind}: no result`)
    rows.push({ exporter: k.name, events: opts.events, sessionMb: mb(sessionDir), ...(JSON.parse(line.slice(7)) as Omit<Row, 'exporter' | 'events' | 'sessionMb'>) })
    rmSync(outDir, { recursive: true, force: true })
  }
  const f = (n: number, d = 1): string => n.toFixed(d)
  const lines = [
    `Machine: ${cpus()[0]?.model.trim()}, ${cpus().length} cores, ${f(totalmem() / 2 ** 30)} GiB, Node ${process.version}; ${new Date().toISOString()}`,
    '',
    '| exporter | events (session MB) | wall s | CPU s | peak RSS MB | longest event-loop block ms (p99) | zips MB | load avg 1 min (start / end) |',
    '|---|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map(
      (r) =>
        `| ${r.exporter}${r.error ? ` **failed: ${r.error}**` : ''} | ${r.events.toLocaleString('en')} (${r.sessionMb}) | ${f(r.wallS)} | ${f(r.cpuS)} | ${f(r.peakRssMb, 0)} | ${f(r.maxBlockMs, 0)} (${f(r.p99BlockMs, 0)}) | ${r.zipMb.map((z) => f(z)).join(' + ')} | ${f(r.load[0])} / ${f(r.load[1])} |`,
    ),
  ]
  process.stdout.write(`${lines.join('\n')}\n`)
  if (opts.json) writeFileSync(opts.json, `${JSON.stringify(rows, null, 2)}\n`)
}

const [mode, ...rest] = process.argv.slice(2)
if (mode === 'generate') await generate(rest[0]!, Number(rest[1]))
else if (mode === 'measure') await measure(rest[0]!, rest[1]!, rest[2]!, rest[3]!)
else await main()
