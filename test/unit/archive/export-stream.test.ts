import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { unzipSync } from 'fflate'
import { afterAll, describe, expect, it } from 'vitest'
import { exportSession } from '../../../electron/host/export'
import { completeLength, readLineBatches, CHUNK_BYTES } from '../../../electron/host/export-stream'
import { ExportQueue } from '../../../electron/host/export-queue'
import { syntheticSession } from '../../../shared/model/synthetic'
import { settings, tempDir, writeSessionFolder } from './fixture'

const root = tempDir('export-stream')
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** Every file under `dir`, by relative path. */
function filesOf(dir: string, prefix = ''): Map<string, Buffer> {
  const out = new Map<string, Buffer>()
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) for (const [k, v] of filesOf(join(dir, e.name), `${prefix}${e.name}/`)) out.set(k, v)
    else out.set(`${prefix}${e.name}`, readFileSync(join(dir, e.name)))
  }
  return out
}

describe('reading files in chunks', () => {
  it('completeLength ends at the last newline, however far back, and is 0 without one', async () => {
    const path = join(root, 'lines.txt')
    const long = 'x'.repeat(CHUNK_BYTES * 2 + 17)
    for (const [text, expected] of [
      ['', 0],
      ['no newline', 0],
      ['a\nb', 2],
      ['a\r\nb\n', 5],
      [`a\n${long}`, 2],
      [`${long}\n${long}`, long.length + 1],
    ] as const) {
      writeFileSync(path, text)
      expect(await completeLength(path)).toBe(expected)
    }
    expect(await completeLength(join(root, 'missing'))).toBe(0)
  })

  it('splits lines across chunk boundaries, multi-byte characters included', async () => {
    const path = join(root, 'utf8.txt')
    // A 3-byte character straddles each chunk boundary at some line.
    const lines = Array.from({ length: 3000 }, (_, i) => `${i} ${'é€😀'.repeat(i % 97)} ${'z'.repeat(i % 251)}`)
    writeFileSync(path, `${lines.join('\n')}\n`)
    const read: string[] = []
    for await (const batch of readLineBatches(path, await completeLength(path))) read.push(...batch)
    expect(read).toEqual(lines)
  })
})

describe('streaming export', () => {
  const events = syntheticSession({ peers: 30, gossipCount: 6, kills: 2, settings, rngSeed: 3 })
  const { dir } = writeSessionFolder(join(root, 'big'), events)

  it('writes a zip whose events and node files equal the session (seq renumbered only when filtered)', async () => {
    expect(events.length).toBeGreaterThan(20_000)
    const out = join(root, 'out', 'big.zip')
    const result = await exportSession(dir, { format: 'zip' }, out)
    expect(result.bytes).toBe(readFileSync(out).length)
    const entries = unzipSync(readFileSync(out))
    expect(new TextDecoder().decode(entries['big/events.ndjson']!)).toBe(readFileSync(join(dir, 'events.ndjson'), 'utf8'))
    for (const [rel, bytes] of filesOf(join(dir, 'logs'))) expect(Buffer.from(entries[`big/logs/${rel}`]!).equals(bytes)).toBe(true)
    expect(new TextDecoder().decode(entries['big/session.json']!)).toBe(readFileSync(join(dir, 'session.json'), 'utf8'))
    const manifest = JSON.parse(new TextDecoder().decode(entries['big/export.json']!))
    expect(manifest).toMatchObject({ events: events.length, recordedEvents: events.length, analysedEvents: events.length, problems: [] })
    expect(readdirSync(join(root, 'out'))).toEqual(['big.zip'])
  })

  it('bounds the analysis and says so, with every event still exported', async () => {
    const out = join(root, 'bounded')
    await exportSession(dir, { format: 'folder' }, out, { analysisMaxEvents: 5000 })
    expect(readFileSync(join(out, 'events.ndjson'), 'utf8').split('\n').length - 1).toBe(events.length)
    const summary = readFileSync(join(out, 'summary.md'), 'utf8')
    expect(summary).toContain(`computed from the first 5,000 of the ${events.length.toLocaleString('en')} exported events`)
    expect(summary).toMatch(/- Events: 5000;/)
    expect(JSON.parse(readFileSync(join(out, 'export.json'), 'utf8'))).toMatchObject({ events: events.length, analysedEvents: 5000 })
  })

  for (const format of ['zip', 'folder'] as const) {
    it(`leaves nothing behind when a ${format} export fails half-way`, async () => {
      const outDir = join(root, `fail-${format}`)
      const out = join(outDir, format === 'zip' ? 'x.zip' : 'x')
      const controller = new AbortController()
      // Aborted once the events file is being written: several chunks are already out.
      const abortSoon = setImmediate(() => controller.abort(new Error('stop here')))
      await expect(exportSession(dir, { format }, out, { signal: controller.signal })).rejects.toThrow('stop here')
      clearImmediate(abortSoon)
      expect(readdirSync(outDir)).toEqual([])
    })
  }

  it('an events file that cannot be read fails the export with the reason, and leaves no partial zip', async () => {
    const broken = writeSessionFolder(join(root, 'broken'), events.slice(0, 3000)).dir
    rmSync(join(broken, 'events.ndjson'))
    mkdirSync(join(broken, 'events.ndjson'))
    const outDir = join(root, 'fail-read')
    await expect(exportSession(broken, { format: 'zip' }, join(outDir, 'y.zip'))).rejects.toThrow(/EISDIR/)
    expect(readdirSync(outDir)).toEqual([])
  })
})

describe('ExportQueue', () => {
  it('runs jobs one at a time in order, counts them, and goes on after a failure', async () => {
    const seen: string[] = []
    const counts: string[] = []
    const queue = new ExportQueue(() => counts.push(JSON.stringify(queue.status)))
    let active = 0
    let peak = 0
    const job = (name: string, fail = false) => async () => {
      peak = Math.max(peak, ++active)
      seen.push(`${name}+`)
      await new Promise((r) => setTimeout(r, 5))
      seen.push(`${name}-`)
      active--
      if (fail) throw new Error(`${name} failed`)
      return name
    }
    const results = await Promise.allSettled([queue.run(job('a')), queue.run(job('b', true)), queue.run(job('c'))])
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual(['a', 'b failed', 'c'])
    expect(peak).toBe(1)
    expect(seen).toEqual(['a+', 'a-', 'b+', 'b-', 'c+', 'c-'])
    expect(counts.slice(0, 4)).toEqual([
      '{"running":0,"waiting":1,"finished":0}',
      '{"running":0,"waiting":2,"finished":0}',
      '{"running":0,"waiting":3,"finished":0}',
      '{"running":1,"waiting":2,"finished":0}',
    ])
    expect(queue.status).toEqual({ running: 0, waiting: 0, finished: 3 })
  })
})
