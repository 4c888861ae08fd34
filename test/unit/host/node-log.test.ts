import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { readNodeLog } from '../../../electron/host/node-log'

describe('readNodeLog', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gs-node-log-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  const write = (folder: string, file: string, text: string | Buffer) => {
    mkdirSync(join(dir, 'logs', folder), { recursive: true })
    writeFileSync(join(dir, 'logs', folder, file), text)
  }

  it("returns the node's own log lines as the file has them", async () => {
    const text = '2026-11-29 10:00:00.001 [127.0.1.1:7000] Peer list from 127.0.0.1:6001: (empty)\n2026-11-29 10:00:01.002 [127.0.1.1:7000] line two\n'
    write('127.0.1.1_7000', 'peer_network.log', text)
    write('127.0.0.1_6001', 'seed_network.log', '2026-11-29 10:00:00.000 [127.0.0.1:6001] Register request from 127.0.1.1:7000\n')
    const peer = await readNodeLog(dir, '127.0.1.1:7000')
    expect(peer).toEqual({
      ok: true,
      value: {
        file: 'peer_network.log',
        lines: ['2026-11-29 10:00:00.001 [127.0.1.1:7000] Peer list from 127.0.0.1:6001: (empty)', '2026-11-29 10:00:01.002 [127.0.1.1:7000] line two'],
        bytes: Buffer.byteLength(text),
        truncated: false,
      },
    })
    const seed = await readNodeLog(dir, '127.0.0.1:6001')
    expect(seed.ok && seed.value.file).toBe('seed_network.log')
  })

  it('returns only whole lines of the tail of a long file', async () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `line ${i}`)
    write('127.0.1.2_7000', 'peer_network.log', `${lines.join('\n')}\n`)
    const tail = await readNodeLog(dir, '127.0.1.2:7000', 100)
    expect(tail.ok).toBe(true)
    if (!tail.ok) return
    expect(tail.value.truncated).toBe(true)
    expect(tail.value.lines[tail.value.lines.length - 1]).toBe('line 999')
    expect(tail.value.lines.every((l) => /^line \d+$/.test(l))).toBe(true)
    expect(tail.value.lines.join('\n').length).toBeLessThanOrEqual(100)
  })

  it('turns invalid UTF-8 into replacement characters, not an error', async () => {
    write('127.0.1.3_7000', 'peer_network.log', Buffer.from([0x61, 0xff, 0x62, 0x0a]))
    const log = await readNodeLog(dir, '127.0.1.3:7000')
    expect(log.ok && log.value.lines).toEqual(['a\uFFFDb'])
  })

  it('answers {ok:false} for a node with no log file', async () => {
    expect(await readNodeLog(dir, '127.0.9.9:7000')).toEqual({ ok: false, error: '127.0.9.9:7000 has no log file in this session' })
  })
})
