import { describe, expect, it } from 'vitest'
import { EVENT_TYPES, type SessionEvent } from '../../../shared/events'
import { describeEvent, formatClock, formatMs } from '../../../renderer/src/log/format-event'
import { FilteredLog, appendLog, createLogBuffer, eventMentions } from '../../../renderer/src/log/log-buffer'
import { A, B, C, S1, sequence, smallNetwork } from './fixtures'

describe('describeEvent', () => {
  it('renders each event as a readable line', () => {
    const e = sequence()
    expect(describeEvent(e({ node: A, type: 'gossip.received', id: 'abc', text: '5:127.0.1.2:3', from: B }))).toBe(`received "5:127.0.1.2:3" from ${B}`)
    expect(describeEvent(e({ node: A, type: 'liveness.missed', peer: B, count: 2 }))).toBe(`no liveness reply from ${B} (2 missed in a row)`)
    expect(describeEvent(e({ node: A, type: 'peer.dead-reported', peer: C, seeds: [S1] }))).toBe(`reported ${C} dead to ${S1}`)
    expect(describeEvent(e({ node: S1, type: 'seed.peer-removed', peer: C, reporter: A }))).toBe(`removed ${C} from its peer list (reported by ${A})`)
    expect(describeEvent(e({ node: A, type: 'gossip.forwarded', id: '0123456789abcdef', to: B }))).toBe(`forwarded 01234567 to ${B}`)
    expect(describeEvent(e({ node: C, type: 'host.kill', signal: 'SIGKILL' }))).toBe('killed (SIGKILL)')
    expect(describeEvent(e({ node: C, type: 'host.exited', code: null, signal: 'SIGSEGV', expected: false }))).toBe('process exited by SIGSEGV unexpectedly (crash)')
    expect(describeEvent(e({ node: A, type: 'peer.peer-list', seed: S1, peers: [] }))).toBe(`peer list from ${S1}: (empty)`)
    expect(describeEvent(e({ node: C, type: 'host.action', by: 'scenario', step: 2, action: 'kill', name: 'peer4' }))).toBe('scenario step 3: kill peer4')
    expect(describeEvent(e({ node: C, type: 'host.action', by: 'user', action: 'add-peers', count: 5 }))).toBe('user: add-peers 5')
  })

  it('has a line for every event type', () => {
    // The switch is exhaustive at compile time; this checks the list did not grow unseen.
    expect(EVENT_TYPES.length).toBe(31)
  })

  it('formats durations and clock times', () => {
    expect(formatMs(0.25)).toBe('0.25 ms')
    expect(formatMs(412.4)).toBe('412 ms')
    expect(formatMs(2500)).toBe('2.50 s')
    expect(formatClock(new Date(2026, 0, 1, 3, 4, 5, 67).getTime())).toBe('03:04:05.067')
  })
})

describe('log buffer and filtered view', () => {
  it('filters by node (emitter or mentioned) and by type, incrementally', () => {
    const log = createLogBuffer(100)
    const events = smallNetwork()
    appendLog(log, events.slice(0, 10))
    const view = new FilteredLog({ node: C, types: [], maxSeq: null }, log)
    view.update()
    expect(view.indices.map((i) => log.entries[i]!.seq)).toEqual([5, 9])
    appendLog(log, events.slice(10))
    expect(view.update()).toBe(true)
    expect(view.indices.map((i) => view.at(view.indices.indexOf(i))!.seq)).toEqual([5, 9, 13, 14])
    const received = new FilteredLog({ node: null, types: ['gossip.received'], maxSeq: null }, log)
    received.update()
    expect(received.indices.map((i) => log.entries[i]!.node)).toEqual([B, C])
  })

  it('limits to events up to a replayed seq', () => {
    const log = createLogBuffer(100)
    appendLog(log, smallNetwork())
    const view = new FilteredLog({ node: null, types: [], maxSeq: 4 }, log)
    view.update()
    expect(view.indices).toHaveLength(4)
  })

  it('drops the oldest entries past capacity and keeps views consistent', () => {
    const log = createLogBuffer(10)
    const e = sequence()
    const view = new FilteredLog({ node: null, types: [], maxSeq: null }, log)
    const batch = (n: number): SessionEvent[] => Array.from({ length: n }, () => e({ node: A, type: 'liveness.sent', peer: B }))
    appendLog(log, batch(8))
    view.update()
    appendLog(log, batch(8))
    view.update()
    expect(log.entries.length).toBeLessThanOrEqual(10)
    expect(log.dropped + log.entries.length).toBe(16)
    expect(view.indices).toHaveLength(log.entries.length)
    expect(view.at(0)!.seq).toBe(log.dropped + 1)
    expect(view.at(view.indices.length - 1)!.seq).toBe(16)
  })

  it('knows which nodes an event mentions', () => {
    const e = sequence()
    const event = e({ node: S1, type: 'seed.peer-removed', peer: C, reporter: A })
    expect([S1, C, A, B].map((n) => eventMentions(event, n))).toEqual([true, true, true, false])
  })
})
