import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import type { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { Connection, DEFAULT_LIMITS, flushWrites } from '../../../electron/nodes/connection'
import { ioCounts } from '../../../electron/nodes/io-stats'
import { sha256 } from '../../../electron/nodes/node-runtime'
import { FILE_FLUSH_MS, NodeOutput } from '../../../electron/nodes/output'
import { stampEvent } from '../../../electron/nodes/format'
import type { NodeEventBody } from '../../../shared/events'
import { DEFAULT_SETTINGS } from '../../../shared/settings-core'

/** What a socket was asked to do, in order: corks, writes and uncorks. */
function fakeSocket() {
  const calls: string[] = []
  let corks = 0
  let queued = 0
  const socket = {
    cork: () => (corks++, calls.push('cork')),
    uncork: () => {
      corks--
      calls.push('uncork')
      if (corks === 0) queued = 0
    },
    write: (text: string) => ((queued += text.length), calls.push(`write ${text.trim()}`), true),
    get writableLength() {
      return queued
    },
  }
  return { socket: socket as unknown as Socket, calls }
}

const turn = () => new Promise((resolve) => setImmediate(resolve))

describe('socket writes of a node process', () => {
  it('hands every line queued on a socket in one turn to the OS at once, after the turn', async () => {
    const a = fakeSocket()
    const b = fakeSocket()
    const ca = new Connection('o1', a.socket, '127.0.0.2:1', false, 0, DEFAULT_LIMITS)
    const cb = new Connection('o2', b.socket, '127.0.0.3:1', false, 0, DEFAULT_LIMITS)
    const flushes = ioCounts.socketFlushes
    expect(ca.write('one', 1000)).toBe(true)
    cb.write('x', 1000)
    ca.write('two', 1000)
    expect(a.calls).toEqual(['cork', 'write one', 'write two'])
    await turn()
    expect(a.calls).toEqual(['cork', 'write one', 'write two', 'uncork'])
    expect(b.calls).toEqual(['cork', 'write x', 'uncork'])
    expect(ioCounts.socketFlushes - flushes).toBe(2)
    // The next turn starts a new batch.
    ca.write('three', 1000)
    await turn()
    expect(a.calls.slice(4)).toEqual(['cork', 'write three', 'uncork'])
  })

  it('flushes at once when asked (a timer created the lines), and an early uncork leaves nothing for later', async () => {
    const a = fakeSocket()
    const ca = new Connection('o1', a.socket, '127.0.0.2:1', false, 0, DEFAULT_LIMITS)
    ca.write('created', 1000)
    flushWrites()
    expect(a.calls).toEqual(['cork', 'write created', 'uncork'])
    ca.write('bye', 1000)
    ca.uncork()
    await turn()
    expect(a.calls).toEqual(['cork', 'write created', 'uncork', 'cork', 'write bye', 'uncork'])
  })

  it('says when the remote does not read (queue over the limit)', () => {
    const a = fakeSocket()
    const ca = new Connection('o1', a.socket, '127.0.0.2:1', false, 0, DEFAULT_LIMITS)
    expect(ca.write('x'.repeat(10), 5)).toBe(false)
    ca.uncork()
  })
})

describe('sha256 of a node process', () => {
  const reference = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex')
  it('is SHA-256 in hex, remembered or not, for short and long texts and after old entries are forgotten', () => {
    const texts = ['1700000000123:127.0.0.6:3', 'é漢😀', '', 'x'.repeat(300)]
    for (const text of texts) expect([sha256(text), sha256(text)]).toEqual([reference(text), reference(text)])
    for (let i = 0; i < 9000; i++) sha256(`1700000000000:127.0.0.1:${i}`)
    for (const text of texts) expect(sha256(text)).toBe(reference(text))
    expect(sha256('1700000000000:127.0.0.1:8999')).toBe(reference('1700000000000:127.0.0.1:8999'))
  })
})

describe('a node\'s files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gossipscope-output-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('get whole lines within FILE_FLUSH_MS, in order, UTF-8, long lines included, all of them on close', async () => {
    const logPath = join(dir, 'peer_network.log')
    const eventsPath = join(dir, 'events.ndjson')
    const output = new NodeOutput({ node: '127.0.2.1:7000', logPath, events: { kind: 'file', path: eventsPath }, console: false })
    const long = 'é'.repeat(20_000)
    output.log(1_800_000_000_000, 'first é漢😀')
    output.log(1_800_000_000_000, long)
    output.log(1_800_000_000_001, 'third')
    output.event(1_800_000_000_001, { type: 'node.warning', message: 'w' })
    const fileSize = () => readFileSync(logPath, 'utf8').length
    // Written by the timer, not line by line.
    await vi.waitFor(() => expect(readFileSync(logPath, 'utf8').split('\n')).toHaveLength(4), { timeout: 20 * FILE_FLUSH_MS, interval: FILE_FLUSH_MS / 5 })
    const lines = readFileSync(logPath, 'utf8').split('\n')
    expect(lines[0]).toMatch(/\[127\.0\.2\.1:7000\] first é漢😀$/)
    expect(lines[1]!.endsWith(long)).toBe(true)
    expect(lines[2]).toMatch(/ third$/)
    expect(lines[3]).toBe('')
    expect(JSON.parse(readFileSync(eventsPath, 'utf8'))).toEqual({ v: 1, t: 1_800_000_000_001, node: '127.0.2.1:7000', type: 'node.warning', message: 'w' })
    const before = fileSize()
    for (let i = 0; i < 2000; i++) output.log(1_800_000_000_002, `line ${i}`)
    output.close()
    const all = readFileSync(logPath, 'utf8').split('\n')
    expect(fileSize()).toBeGreaterThan(before)
    expect(all.slice(3, -1).map((l) => l.slice(l.lastIndexOf(' ') + 1))).toEqual(Array.from({ length: 2000 }, (_, i) => String(i)))
    output.log(1_800_000_000_003, 'after close')
    output.event(1_800_000_000_003, { type: 'node.warning', message: 'after close' })
    await new Promise((r) => setTimeout(r, 2 * FILE_FLUSH_MS))
    expect(readFileSync(logPath, 'utf8')).not.toContain('after close')
    expect(readFileSync(eventsPath, 'utf8')).not.toContain('after close')
  })

  it('hold each event exactly as JSON.stringify of the stamped event, one per line', () => {
    const eventsPath = join(dir, 'events-2.ndjson')
    const node = '127.0.2.1:7000'
    const output = new NodeOutput({ node, logPath: join(dir, 'log-2.log'), events: { kind: 'file', path: eventsPath }, console: false })
    const bodies: NodeEventBody[] = [
      { type: 'gossip.forwarded', id: 'ab'.repeat(32), to: '127.0.0.6:7000' },
      { type: 'gossip.received', id: 'cd'.repeat(32), text: '1700000000123:127.0.0.6:3', from: '127.0.0.6:7000' },
      { type: 'node.warning', message: 'quote " backslash \\ newline \n é 漢 😀 lone \ud800' },
      { type: 'node.warning', message: 'é'.repeat(1999) },
      { type: 'node.started', role: 'peer', seeds: ['127.0.0.1:1'], settings: DEFAULT_SETTINGS, pid: 42, incarnation: 1700000000000 },
    ]
    const expected: string[] = []
    for (let i = 0; i < 400; i++) {
      const body = bodies[i % bodies.length]!
      output.event(1_800_000_000_000 + i, body)
      expected.push(JSON.stringify(stampEvent(1_800_000_000_000 + i, node, body)))
    }
    output.close()
    expect(readFileSync(eventsPath, 'utf8')).toBe(expected.join('\n') + '\n')
  })

  it('size each file\'s buffer to what it gets per interval: doubling when it fills, halving after quiet intervals', async () => {
    // The files' one timer of earlier tests (a real one) runs out first: every file above is closed.
    await new Promise((resolve) => setTimeout(resolve, 2 * FILE_FLUSH_MS))
    vi.useFakeTimers()
    try {
      const logPath = join(dir, 'log-3.log')
      const output = new NodeOutput({ node: '127.0.2.1:7000', logPath, events: { kind: 'none' }, console: false })
      const text = 'x'.repeat(200) // a log line of about 250 bytes
      let n = 0
      const lines = (count: number) => {
        const writes = ioCounts.fileWrites
        for (let i = 0; i < count; i++) output.log(1_800_000_000_000, `${text} ${n++}`)
        const held = output.fileBufferBytes
        vi.advanceTimersByTime(FILE_FLUSH_MS)
        return { held, writes: ioCounts.fileWrites - writes }
      }
      expect(output.fileBufferBytes).toBe(0)
      expect(lines(1)).toEqual({ held: 1024, writes: 1 })
      // 10 KB in one interval: the buffer grows (without writing early) to 16 KiB.
      expect(lines(40)).toEqual({ held: 16384, writes: 1 })
      // 25 KB in an interval: written once when the 16 KiB buffer is full, the rest at the interval.
      expect(lines(100).writes).toBe(2)
      // Quiet intervals (a line each) halve it back: 16 -> 8 -> 4 -> 2 -> 1 KiB.
      expect([1, 2, 3, 4, 5].map(() => lines(1).held)).toEqual([16384, 8192, 4096, 2048, 1024])
      // Released after an interval with nothing.
      vi.advanceTimersByTime(2 * FILE_FLUSH_MS)
      expect(output.fileBufferBytes).toBe(0)
      output.close()
      const written = readFileSync(logPath, 'utf8').split('\n').slice(0, -1)
      expect(written.map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)))).toEqual(Array.from({ length: n }, (_, i) => i))
    } finally {
      vi.useRealTimers()
    }
  })
})
