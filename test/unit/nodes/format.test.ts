import { describe, expect, it } from 'vitest'
import { eventLineWriter, formatLogLine, stampEvent } from '../../../electron/nodes/format'
import type { NodeEventBody } from '../../../shared/events'
import { DEFAULT_SETTINGS } from '../../../shared/settings-core'
import { parseEvent } from '../../../shared/events'

describe('formatLogLine', () => {
  it('prints local time to the millisecond and the node tag', () => {
    const time = new Date(2026, 10, 4, 3, 7, 9, 45)
    expect(formatLogLine(time, '127.0.0.5:6001', 'hello')).toBe('2026-11-04 03:07:09.045 [127.0.0.5:6001] hello')
  })

  it('takes ms since epoch as well as a Date, and stamps each ms anew', () => {
    const a = new Date(2026, 10, 4, 3, 7, 9, 45)
    const b = new Date(2026, 10, 4, 3, 7, 9, 46)
    expect(formatLogLine(a.getTime(), 'n:1', 'x')).toBe(formatLogLine(a, 'n:1', 'x'))
    expect(formatLogLine(b.getTime(), 'n:1', 'x')).toBe('2026-11-04 03:07:09.046 [n:1] x')
    expect(formatLogLine(a.getTime(), 'n:2', 'y')).toBe('2026-11-04 03:07:09.045 [n:2] y')
  })

  it('keeps every log record on one line', () => {
    const line = formatLogLine(new Date(2026, 0, 1), '127.0.0.1:1', 'a\nb\r\u0000c')
    expect(line).toBe('2026-01-01 00:00:00.000 [127.0.0.1:1] a?b??c')
  })
})

describe('stampEvent', () => {
  it('adds version, time and node in front of the body and yields a valid event', () => {
    const event = stampEvent(1700000000123, '127.0.0.5:6001', { type: 'seed.registered', peer: '127.0.0.6:7000' })
    expect(JSON.stringify(event)).toBe(
      '{"v":1,"t":1700000000123,"node":"127.0.0.5:6001","type":"seed.registered","peer":"127.0.0.6:7000"}',
    )
    expect(parseEvent(event)).toEqual({ ok: true, event })
  })
})

describe('eventLineWriter', () => {
  const bodies: NodeEventBody[] = [
    { type: 'gossip.forwarded', id: 'ab'.repeat(32), to: '127.0.0.6:7000' },
    { type: 'gossip.received', id: 'cd'.repeat(32), text: '1700000000123:127.0.0.6:3', from: '127.0.0.6:7000' },
    { type: 'node.warning', message: 'quote " backslash \\ newline \n tab \t nul \u0000 é 漢 \ud83d\ude00 lone \ud800' },
    { type: 'node.started', role: 'peer', seeds: ['127.0.0.1:1', '127.0.0.2:2'], settings: DEFAULT_SETTINGS, pid: 42, incarnation: 1700000000000 },
    { type: 'liveness.ok', peer: '127.0.0.7:7000', rttMs: 0.5 },
  ]
  it.each(bodies.map((b) => [b.type, b] as const))('writes %s exactly as JSON.stringify of the stamped event', (_type, body) => {
    const line = eventLineWriter('127.0.0.5:6001')
    for (const t of [1700000000123, 0, 1.5]) expect(line(t, body)).toBe(JSON.stringify(stampEvent(t, '127.0.0.5:6001', body)))
    expect(JSON.parse(line(1, body))).toEqual(stampEvent(1, '127.0.0.5:6001', body))
  })
  it('escapes the node id as JSON does', () => {
    const body: NodeEventBody = { type: 'node.stopping', reason: 'SIGTERM' }
    expect(eventLineWriter('a"b\\c')(7, body)).toBe(JSON.stringify(stampEvent(7, 'a"b\\c', body)))
  })
})
