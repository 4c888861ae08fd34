#!/usr/bin/env node
// Load benchmark: the renderer bundle's size (every file the build emits, raw and gzip, and
// what the first page load fetches) and the time to first paint / first contentful paint of
// the built page in headless Chromium, median of several cold loads, with the machine and
// load average. The page runs with the synthetic source of 3 nodes (`?bench=3&rate=1`), so
// no host is needed. Several builds (`--root a,b`) are loaded in turn, interleaved, so a
// change of load on a shared machine hits them alike: compare them within one run.
// Usage: node scripts/bench-load.mjs [--runs 9] [--root out/renderer[,other/out/renderer]]
import { cpSync, createReadStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { createServer } from 'node:http'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { extname, join, normalize, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { gzipSync } from 'node:zlib'
import { chromium } from 'playwright-core'

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '9' },
    root: { type: 'string', default: 'out/renderer' },
  },
})
const runs = Number(values.runs)
if (!Number.isInteger(runs) || runs < 1) {
  console.error('bench-load: --runs takes a whole number >= 1')
  process.exit(2)
}
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json' }

/** One build: a private copy served on its own port (a build running meanwhile cannot pull files away). */
async function serve(dir) {
  const built = resolve(dir)
  if (!existsSync(join(built, 'index.html'))) {
    console.error(`bench-load: ${built}/index.html is missing; run \`npx electron-vite build\` first`)
    process.exit(2)
  }
  const root = mkdtempSync(join(tmpdir(), 'gossipscope-bench-load-'))
  cpSync(built, root, { recursive: true })
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '')
    let file = join(root, path)
    if (!file.startsWith(root) || !existsSync(file) || statSync(file).isDirectory()) file = join(root, 'index.html')
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' })
    createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res)
  })
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok))
  const files = readdirSync(join(root, 'assets'))
    .filter((f) => /\.(js|css)$/.test(f))
    .map((name) => {
      const data = readFileSync(join(root, 'assets', name))
      return { name, bytes: data.length, gzip: gzipSync(data, { level: 9 }).length }
    })
    .sort((a, b) => b.bytes - a.bytes)
  return { dir: built, root, server, port: server.address().port, files, samples: [], fetched: new Set() }
}

const builds = []
for (const dir of values.root.split(',')) builds.push(await serve(dir))

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
})

async function load(build, first) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } })
  const page = await context.newPage()
  page.on('requestfinished', (r) => {
    const name = new URL(r.url()).pathname.split('/').pop()
    if (first && name && /\.(js|css)$/.test(name)) build.fetched.add(name)
  })
  await page.goto(`http://127.0.0.1:${build.port}/?bench=3&rate=1`, { waitUntil: 'load' })
  await page.waitForSelector('canvas', { timeout: 30_000 })
  const t = await page.evaluate(
    () =>
      new Promise((ok) => {
        const read = () => {
          const paints = Object.fromEntries(performance.getEntriesByType('paint').map((e) => [e.name, e.startTime]))
          if (paints['first-contentful-paint'] !== undefined) ok(paints)
          else setTimeout(read, 50)
        }
        read()
      }),
  )
  build.samples.push({ fp: t['first-paint'] ?? t['first-contentful-paint'], fcp: t['first-contentful-paint'] })
  await context.close()
}

try {
  for (let i = 0; i < runs; i++) for (const build of builds) await load(build, i === 0)
} finally {
  const version = browser.version()
  await browser.close()
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  const kb = (n) => (n / 1024).toFixed(1)
  const sum = (list, key) => list.reduce((s, f) => s + f[key], 0)
  for (const build of builds) {
    build.server.close()
    rmSync(build.root, { recursive: true, force: true })
    const first = build.files.filter((f) => build.fetched.has(f.name))
    console.log(`\n### ${build.dir}\n`)
    console.log('| file | KiB | gzip KiB | loaded at start |')
    console.log('|---|---:|---:|:---:|')
    for (const f of build.files) console.log(`| ${f.name} | ${kb(f.bytes)} | ${kb(f.gzip)} | ${build.fetched.has(f.name) ? 'yes' : 'lazy'} |`)
    console.log(`| **all files** | ${kb(sum(build.files, 'bytes'))} | ${kb(sum(build.files, 'gzip'))} | |`)
    console.log(`| **fetched by the first load** | ${kb(sum(first, 'bytes'))} | ${kb(sum(first, 'gzip'))} | |`)
    if (build.samples.length > 0) {
      const fcp = build.samples.map((s) => s.fcp)
      console.log(`\nfirst paint median ${median(build.samples.map((s) => s.fp)).toFixed(0)} ms, first contentful paint median ${median(fcp).toFixed(0)} ms (min ${Math.min(...fcp).toFixed(0)}, max ${Math.max(...fcp).toFixed(0)}), ${build.samples.length} cold loads`)
    }
  }
  console.log(`\nLoads interleaved across the builds in headless Chromium at 1440x900, ?bench=3&rate=1.`)
  console.log(`Load average during the run: ${loadavg().map((l) => l.toFixed(1)).join(' ')} (1/5/15 min)`)
  const cpu = cpus()
  console.log(`Machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory, Chromium ${version}, Node ${process.version}`)
}
