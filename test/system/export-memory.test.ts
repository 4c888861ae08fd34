import { spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { unzipSync } from 'fflate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { workerExporter } from '../../electron/host/export-runner'
import { syntheticSession } from '../../shared/model/synthetic'
import { settings, tempDir, writeSessionFolder } from '../unit/archive/fixture'

/**
 * Export of a big-ish session in bounded memory: a child process whose V8 heap is capped at
 * HEAP_MB exports it (events, every node's files, summary), where reading the events file
 * whole and parsing it, as the export did before it streamed, runs out of memory under the
 * same cap. And the host's worker: an export that passes its heap limit fails with a
 * message and leaves no partial file, the host process unharmed.
 */

const ROOT = resolve(__dirname, '../..')
const HEAP_MB = 32
/** The analysis bound given to the streaming export (the default, 1M, would hold every event here). */
const ANALYSED = 20_000

let root = ''
let dir = ''
let eventCount = 0

function runChild(code: string): { status: number | null; stdout: string; stderr: string } {
  const script = join(root, `child-${Math.random().toString(36).slice(2)}.mts`)
  writeFileSync(script, code)
  const r = spawnSync(process.execPath, [`--max-old-space-size=${HEAP_MB}`, '--import', 'tsx', script], { cwd: ROOT, encoding: 'utf8', timeout: 150_000 })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe('export of a big session', () => {
  beforeAll(() => {
    root = tempDir('export-memory')
    const events = syntheticSession({ seeds: 3, peers: 60, gossipCount: 6, kills: 2, settings, rngSeed: 5, maxEvents: 120_000 })
    eventCount = events.length
    dir = writeSessionFolder(join(root, 'session'), events).dir
  })
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  it(`streams in a ${HEAP_MB} MB heap, where reading the events file whole does not fit`, () => {
    const eventsBytes = readFileSync(join(dir, 'events.ndjson')).length
    expect(eventCount).toBeGreaterThan(100_000)
    expect(eventsBytes).toBeGreaterThan(HEAP_MB * 2 ** 20 / 3)

    const whole = runChild(`
      import { readFileSync } from 'node:fs'
      import { parseEventsText } from ${JSON.stringify(join(ROOT, 'shared/archive/ndjson.ts'))}
      const parsed = parseEventsText('events.ndjson', readFileSync(${JSON.stringify(join(dir, 'events.ndjson'))}, 'utf8'))
      console.log(parsed.events.length)
    `)
    expect(whole.status).not.toBe(0)
    expect(whole.stderr).toMatch(/heap out of memory|Allocation failed/)

    const out = join(root, 'out', 'big.zip')
    const streamed = runChild(`
      import { exportSession } from ${JSON.stringify(join(ROOT, 'electron/host/export.ts'))}
      const result = await exportSession(${JSON.stringify(dir)}, { format: 'zip' }, ${JSON.stringify(out)}, { analysisMaxEvents: ${ANALYSED} })
      console.log(JSON.stringify(result))
    `)
    expect(streamed.stderr).toBe('')
    expect(streamed.status).toBe(0)
    expect(JSON.parse(streamed.stdout)).toEqual({ path: out, bytes: readFileSync(out).length })

    const entries = unzipSync(readFileSync(out))
    expect(Buffer.from(entries['big/events.ndjson']!).equals(readFileSync(join(dir, 'events.ndjson')))).toBe(true)
    for (const node of readdirSync(join(dir, 'logs'))) {
      for (const file of readdirSync(join(dir, 'logs', node))) {
        expect(Buffer.from(entries[`big/logs/${node}/${file}`]!).equals(readFileSync(join(dir, 'logs', node, file)))).toBe(true)
      }
    }
    const manifest = JSON.parse(new TextDecoder().decode(entries['big/export.json']!))
    expect(manifest).toMatchObject({ events: eventCount, recordedEvents: eventCount, analysedEvents: ANALYSED })
    expect(new TextDecoder().decode(entries['big/summary.md']!)).toContain(`first ${ANALYSED.toLocaleString('en')} of the ${eventCount.toLocaleString('en')} exported events`)
  })

  it("an export past the worker's heap limit fails with a message and leaves nothing in the exports folder", async () => {
    const exportsDir = join(root, '_exports')
    mkdirSync(exportsDir, { recursive: true })
    const exporter = workerExporter({ script: join(ROOT, 'out/main/export-worker.js'), heapMb: 16 })
    await expect(exporter(dir, { format: 'zip' }, join(exportsDir, 'x.zip'))).rejects.toThrow('the export needed more than its 16 MB of memory')
    expect(readdirSync(exportsDir)).toEqual([])
    // The same worker with room to spare writes the export.
    const ok = await workerExporter({ script: join(ROOT, 'out/main/export-worker.js') })(dir, { format: 'zip' }, join(exportsDir, 'y.zip'))
    expect(ok.bytes).toBe(readFileSync(join(exportsDir, 'y.zip')).length)
    expect(readdirSync(exportsDir)).toEqual(['y.zip'])
  })
})
