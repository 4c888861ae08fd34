import { gzipSync, strToU8, zipSync } from 'fflate'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { importPath } from '../../../electron/host/import'
import { analyzeSession } from '../../../shared/analysis/analyze'
import { renderSummary } from '../../../shared/analysis/summary'
import { type ArchiveFile, describeSkipped, openFiles } from '../../../shared/archive/open'
import type { SessionEvent } from '../../../shared/events'
import { mergeNodeEvents } from '../../../shared/model/merge'
import { syntheticSession } from '../../../shared/model/synthetic'
import { tempDir } from './fixture'

/**
 * Field case folder-with-gz.zip (turn 2): node events files of one machine, one of them
 * gzipped. All must be read (60 of 60 messages, not 50), no clock offset invented, and
 * every file not read listed with why; a partial import is flagged incomplete.
 */

const session = syntheticSession({ seeds: 3, peers: 6, gossipCount: 2, kills: 1, rngSeed: 5 })
const messages = session.filter((e) => e.type === 'gossip.created').length

/** Per-node events files as nodes write them (no seq, no host events), ndjson text by node. */
function nodeFiles(events: SessionEvent[]): Map<string, string> {
  const files = new Map<string, string[]>()
  for (const { seq: _seq, ...event } of events) {
    if (event.type.startsWith('host.')) continue
    const list = files.get(event.node) ?? []
    list.push(JSON.stringify(event))
    files.set(event.node, list)
  }
  return new Map([...files].map(([node, lines]) => [node, `${lines.join('\n')}\n`]))
}

const fileName = (node: string) => `${node.startsWith('127.0.1.') ? 'seed' : 'peer'}-${node.replace(':', '_')}.events.ndjson`
const texts = nodeFiles(session)
const nodes = [...texts.keys()]

/** The files, the first `gz` of them gzipped. */
function files(gz: number): ArchiveFile[] {
  return nodes.map((node, i) =>
    i < gz
      ? { name: `logs/${fileName(node)}.gz`, bytes: gzipSync(strToU8(texts.get(node)!)) }
      : { name: `logs/${fileName(node)}`, bytes: strToU8(texts.get(node)!) },
  )
}

const root = tempDir('gzip')
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('gzipped node events files', () => {
  it.each([1, 3, nodes.length])('reads %i gzipped files among plain ones, in a folder list and in a zip', (gz) => {
    const list = files(gz)
    const zipped = zipSync(Object.fromEntries([...list.map((f) => [f.name, f.bytes] as const), ['logs/peer_network.log', strToU8('2026 x\n')]]))
    for (const opened of [openFiles(list), openFiles([{ name: 'folder-with-gz.zip', bytes: zipped }])]) {
      expect(opened.kind).toBe('merged')
      expect(opened.events.filter((e) => e.type === 'gossip.created')).toHaveLength(messages)
      expect(opened.incomplete).toBe(false)
      expect(opened.problems).toEqual([])
      // One machine's clock: no offset invented.
      expect([...opened.offsets!.values()].every((ms) => ms === 0)).toBe(true)
    }
    const fromZip = openFiles([{ name: 'folder-with-gz.zip', bytes: zipped }])
    expect(fromZip.skipped).toEqual([{ file: 'folder-with-gz.zip/logs/peer_network.log', why: 'not an events, session.json or config.txt file', events: false }])
  })

  it('lists a broken gzip and a gzip bomb as not read, and flags the import incomplete', () => {
    const list = files(0)
    const broken = gzipSync(strToU8(texts.get(nodes[0]!)!)).slice(0, 40)
    // 3 MiB of zeros (3 KB gzipped) against a 2 MiB limit: inflation stops past the limit.
    const bomb = gzipSync(new Uint8Array(3 * 1024 * 1024), { level: 9 })
    expect(bomb.length).toBeLessThan(10_000)
    const opened = openFiles([...list.slice(1), { name: 'cut.events.ndjson.gz', bytes: broken }, { name: 'bomb.events.ndjson.gz', bytes: bomb }], 'x', { maxUnpackedBytes: 2 * 1024 ** 2 })
    expect(opened.incomplete).toBe(true)
    expect(opened.skipped.map((s) => [s.file, s.events])).toEqual([
      ['cut.events.ndjson.gz', true],
      ['bomb.events.ndjson.gz', true],
    ])
    expect(opened.skipped[0]!.why).toMatch(/^not a readable gzip file/)
    expect(opened.skipped[1]!.why).toBe('over the 2 MiB unpacked limit of one import')
    const summary = renderSummary(analyzeSession(opened.events), { source: opened })
    expect(summary).toContain('**Incomplete import: events are missing')
    expect(summary).toContain('- Not read: cut.events.ndjson.gz (not a readable gzip file')
  })

  it('lists the files of an export it does not need grouped by why, every one still named', () => {
    // An export zip: the session's events.ndjson, and per node its log and its own events file.
    const ndjson = session.map((e) => JSON.stringify(e)).join('\n') + '\n'
    const nodes = ['127.0.0.1_5000', '127.0.0.2_5001', '127.0.0.3_5002']
    const zip = zipSync({
      'events.ndjson': strToU8(ndjson),
      ...Object.fromEntries(nodes.flatMap((n) => [[`logs/${n}/peer_network.log`, strToU8('a log line\n')], [`logs/${n}/peer.events.ndjson`, strToU8('')]])),
    })
    const opened = openFiles([{ name: 'export.zip', bytes: zip }], 'export.zip')
    expect(opened.incomplete).toBe(false)
    expect(opened.skipped).toHaveLength(6)
    const summary = renderSummary(analyzeSession(opened.events), { source: opened })
    const notRead = summary.split('\n').filter((line) => line.startsWith('- Not read'))
    expect(notRead).toHaveLength(2)
    expect(notRead[0]).toMatch(/^- Not read \(3 files, not an events, session.json or config.txt file\): export.zip\/logs\/127.0.0.1_5000\/peer_network.log, /)
    expect(notRead[1]).toMatch(/^- Not read \(3 files, export.zip\/events.ndjson already holds the session's events\): /)
    for (const n of nodes) expect(summary).toContain(`export.zip/logs/${n}/peer.events.ndjson`)
    expect(describeSkipped(opened.skipped).split('\n')).toHaveLength(2)
    expect(describeSkipped(opened.skipped.slice(0, 1))).toBe(`export.zip/logs/127.0.0.1_5000/peer_network.log: not read (not an events, session.json or config.txt file)`)
  })

  it('importPath reads .events.ndjson.gz in a node log folder and lists the other files it did not read', async () => {
    const dir = join(root, 'folder-with-gz')
    mkdirSync(join(dir, 'logs'), { recursive: true })
    for (const f of files(2)) writeFileSync(join(dir, f.name), f.bytes)
    writeFileSync(join(dir, 'logs', 'peer_network.log'), 'a log line\n')
    const result = await importPath(dir)
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.value.events.filter((e) => e.type === 'gossip.created')).toHaveLength(messages)
    expect(result.value.skipped).toEqual([{ file: 'logs/peer_network.log', why: 'not a node events file (*.events.ndjson[.gz])', events: false }])
    expect(result.value.incomplete).toBe(false)
  })
})

describe('merging one machine\'s files', () => {
  it('prefers zero offsets whenever zero satisfies every causal pair, whatever the file order', () => {
    const inputs = nodes.map((node) => ({ name: fileName(node), events: JSON.parse(`[${texts.get(node)!.trim().split('\n').join(',')}]`) }))
    for (const order of [inputs, [...inputs].reverse(), [...inputs.slice(3), ...inputs.slice(0, 3)]]) {
      const merged = mergeNodeEvents(order)
      expect(merged.violations).toBe(0)
      expect([...merged.offsets.values()]).toEqual(nodes.map(() => 0))
      expect(merged.events.map((e) => e.t)).toEqual([...merged.events.map((e) => e.t)].sort((a, b) => a - b))
    }
  })

  it('still estimates offsets when a clock is off (a receipt before its send)', () => {
    const skewed = nodes.map((node, i) => ({
      name: fileName(node),
      events: texts.get(node)!.trim().split('\n').map((l) => {
        const e = JSON.parse(l)
        return i === 4 ? { ...e, t: e.t - 60_000 } : e
      }),
    }))
    const merged = mergeNodeEvents(skewed)
    expect(merged.violations).toBe(0)
    expect(merged.offsets.get(nodes[4]!)! - merged.offsets.get(nodes[0]!)!).toBeGreaterThan(50_000)
  })
})
