import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { AnyEvent, SessionEvent } from '../../../shared/events'
import { EventLog } from '../../../electron/host/event-log'
import { Intake } from '../../../electron/host/intake'

const warning = (i: number): AnyEvent => ({ v: 1, t: 1000 + i, node: '127.0.2.1:20003', type: 'node.warning', message: `w${i}` })

describe('Intake', () => {
  let dir: string
  let log: EventLog
  let batches: SessionEvent[][]
  beforeEach(() => {
    vi.useFakeTimers()
    dir = mkdtempSync(join(tmpdir(), 'gs-intake-'))
    log = new EventLog(join(dir, 'events.ndjson'))
    batches = []
  })
  afterEach(() => {
    vi.useRealTimers()
    log.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const lines = (): SessionEvent[] =>
    readFileSync(join(dir, 'events.ndjson'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as SessionEvent)

  it('stamps seq from 1 without gaps and delivers one batch after 50 ms', () => {
    const intake = new Intake(log, (b) => batches.push(b), { flushMs: 50, maxBatch: 1000, memoryLimit: 100 })
    for (let i = 0; i < 5; i++) intake.push(warning(i))
    expect(batches).toHaveLength(0)
    vi.advanceTimersByTime(49)
    expect(batches).toHaveLength(0)
    vi.advanceTimersByTime(1)
    expect(batches).toHaveLength(1)
    expect(batches[0]!.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5])
    expect(lines().map((e) => e.seq)).toEqual([1, 2, 3, 4, 5])
    expect(intake.lastSeq).toBe(5)
    expect(intake.deliveredSeq).toBe(5)
  })

  it('writes a batch to disk before delivering it, and keeps events as received', () => {
    let onDisk = 0
    const intake = new Intake(log, () => (onDisk = lines().length), { flushMs: 50, maxBatch: 1000, memoryLimit: 100 })
    intake.push(warning(0))
    intake.push(warning(1))
    vi.advanceTimersByTime(50)
    expect(onDisk).toBe(2)
    expect(lines()[1]).toEqual({ ...warning(1), seq: 2 })
  })

  it('delivers at once when a batch is large, with no timer left behind', () => {
    const intake = new Intake(log, (b) => batches.push(b), { flushMs: 50, maxBatch: 3, memoryLimit: 100 })
    for (let i = 0; i < 7; i++) intake.push(warning(i))
    expect(batches.map((b) => b.length)).toEqual([3, 3])
    vi.advanceTimersByTime(50)
    expect(batches.map((b) => b.length)).toEqual([3, 3, 1])
    expect(batches.flat().map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('schedules no timer while idle', () => {
    new Intake(log, (b) => batches.push(b))
    expect(vi.getTimerCount()).toBe(0)
  })

  it('replays from memory, and from the file once memory was trimmed', async () => {
    const intake = new Intake(log, (b) => batches.push(b), { flushMs: 50, maxBatch: 10, memoryLimit: 8 })
    for (let i = 0; i < 40; i++) intake.push(warning(i))
    intake.flush()
    expect(intake.recent(35)!.map((e) => e.seq)).toEqual([36, 37, 38, 39, 40])
    expect(intake.recent(2)).toBeNull()
    vi.useRealTimers()
    const all = await intake.since(2)
    expect(all.map((e) => e.seq)).toEqual(Array.from({ length: 38 }, (_, i) => i + 3))
    expect(all[0]).toEqual({ ...warning(2), seq: 3 })
  })

  it('close flushes what is pending and ignores later events', () => {
    const intake = new Intake(log, (b) => batches.push(b))
    intake.push(warning(0))
    intake.close()
    intake.push(warning(1))
    expect(lines().map((e) => e.seq)).toEqual([1])
    expect(batches.flat()).toHaveLength(1)
  })
})
