import { appendFileSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { unzipSync, zipSync, strToU8 } from 'fflate'
import { analyzeSession } from '../../../shared/analysis/analyze'
import { renderSummary } from '../../../shared/analysis/summary'
import { openFiles } from '../../../shared/archive/open'
import { foldEvents } from '../../../shared/model/network'
import { ReplayIndex } from '../../../shared/model/timeline'
import { exportSession } from '../../../electron/host/export'
import { importPath } from '../../../electron/host/import'
import { tempDir, writeSessionFolder } from './fixture'

const root = tempDir('archive')
afterAll(() => rmSync(root, { recursive: true, force: true }))
const { dir, events } = writeSessionFolder(root)

describe('export and import', () => {
  it('round-trips a zip: same events, same replayed state, same summary', async () => {
    const out = join(root, 'out', 'session.zip')
    const result = await exportSession(dir, { format: 'zip' }, out)
    expect(result.path).toBe(out)
    expect(result.bytes).toBe(readFileSync(out).length)
    const names = Object.keys(unzipSync(readFileSync(out)))
    for (const name of ['events.ndjson', 'session.json', 'config.txt', 'summary.md', 'export.json', 'plots/coverage.svg']) {
      expect(names).toContain(`session/${name}`)
    }
    expect(names.filter((n) => n.startsWith('session/logs/')).length).toBeGreaterThan(10)

    const opened = openFiles([{ name: 'session.zip', bytes: readFileSync(out) }])
    expect(opened.problems).toEqual([])
    expect(opened.kind).toBe('session')
    expect(opened.meta?.id).toBe('2026-11-24T03-00-00-000Z')
    expect(opened.config).toContain(events[0]!.node)
    expect(opened.events).toEqual(events)
    const replayed = new ReplayIndex(opened.events, { snapshotEvery: 100 })
    expect(replayed.stateAt(replayed.lastSeq)).toEqual(foldEvents(events))
    expect(renderSummary(analyzeSession(opened.events))).toBe(renderSummary(analyzeSession(events)))
    const summary = new TextDecoder().decode(unzipSync(readFileSync(out))['session/summary.md']!)
    expect(summary).toContain('## Failure detection')
    expect(summary).toContain('![Coverage over time per message](plots/coverage.svg)')
  })

  it('round-trips a folder and opens it with importPath', async () => {
    const out = join(root, 'out-folder')
    await exportSession(dir, { format: 'folder' }, out)
    expect(readFileSync(join(out, 'config.txt'), 'utf8')).toBe(readFileSync(join(dir, 'config.txt'), 'utf8'))
    const opened = await importPath(out)
    expect(opened.ok && opened.value.events).toEqual(events)
    await expect(exportSession(dir, { format: 'folder' }, out)).rejects.toThrow(/not empty/)
  })

  it('filters by node set and time range, logs by their [IP:PORT] tag', async () => {
    const peers = [...new Set(events.filter((e) => e.type === 'gossip.created').map((e) => e.node))].slice(0, 2)
    const fromT = events[Math.floor(events.length / 4)]!.t
    const toT = events[Math.floor(events.length / 2)]!.t
    const out = join(root, 'filtered')
    await exportSession(dir, { format: 'folder', nodes: peers, fromT, toT }, out)
    const opened = await importPath(out)
    if (!opened.ok) throw new Error(opened.error)
    const kept = opened.value.events
    expect(kept.length).toBeGreaterThan(0)
    expect(kept.every((e) => peers.includes(e.node) && e.t >= fromT && e.t <= toT)).toBe(true)
    expect(kept.map((e) => e.seq)).toEqual(kept.map((_, i) => i + 1))
    expect(readdirSync(join(out, 'logs')).sort()).toEqual(peers.map((p) => p.replace(':', '_')).sort())
    // A log that another node also wrote into: its lines are dropped by tag.
    const shared = join(dir, 'logs', peers[0]!.replace(':', '_'), 'peer_network.log')
    appendFileSync(shared, '2026-11-24 03:00:00.000 [127.9.9.9:1] someone else\n')
    const again = join(root, 'filtered-2')
    await exportSession(dir, { format: 'folder', nodes: peers }, again)
    const log = readFileSync(join(again, 'logs', peers[0]!.replace(':', '_'), 'peer_network.log'), 'utf8')
    expect(log).not.toContain('someone else')
    expect(log).toContain(`[${peers[0]}]`)
  })

  it('exports a running session up to its last complete line', async () => {
    const running = writeSessionFolder(tempDir('running')).dir
    appendFileSync(join(running, 'events.ndjson'), '{"v":1,"t":5,"node":"127.0.0.1:1","type":"node.warn')
    const log = join(running, 'logs', readdirSync(join(running, 'logs'))[0]!)
    const logFile = join(log, readdirSync(log).find((f) => f.endsWith('.log'))!)
    appendFileSync(logFile, '2026-11-24 03:00:00.000 [half')
    const out = join(root, 'running.zip')
    await exportSession(running, { format: 'zip' }, out)
    const entries = unzipSync(readFileSync(out))
    const exported = new TextDecoder().decode(entries['running/events.ndjson']!)
    expect(exported.endsWith('}\n')).toBe(true)
    expect(exported.split('\n').length - 1).toBe(events.length)
    const exportedLog = Object.entries(entries).find(([n]) => n.endsWith(logFile.slice(log.length)))![1]
    expect(new TextDecoder().decode(exportedLog)).not.toContain('[half')
    expect(JSON.parse(new TextDecoder().decode(entries['running/export.json']!)).problems).toEqual([])
  })

  it('refuses a folder that is not a session', async () => {
    await expect(exportSession(join(root, 'missing'), { format: 'zip' }, join(root, 'x.zip'))).rejects.toThrow(/not a session folder/)
    expect(existsSync(join(root, 'x.zip'))).toBe(false)
  })
})

describe('bad input on import', () => {
  const text = events.map((e) => JSON.stringify(e)).join('\n')
  const lines = text.split('\n')

  it('names corrupt lines and a truncated end, and keeps the readable part', () => {
    const corrupt = [...lines.slice(0, 10), 'garbage {', '{"v":1,"type":"nope"}', ...lines.slice(10, 20), lines[20]!.slice(0, 25)].join('\n')
    const opened = openFiles([{ name: 'events.ndjson', bytes: strToU8(corrupt) }])
    expect(opened.events).toEqual(events.slice(0, 20))
    expect(opened.problems).toEqual([
      { file: 'events.ndjson', line: 11, message: 'not JSON' },
      expect.objectContaining({ file: 'events.ndjson', line: 12, message: expect.stringMatching(/^not a valid event/) }),
      { file: 'events.ndjson', line: 23, message: 'truncated: the file ends in the middle of this line' },
    ])
  })

  it('rejects foreign files and broken zips with a clear message, without throwing', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])
    expect(openFiles([{ name: 'photo.png', bytes: png }]).problems).toEqual([
      { file: 'photo.png', line: null, message: 'not a Gossipscope events file (expected one JSON event per line)' },
    ])
    const broken = zipSync({ 'a/events.ndjson': strToU8(text) }).slice(0, 200)
    const opened = openFiles([{ name: 'cut.zip', bytes: broken }])
    expect(opened.events).toEqual([])
    expect(opened.skipped[0]!.why).toMatch(/^not a readable zip archive/)
    expect(opened.incomplete).toBe(true)
    const csv = openFiles([{ name: 'data.csv', bytes: strToU8('a,b,c\n1,2,3\n') }])
    expect(csv.problems[0]!.message).toMatch(/not a Gossipscope events file/)
    const bad = openFiles([{ name: 'events.ndjson', bytes: strToU8(text) }, { name: 'session.json', bytes: strToU8('{"version":2}') }])
    expect(bad.events).toEqual(events)
    expect(bad.problems[0]!.message).toMatch(/^not a session.json/)
  })

  it('reports unusable paths', async () => {
    const missing = await importPath(join(root, 'nothing-here'))
    expect(missing).toEqual({ ok: false, error: `${join(root, 'nothing-here')}: no such file or folder` })
    const empty = tempDir('empty')
    const none = await importPath(empty)
    expect(!none.ok && none.error).toMatch(/no events.ndjson and no \*.events.ndjson/)
  })
})

describe('node log directories', () => {
  it('merges the node events files found under a directory, skew handled', async () => {
    const logs = join(dir, 'logs')
    // One node's clock 3 s behind: rewrite its file.
    const skewed = readdirSync(logs).find((d) => d.startsWith('127.0.2.'))!
    const file = join(logs, skewed, readdirSync(join(logs, skewed)).find((f) => f.endsWith('.events.ndjson'))!)
    const shifted = readFileSync(file, 'utf8').trim().split('\n').map((l) => {
      const e = JSON.parse(l)
      return JSON.stringify({ ...e, t: e.t - 3000 })
    })
    writeFileSync(file, `${shifted.join('\n')}\n`)
    const opened = await importPath(logs)
    if (!opened.ok) throw new Error(opened.error)
    expect(opened.value.kind).toBe('merged')
    expect(opened.value.problems).toEqual([])
    const node = skewed.replace('_', ':')
    const others = [...opened.value.offsets!.entries()].filter(([n]) => n !== node).map(([, o]) => o)
    expect(Math.abs(opened.value.offsets!.get(node)! - others[0]! - 3000)).toBeLessThan(30)
    const nodeEvents = events.filter((e) => !e.type.startsWith('host.'))
    // The killed peer fell silent and was reported dead: its crash is inferred.
    const victim = events.find((e) => e.type === 'host.kill')!.node
    expect(opened.value.inferredCrashes).toEqual([victim])
    expect(opened.value.events).toHaveLength(nodeEvents.length + 1)
    const state = foldEvents(opened.value.events)
    expect(state.failures.map((f) => f.node)).toEqual([victim])
    expect(state.falseReports).toEqual([])
    const lastOwn = opened.value.events.filter((e) => e.node === victim && e.type !== 'host.exited').pop()!
    expect(state.failures[0]!.at).toBe(lastOwn.t)
    const counts = new Map(state.counts)
    counts.delete('host.exited')
    expect(counts).toEqual(foldEvents(nodeEvents.map((e, i) => ({ ...e, seq: i + 1 }))).counts)
  })
})
