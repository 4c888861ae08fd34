#!/usr/bin/env node
// UI benchmark: serves the built renderer (out/renderer) with the synthetic event source
// (`?bench=N`, renderer/src/bench/), drives headless Chromium with Playwright, and prints a
// Markdown table of frames per second, event-to-pixel latency and dropped events for
// 50, 200 and 1000 nodes at 10,000 events/s, plus the machine it ran on.
// Usage: node scripts/bench-ui.mjs [--nodes 50,200,1000] [--rate 10000] [--seconds 5] [--warmup 3] [--root out/renderer]
import { cpSync, createReadStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
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

// Same flags as test/system/browser.ts (Debian's Chromium, no network but loopback).
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', marker],
})
const rows = []
try {
  for (const nodes of sizes) {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    page.on('pageerror', (e) => console.error(`[page error] ${e.message}`))
    await page.goto(`http://127.0.0.1:${port}/?bench=${nodes}&rate=${rate}`)
    await page.waitForFunction(() => window.__gossipscopeBench?.start > 0, null, { timeout: 30_000 })
    await page.waitForTimeout(warmup * 1000)
    await page.evaluate(() => window.__gossipscopeBench.reset())
    const cpu0 = chromiumCpuSeconds()
    await page.waitForTimeout(seconds * 1000)
    const m = await page.evaluate(() => window.__gossipscopeBench.snapshot())
    const cpu = (chromiumCpuSeconds() - cpu0) / m.seconds
    rows.push({ nodes, ...m, cpu, fps: m.frames / m.seconds, eventsPerSecond: m.samples / m.seconds })
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
  console.log('| nodes | fps | Chromium CPU (cores) | graph loop ms/frame p50 / p99 | event-to-pixel p50 (ms) | p99 (ms) | events/s drawn | events received | events applied | dropped |')
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
  for (const r of rows) {
    console.log(
      `| ${r.nodes} | ${fmt(r.fps)} | ${fmt(r.cpu, 2)} | ${fmt(r.workP50, 2)} / ${fmt(r.workP99, 2)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.eventsPerSecond, 0)} | ${r.received} | ${r.applied} | ${r.received - r.applied} |`,
    )
  }
  console.log(`\nLoad average during the run: ${loadavg().map((l) => l.toFixed(1)).join(' ')} (1/5/15 min)`)
  console.log(`Machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory, Chromium ${version}, Node ${process.version}`)
}
