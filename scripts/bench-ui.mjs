#!/usr/bin/env node
// UI benchmark: serves the built renderer (out/renderer) with the synthetic event source
// (`?bench=N`, renderer/src/bench/), drives headless Chromium with Playwright, and prints a
// Markdown table of frames per second, event-to-pixel latency and dropped events for
// 50, 200 and 1000 nodes at 10,000 events/s, plus the machine it ran on.
// Usage: node scripts/bench-ui.mjs [--nodes 50,200,1000] [--rate 10000] [--seconds 5] [--warmup 3] [--root out/renderer] [--summarise]
// --summarise measures each size twice: every hop, then hops folded per message in 200 ms
// windows by the host's own fold (shared/model/coverage.ts), as pages of large networks get them.
//
// With --real N the stream is not synthetic: the built web host (out/main/web.js) runs N
// real nodes (3 seeds, N-3 peers, packed 50 per process), started from the page as a user
// would (Settings, New network) at the assignment's intervals (time scale 1) and
// --gossip-count messages per peer, twice: with every hop sent to the page, then with the
// host's hop summaries (gossip per message above 200 nodes). Each run is measured from the
// click until --seconds after all N are alive, with event-to-pixel latency from each node's
// own event stamp to the painted frame (through IPC, the host's intake and the WebSocket),
// bytes pushed to the page and the host's event-loop delay (the host's --stats lines).
// --json PATH writes the figures; --screenshot PREFIX saves PREFIX-<run>.png at the end.
import { cpSync, createReadStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { extname, join, normalize, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { chromium } from 'playwright-core'

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '50,200,1000' },
    rate: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '3' },
    root: { type: 'string', default: 'out/renderer' },
    real: { type: 'string' },
    'gossip-count': { type: 'string', default: '1' },
    json: { type: 'string' },
    summarise: { type: 'boolean', default: false },
    screenshot: { type: 'string' },
  },
})
const sizes = values.nodes.split(',').map(Number)
const rate = Number(values.rate)
const seconds = Number(values.seconds)
const warmup = Number(values.warmup)
if (sizes.some((n) => !Number.isInteger(n) || n < 3) || !(rate > 0) || !(seconds > 0) || !(warmup >= 0)) {
  console.error('bench-ui: --nodes takes whole numbers >= 3, --rate/--seconds positive numbers')
  process.exit(2)
}

const built = resolve(values.root)
if (!existsSync(join(built, 'index.html'))) {
  console.error(`bench-ui: ${built}/index.html is missing; run \`npx electron-vite build\` first`)
  process.exit(2)
}
// Serve a copy, so a build running meanwhile (it empties out/) cannot pull files away.
const root = mkdtempSync(join(tmpdir(), 'gossipscope-bench-ui-'))
cpSync(built, root, { recursive: true })

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json' }
const server = createServer((req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '')
  let file = join(root, path)
  if (!file.startsWith(root) || !existsSync(file) || statSync(file).isDirectory()) file = join(root, 'index.html')
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' })
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res)
})
await new Promise((ok) => server.listen(0, '127.0.0.1', ok))
const port = server.address().port

/**
 * CPU seconds (user + system) used so far by the Chromium this script launched and all its
 * child processes (renderer, GPU, utility), from /proc. Unlike frame rate, this does not
 * change when other programs compete for the cores: it is what the page costs.
 */
const marker = `--gossipscope-bench=${process.pid}`
const ticksPerSecond = 100
function chromiumCpuSeconds() {
  const procs = []
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      procs.push({ pid: Number(pid), ppid: Number(fields[1]), cpu: (Number(fields[11]) + Number(fields[12])) / ticksPerSecond, cmdline })
    } catch {
      // the process ended meanwhile
    }
  }
  const ours = new Set(procs.filter((p) => p.cmdline.includes(marker)).map((p) => p.pid))
  let grew = true
  while (grew) {
    grew = false
    for (const p of procs) if (!ours.has(p.pid) && ours.has(p.ppid)) (ours.add(p.pid), (grew = true))
  }
  return procs.filter((p) => ours.has(p.pid)).reduce((sum, p) => sum + p.cpu, 0)
}

if (values.real !== undefined) {
  await realBench(Number(values.real), Number(values.seconds), Number(values['gossip-count']))
  process.exit(0)
}

// Same flags as test/system/browser.ts (Debian's Chromium, no network but loopback).
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', marker],
})
const rows = []
try {
  const runs = sizes.flatMap((nodes) => (values.summarise ? [[nodes, false], [nodes, true]] : [[nodes, false]]))
  for (const [nodes, summarised] of runs) {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    page.on('pageerror', (e) => console.error(`[page error] ${e.message}`))
    await page.goto(`http://127.0.0.1:${port}/?bench=${nodes}&rate=${rate}${summarised ? '&summarise=1' : ''}`)
    await page.waitForFunction(() => window.__gossipscopeBench?.start > 0, null, { timeout: 30_000 })
    await page.waitForTimeout(warmup * 1000)
    await page.evaluate(() => window.__gossipscopeBench.reset())
    const cpu0 = chromiumCpuSeconds()
    await page.waitForTimeout(seconds * 1000)
    const m = await page.evaluate(() => window.__gossipscopeBench.snapshot())
    const cpu = (chromiumCpuSeconds() - cpu0) / m.seconds
    rows.push({ nodes, page: summarised ? 'summarised' : 'every hop', ...m, cpu, fps: m.frames / m.seconds, eventsPerSecond: m.samples / m.seconds })
    await page.close()
  }
} finally {
  const version = browser.version()
  await browser.close()
  server.close()
  rmSync(root, { recursive: true, force: true })
  const fmt = (v, d = 1) => (v === null ? '–' : v.toFixed(d))
  const cpu = cpus()
  console.log(`\nUI benchmark: synthetic stream at ${rate} events/s, ${seconds} s window after ${warmup} s warm-up, headless Chromium, 1440x900 canvas\n`)
  console.log(`| nodes |${values.summarise ? ' page gets |' : ''} fps | Chromium CPU (cores) | graph loop ms/frame p50 / p99 | event-to-pixel p50 (ms) | p99 (ms) | events/s drawn | events received | events applied | dropped |`)
  console.log(`|---:|${values.summarise ? '---|' : ''}---:|---:|---:|---:|---:|---:|---:|---:|---:|`)
  for (const r of rows) {
    console.log(
      `| ${r.nodes} |${values.summarise ? ` ${r.page} |` : ''} ${fmt(r.fps)} | ${fmt(r.cpu, 2)} | ${fmt(r.workP50, 2)} / ${fmt(r.workP99, 2)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.eventsPerSecond, 0)} | ${r.received} | ${r.applied} | ${r.received - r.applied} |`,
    )
  }
  console.log(`\nLoad average during the run: ${loadavg().map((l) => l.toFixed(1)).join(' ')} (1/5/15 min)`)
  console.log(`Machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory, Chromium ${version}, Node ${process.version}`)
}

/**
 * --real N: the web host with N real nodes, driven from the page, twice in one run under
 * the same load: once with every hop sent to the page (the hop-summary thresholds set out
 * of reach) and once with the host's defaults (gossip folded per message above 200 nodes).
 */
async function realBench(nodes, seconds, gossipCount) {
  if (!Number.isInteger(nodes) || nodes < 5 || nodes > 1000) {
    console.error('bench-ui: --real takes a whole number of nodes from 5 to 1000')
    process.exit(2)
  }
  const modes = [
    { name: 'every hop', args: ['--summarise-above', '100000', '--summarise-hops', '10000000'] },
    { name: 'summarised', args: [] },
  ]
  const rows = []
  let version = ''
  for (const mode of modes) {
    const row = await realRun(nodes, seconds, gossipCount, mode)
    version = row.version
    rows.push(row)
  }
  const fmt = (v, d = 1) => (v === null || v === undefined ? '–' : v.toFixed(d))
  const cpuInfo = cpus()
  console.log(`\nUI benchmark with the real host: ${nodes} real nodes (3 seeds, ${nodes - 3} peers, 50 per process), time scale 1, ${gossipCount} message(s) per peer; measured from New network until ${seconds} s after all were alive (the launch waves and every peer's gossip), headless Chromium, 1440x900\n`)
  console.log('| page gets | all alive after (s) | fps | Chromium CPU (cores) | graph loop ms/frame p50 / p99 | event-to-pixel p50 / p99 (ms) | events received / applied / dropped | items pushed | KiB/s to the page | host event-loop delay p50 / p99 / max (ms) | click answered (ms) | load avg (1 min) |')
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
  for (const r of rows) {
    console.log(
      `| ${r.mode} | ${fmt(r.aliveAfter)} | ${fmt(r.fps)} | ${fmt(r.cpu, 2)} | ${fmt(r.workP50, 2)} / ${fmt(r.workP99, 2)} | ${fmt(r.p50)} / ${fmt(r.p99)} | ${r.received} / ${r.applied} / ${r.received - r.applied} | ${r.pushedItems} | ${fmt(r.kibPerSecond)} | ${fmt(r.lagP50Ms)} / ${fmt(r.lagP99Ms)} / ${fmt(r.lagMaxMs)} | ${r.clickMs} | ${fmt(r.loadAverage, 1)} |`,
    )
  }
  const [full, summarised] = rows
  const ratio = (a, b) => (a && b ? b / a : null)
  console.log(`\nSummarised / every hop: KiB/s ${fmt(ratio(full.kibPerSecond, summarised.kibPerSecond), 3)}, items pushed ${fmt(ratio(full.pushedItems, summarised.pushedItems), 3)}, fps ${fmt(ratio(full.fps, summarised.fps), 2)}, event-to-pixel p99 ${fmt(ratio(full.p99, summarised.p99), 2)}, host delay p99 ${fmt(ratio(full.lagP99Ms, summarised.lagP99Ms), 2)}, Chromium CPU ${fmt(ratio(full.cpu, summarised.cpu), 2)}`)
  console.log(`Load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')} (1/5/15 min)`)
  console.log(`Machine: ${cpuInfo[0]?.model ?? 'unknown CPU'}, ${cpuInfo.length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory, Chromium ${version}, Node ${process.version}`)
  const json = { nodes, seconds, gossipCount, machine: { cpu: cpuInfo[0]?.model ?? null, cores: cpuInfo.length, chromium: version, node: process.version }, loadAverage: loadavg(), runs: rows.map(({ version: _v, ...r }) => r) }
  console.log(`\n${JSON.stringify(json)}`)
  if (values.json) writeFileSync(values.json, `${JSON.stringify(json, null, 2)}\n`)
}

/** Live node processes (node hosts, seeds, peers) of this build: the last run's, while they exit. */
function nodeProcesses() {
  const scripts = ['node-host.js', 'seed.js', 'peer.js'].map((f) => resolve('out/main', f))
  let count = 0
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      if (scripts.some((script) => cmdline.includes(script))) count++
    } catch {
      // gone meanwhile
    }
  }
  return count
}

/** One run of --real: a fresh web host (with `mode.args`) and page; returns the row. */
async function realRun(nodes, seconds, gossipCount, mode) {
  const { spawn } = await import('node:child_process')
  const web = resolve('out/main/web.js')
  const sessions = mkdtempSync(join(tmpdir(), 'gossipscope-bench-ui-real-'))
  const webPort = 7400 + Math.floor(Math.random() * 500)
  const basePort = 21000 + Math.floor(Math.random() * 9000)
  const args = [web, '--port', String(webPort), '--sessions', sessions, '--base-port', String(basePort), '--max-nodes', String(nodes), '--stats', '1000', ...mode.args]
  const host = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  /** The host's --stats lines: {t, pushBytes, pushes, lagP50Ms, lagP99Ms, lagMaxMs}. */
  const stats = []
  let out = ''
  host.stdout.on('data', (d) => {
    out += String(d)
    let nl
    while ((nl = out.indexOf('\n')) >= 0) {
      const line = out.slice(0, nl)
      out = out.slice(nl + 1)
      if (line.startsWith('{"stats"')) stats.push(JSON.parse(line).stats)
    }
  })
  await new Promise((ok, fail) => {
    host.stdout.on('data', (d) => String(d).includes('web host on') && ok())
    host.once('exit', (code) => fail(new Error(`web host exited (${code})`)))
  })
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', marker],
  })
  let row
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    page.on('pageerror', (e) => console.error(`[page error] ${e.message}`))
    let pushedItems = 0
    page.on('websocket', (ws) =>
      ws.on('framereceived', ({ payload }) => {
        const text = String(payload)
        if (text.startsWith('{"push":"events"')) pushedItems += text.split('"seq":').length - 1
      }),
    )
    await page.goto(`http://127.0.0.1:${webPort}/?measure=1`)
    await page.getByRole('button', { name: 'New network' }).waitFor({ timeout: 30_000 })
    await page.getByRole('tab', { name: 'Settings' }).click()
    await page.getByLabel('Time scale').fill('1')
    await page.getByLabel('Messages per peer').fill(String(gossipCount))
    await page.getByLabel('Processes').selectOption('pack')
    await page.getByLabel('Nodes per process').fill('50')
    await page.getByLabel('Seeds for a new network').fill('3')
    await page.getByLabel('Peers for a new network').fill(String(nodes - 3))
    await page.evaluate(() => window.__gossipscopeBench.reset())
    pushedItems = 0
    const cpu0 = chromiumCpuSeconds()
    const clicked = Date.now()
    await page.getByRole('button', { name: 'New network' }).click()
    await page.waitForFunction((n) => document.querySelector('[data-testid="count-alive"]')?.textContent === String(n), nodes, { timeout: 600_000, polling: 500 })
    const aliveAfter = (Date.now() - clicked) / 1000
    // The window covers the launch waves, the peers' gossip (each 5 s after it linked) and liveness rounds.
    await page.waitForTimeout(seconds * 1000)
    const m = await page.evaluate(() => window.__gossipscopeBench.snapshot())
    const cpu = (chromiumCpuSeconds() - cpu0) / m.seconds
    const ended = Date.now()
    // Interactive: a click on the graph answers (selects or clears) within this many ms.
    const t0 = Date.now()
    await page.locator('canvas').first().click({ position: { x: 400, y: 300 }, timeout: 10_000 })
    const clickMs = Date.now() - t0
    if (values.screenshot) await page.screenshot({ path: `${values.screenshot}-${mode.name.replace(/\W+/g, '-')}.png` })
    const inWindow = stats.filter((s) => s.t > clicked && s.t <= ended + 500)
    const first = stats.filter((s) => s.t <= clicked).at(-1) ?? { pushBytes: 0 }
    const lastStat = inWindow.at(-1) ?? first
    const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null)
    const span = inWindow.length ? (lastStat.t - clicked) / 1000 : null
    row = {
      mode: mode.name,
      ...m,
      cpu,
      fps: m.frames / m.seconds,
      aliveAfter,
      clickMs,
      pushedItems,
      kibPerSecond: span ? (lastStat.pushBytes - first.pushBytes) / 1024 / span : null,
      lagP50Ms: mean(inWindow.map((s) => s.lagP50Ms)),
      lagP99Ms: inWindow.length ? Math.max(...inWindow.map((s) => s.lagP99Ms)) : null,
      lagMaxMs: inWindow.length ? Math.max(...inWindow.map((s) => s.lagMaxMs)) : null,
      loadAverage: loadavg()[0],
      version: browser.version(),
    }
  } finally {
    await browser.close()
    host.kill('SIGTERM')
    await new Promise((ok) => host.once('exit', ok))
    // The next run must not start while this run's node processes are still exiting (up to 60 s).
    for (let i = 0; i < 120 && nodeProcesses() > 0; i++) await new Promise((ok) => setTimeout(ok, 500))
    rmSync(sessions, { recursive: true, force: true })
  }
  return row
}
