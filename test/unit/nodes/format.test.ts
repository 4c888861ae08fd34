import { describe, expect, it } from 'vitest'
import { formatLogLine, stampEvent } from '../../../electron/nodes/format'
import { parseEvent } from '../../../shared/events'

describe('formatLogLine', () => {
  it('prints local time to the millisecond and the node tag', () => {
    const time = new Date(2026, 10, 4, 3, 7, 9, 45)
    expect(formatLogLine(time, '127.0.0.5:6001', 'hello')).toBe('2026-11-04 03:07:09.045 [127.0.0.5:6001] hello')
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
