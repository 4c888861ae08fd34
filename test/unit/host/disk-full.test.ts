import * as fs from 'node:fs'
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { EventLog } from '../../../electron/host/event-log'
import { AppendFile, type AppendFs } from '../../../electron/nodes/append-file'
import { FILE_FLUSH_MS, NodeOutput } from '../../../electron/nodes/output'
import type { SessionEvent } from '../../../shared/events'
import { tempDir } from '../archive/fixture'

/**
 * A full disk, injected (a fake fs whose writes fail with ENOSPC after writing part of
 * the batch), never the real disk: no torn line, told at once, resumed when space returns.
 */

const root = tempDir('disk-full')
afterAll(() => rmSync(root, { recursive: true, force: true }))
afterEach(() => vi.restoreAllMocks())

/** Real fs, except that while `full` every write puts down `partial` bytes and then fails with ENOSPC. */
function fullDisk(partial = 7): AppendFs & { full: boolean } {
  const fake = {
    full: false,
    openSync: (path: string, flags: string) => fs.openSync(path, flags),
    fstatSync: (fd: number) => fs.fstatSync(fd),
    ftruncateSync: (fd: number, length: number) => fs.ftruncateSync(fd, length),
    closeSync: (fd: number) => fs.closeSync(fd),
    writeSync: (fd: number, buffer: Uint8Array, offset: number, length: number) => {
      if (!fake.full) return fs.writeSync(fd, buffer, offset, length)
      fs.writeSync(fd, buffer, offset, Math.min(partial, length))
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })
    },
  }
  return fake
}

const event = (seq: number): SessionEvent => ({ v: 1, t: 1000 + seq, node: '127.0.2.1:7000', type: 'node.warning', message: `m${seq}`, seq }) as SessionEvent

describe('AppendFile on a full disk', () => {
  it.each([0, 1, 7, 100])('truncates a batch cut after %i bytes back to the last whole line, and resumes', (partial) => {
    const path = join(root, `append-${partial}.txt`)
    const disk = fullDisk(partial)
    let t = 0
    const problems: string[] = []
    const resumed: number[] = []
    const file = new AppendFile(path, { onProblem: (m) => problems.push(m), onResumed: (_m, lost) => resumed.push(lost) }, disk, 1000, () => t)
    file.write('one\ntwo\n')
    disk.full = true
    file.write('three\nfour\n')
    expect(readFileSync(path, 'utf8')).toBe('one\ntwo\n')
    expect(problems).toEqual([`cannot write ${path} (ENOSPC: the disk is full); lines are dropped until writing works again`])
    t += 10
    file.write('five\n') // within the retry interval: counted, not tried
    disk.full = false
    t += 2000
    file.write('six\n')
    expect(readFileSync(path, 'utf8')).toBe('one\ntwo\nsix\n')
    expect(resumed).toEqual([3])
    expect(problems).toHaveLength(1)
    file.close()
  })
})

describe('session recording on a full disk', () => {
  it('keeps whole lines, reports the problem at once, resumes and counts the lost events', async () => {
    const path = join(root, 'events.ndjson')
    const disk = fullDisk(30)
    let changes = 0
    const log = new EventLog(path, () => changes++, disk)
    for (let seq = 1; seq <= 3; seq++) log.append(event(seq))
    log.flush()
    disk.full = true
    for (let seq = 4; seq <= 6; seq++) log.append(event(seq))
    log.flush()
    expect(changes).toBe(1)
    expect(log.problem).toMatch(/^Recording paused: cannot write .*events\.ndjson \(ENOSPC: the disk is full\)/)
    const lines = readFileSync(path, 'utf8').split('\n')
    expect(lines.pop()).toBe('')
    expect(lines.map((l) => JSON.parse(l).seq)).toEqual([1, 2, 3])
    disk.full = false
    await new Promise((r) => setTimeout(r, 1100)) // the retry interval
    log.append(event(7))
    log.flush()
    expect(changes).toBe(2)
    expect(log.problem).toBe('Recording resumed after a write failure; 3 events could not be recorded, so this session\'s file is incomplete')
    expect((await log.read(0, 100)).map((e) => e.seq)).toEqual([1, 2, 3, 7])
    expect((await log.read(2, 7)).map((e) => e.seq)).toEqual([3])
    log.close()
  })
})

describe('a node\'s log and events files on a full disk', () => {
  it('says so in a node.warning at once and on the console, never tears a line, and resumes', async () => {
    const dir = join(root, 'node')
    const disk = fullDisk(5)
    const forwarded: Array<{ type: string; message?: string }> = []
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
    const output = new NodeOutput({
      node: '127.0.2.1:7000',
      logPath: join(dir, 'peer_network.log'),
      events: { kind: 'file', path: join(dir, 'events.ndjson') },
      forward: (e) => forwarded.push(e as never),
      fs: disk,
    })
    output.log(1_800_000_000_000, 'before')
    output.flush()
    disk.full = true
    output.log(1_800_000_000_001, 'lost')
    output.flush()
    // The log's warning is an event, which its file takes at its next write (FILE_FLUSH_MS).
    await new Promise((r) => setTimeout(r, 3 * FILE_FLUSH_MS))
    const warnings = forwarded.filter((e) => e.type === 'node.warning')
    // Each file says so once: the log, then the events file (on which that warning could not be written either).
    expect(warnings.map((w) => w.message)).toEqual([
      expect.stringMatching(/cannot write .*peer_network\.log \(ENOSPC: the disk is full\)/),
      expect.stringMatching(/cannot write .*events\.ndjson \(ENOSPC: the disk is full\)/),
    ])
    const log = readFileSync(join(dir, 'peer_network.log'), 'utf8')
    expect(log.endsWith('\n')).toBe(true)
    expect(log).not.toContain('lost')
    disk.full = false
    await new Promise((r) => setTimeout(r, 1100))
    output.log(1_800_000_000_002, 'after')
    output.flush()
    await new Promise((r) => setTimeout(r, 3 * FILE_FLUSH_MS))
    expect(readFileSync(join(dir, 'peer_network.log'), 'utf8')).toMatch(/before\n.*after\n$/)
    const messages = forwarded.filter((e) => e.type === 'node.warning').map((e) => e.message)
    expect(messages).toContainEqual(expect.stringMatching(/writing .*peer_network\.log again; 1 line could not be written meanwhile/))
    const events = readFileSync(join(dir, 'events.ndjson'), 'utf8')
    expect(events.endsWith('\n')).toBe(true)
    for (const line of events.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow()
    output.close()
  })
})
