import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { unzipSync } from 'fflate'
import { main } from '../../../electron/host/export-command'
import { syntheticSession } from '../../../shared/model/synthetic'
import { settings, tempDir, writeSessionFolder } from './fixture'

const root = tempDir('cli')
afterAll(() => rmSync(root, { recursive: true, force: true }))
const { dir, events } = writeSessionFolder(root)

let out = ''
let err = ''
beforeEach(() => {
  out = ''
  err = ''
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true))
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true))
})
afterEach(() => vi.restoreAllMocks())

describe('export CLI', () => {
  it('exports a zip with flags and prints where it went', async () => {
    const node = events.find((e) => e.type === 'gossip.created')!.node
    const zip = join(root, 'cli.zip')
    expect(await main(['export', dir, zip, '--from', '+0.5', '--nodes', node])).toBe(0)
    expect(err).toBe('')
    expect(out).toMatch(/cli\.zip \(\d+ bytes\)/)
    const exported = new TextDecoder().decode(unzipSync(readFileSync(zip))['cli/events.ndjson']!)
    const lines = exported.trim().split('\n').map((l) => JSON.parse(l))
    expect(lines.length).toBeGreaterThan(0)
    expect(lines.every((e) => e.node === node && e.t >= events[0]!.t + 500)).toBe(true)
  })

  it('prints the Markdown summary of a session folder and of a node log directory', async () => {
    expect(await main(['report', dir])).toBe(0)
    expect(out).toContain('# Gossipscope summary: 2026-11-24T03-00-00-000Z')
    expect(out).toContain('## Failure detection')
    out = ''
    expect(await main(['report', join(dir, 'logs')])).toBe(0)
    expect(out).toContain('## Gossip dissemination')
  })

  it('reports a session whose times are past what a Date can hold (t = 9e15), and escapes node ids in Markdown', async () => {
    const far = join(root, 'far-future')
    mkdirSync(far)
    const base = syntheticSession({ peers: 3, gossipCount: 1, kills: 1, settings })
    const shift = 9e15 - base[0]!.t
    const odd = (id: string) => (id === '127.0.2.1:7000' ? '<b>|x|</b>' : id)
    const shifted = base.map((e) => {
      const copy = { ...e, t: e.t + shift, node: odd(e.node) } as Record<string, unknown>
      for (const key of ['peer', 'from', 'to', 'reporter']) if (typeof copy[key] === 'string') copy[key] = odd(copy[key] as string)
      return copy
    })
    writeFileSync(join(far, 'events.ndjson'), shifted.map((e) => JSON.stringify(e)).join('\n') + '\n')
    expect(await main(['report', far])).toBe(0)
    expect(err).toBe('')
    expect(out).toContain('t=9000000000000000 ms')
    expect(out).toContain('&lt;b&gt;\\|x\\|&lt;/b&gt;')
    expect(out).not.toContain('<b>')
  })

  it('exits 2 with one clear line on bad input', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['export', join(root, 'none'), join(root, 'o.zip')], /is not a session folder/],
      [['export', dir, join(root, 'o.zip'), '--nodes', 'nope'], /"nope" is not a node id IP:PORT/],
      [['export', dir, join(root, 'o.zip'), '--from', 'yesterday'], /expected ms since epoch/],
      [['export', dir, join(root, 'o.zip'), '--format', 'rar'], /Allowed choices are zip, folder/],
      [['export', dir, join(root, 'o.zip'), '--from', '2000', '--to', '1000'], /--to is before --from/],
      [['export', dir], /missing required argument 'out'/],
      [['report', join(root, 'none')], /no such file or folder/],
      [['frobnicate'], /unknown command 'frobnicate'/],
    ]
    for (const [args, message] of cases) {
      err = ''
      expect(await main(args), args.join(' ')).toBe(2)
      expect(err).toMatch(message)
      expect(err.trim().split('\n')).toHaveLength(1)
    }
    expect(existsSync(join(root, 'o.zip'))).toBe(false)
  })
})
