import { EventEmitter } from 'node:events'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadSessionChunk } from '../../../electron/host/session-reader'
import { attachSocket } from '../../../electron/web/ws-bridge'
import type { HostController } from '../../../electron/host/controller'
import type { SessionCursor } from '../../../shared/ipc'
import { tempDir } from '../archive/fixture'

/** Big recordings travel in chunks (issue 11: one 580 MB message killed the web host). */

const root = tempDir('chunks')
afterAll(() => rmSync(root, { recursive: true, force: true }))

const line = (seq: number, node = '127.0.2.1:20003') => JSON.stringify({ v: 1, t: seq, node, type: 'host.spawned', role: 'peer', pid: 9, seq })

describe('loadSessionChunk', () => {
  it('reads a session in chunks that join up exactly, whatever the chunk size, with bad lines named once', async () => {
    const dir = join(root, 's1')
    mkdirSync(dir)
    const lines: string[] = []
    for (let seq = 1; seq <= 1000; seq++) {
      lines.push(line(seq, seq % 7 === 0 ? '127.0.2.9:2000é' : '127.0.2.1:20003')) // multi-byte text shifts byte offsets
      if (seq === 500) lines.push('{"v":1,', '', line(400))
    }
    writeFileSync(join(dir, 'events.ndjson'), `${lines.join('\n')}\n`)
    for (const size of [3, 250, 999, 5000]) {
      const seqs: number[] = []
      const warnings: string[] = []
      let from: SessionCursor | undefined
      let chunks = 0
      do {
        const result = await loadSessionChunk(dir, from, size)
        if (!result.ok) throw new Error(result.error)
        for (const e of result.value.events) seqs.push(e.seq)
        warnings.push(...(result.warnings ?? []))
        expect(result.value.events.length).toBeLessThanOrEqual(size)
        from = result.value.next ?? undefined
        chunks++
      } while (from)
      expect(seqs).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1))
      expect(warnings).toEqual(['events.ndjson:501: not JSON', 'events.ndjson:503: seq 400 is not after 500'])
      expect(chunks).toBeGreaterThanOrEqual(Math.ceil(1000 / size))
    }
  }, 120_000)
})

describe('the WebSocket bridge', () => {
  it('answers a reply too large to encode with an error instead of rejecting inside the host', async () => {
    const sent: string[] = []
    const socket = Object.assign(new EventEmitter(), {
      OPEN: 1,
      readyState: 1,
      bufferedAmount: 0,
      send: (text: string) => sent.push(text),
      close: () => undefined,
      terminate: () => undefined,
    })
    const tooBig = { toJSON: () => { throw new RangeError('Invalid string length') } }
    const controller = {
      openClient: () => ({ close: () => undefined }),
      call: async () => ({ ok: true, value: tooBig }),
    } as unknown as HostController
    attachSocket(socket as never, controller)
    socket.emit('message', Buffer.from(JSON.stringify({ id: 7, method: 'loadSession', args: ['x'] })), false)
    await new Promise((r) => setTimeout(r, 10))
    expect(sent.map((t) => JSON.parse(t))).toEqual([{ id: 7, error: 'reply could not be sent: Invalid string length' }])
  })
})
