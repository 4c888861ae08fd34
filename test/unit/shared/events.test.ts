import { describe, expect, it } from 'vitest'
import { EVENT_TYPES, MAX_EVENT_LINE, isNodeEvent, parseEventLine } from '../../../shared/events'
import { DEFAULT_SETTINGS } from '../../../shared/settings'

const base = { v: 1, t: 1800000000000, node: '127.0.0.5:7000' }

describe('event parser', () => {
  it('accepts well-formed events of several types', () => {
    const events = [
      { ...base, type: 'node.started', role: 'peer', seeds: ['127.0.0.1:6000'], settings: DEFAULT_SETTINGS, pid: 42 },
      { ...base, type: 'gossip.received', id: 'ab', text: '1:127.0.0.1:1', from: '127.0.0.6:7000' },
      { ...base, type: 'peer.link-down', peer: '127.0.0.6:7000', reason: 'dead' },
      { ...base, type: 'liveness.missed', peer: '127.0.0.6:7000', count: 2 },
      { ...base, type: 'host.exited', code: null, signal: 'SIGKILL', expected: false },
    ]
    for (const event of events) {
      const result = parseEventLine(JSON.stringify(event))
      expect(result).toEqual({ ok: true, event })
    }
    const started = parseEventLine(JSON.stringify(events[0]))
    expect(started.ok && isNodeEvent(started.event)).toBe(true)
  })

  it('lists every type once', () => {
    expect(new Set(EVENT_TYPES).size).toBe(EVENT_TYPES.length)
    expect(EVENT_TYPES).toContain('seed.report-rejected')
  })

  it.each([
    ['not JSON', '{"v":1,', 'not JSON'],
    ['wrong version', JSON.stringify({ ...base, v: 2, type: 'node.warning', message: 'x' }), 'v'],
    ['unknown type', JSON.stringify({ ...base, type: 'node.exploded' }), 'type'],
    ['missing field', JSON.stringify({ ...base, type: 'seed.registered' }), 'peer'],
    ['bad enum', JSON.stringify({ ...base, type: 'peer.link-down', peer: 'a:1', reason: 'tired' }), 'reason'],
    ['negative count', JSON.stringify({ ...base, type: 'liveness.missed', peer: 'a:1:2', count: -1 }), 'count'],
    ['array', '[]', ''],
  ])('rejects %s with a reason', (_name, line, where) => {
    const result = parseEventLine(line)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.reason).toContain(where)
  })

  it('names an unknown or missing type in a few words, not with the list of every type', () => {
    expect(parseEventLine(JSON.stringify({ ...base, type: 'node.exploded' }))).toEqual({ ok: false, reason: 'unknown event type "node.exploded"' })
    expect(parseEventLine('{}')).toEqual({ ok: false, reason: 'no event type' })
    const long = parseEventLine(JSON.stringify({ ...base, type: 'x'.repeat(500) }))
    expect(!long.ok && long.reason.length).toBeLessThan(120)
  })

  it('rejects an over-long line without parsing it', () => {
    const result = parseEventLine(' '.repeat(MAX_EVENT_LINE + 1))
    expect(result.ok).toBe(false)
  })
})
