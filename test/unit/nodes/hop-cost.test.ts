import { createHash } from 'node:crypto'
import type { Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { Connection, DEFAULT_LIMITS, flushWrites } from '../../../electron/nodes/connection'
import { ioCounts } from '../../../electron/nodes/io-stats'
import { sha256 } from '../../../electron/nodes/node-runtime'

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
