import { type ChildProcess, fork } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parseEvent } from '../../shared/events'
import { PROGRAMS, addressBlock, tempDir } from './nodes-helpers'

/** A forked node sends its events over IPC, stops cleanly on SIGTERM and dies with its parent's channel. */

const block = addressBlock()
const dir = tempDir('nodes-ipc')
const config = join(dir, 'config.txt')
writeFileSync(config, `127.${block}.1.1:7401\n127.${block}.1.2:7401\n`)
const children: ChildProcess[] = []

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
})

function forkSeed(index: number): { child: ChildProcess; events: Record<string, unknown>[]; exited: Promise<number | null> } {
  const child = fork(join(PROGRAMS, 'seed.js'), ['--config', config, '--index', String(index), '--log-dir', dir, '--events', 'none'], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  })
  children.push(child)
  const events: Record<string, unknown>[] = []
  child.on('message', (m) => events.push(m as Record<string, unknown>))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return { child, events, exited }
}

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('a node forked with an IPC channel', () => {
  it('sends valid events over IPC and stops cleanly on SIGTERM', async () => {
    const { child, events, exited } = forkSeed(0)
    await until(() => events.some((e) => e.type === 'node.started'), 15_000)
    const started = events.find((e) => e.type === 'node.started')!
    expect(parseEvent(started).ok).toBe(true)
    expect(started).toMatchObject({ v: 1, node: `127.${block}.1.1:7401`, role: 'seed', pid: child.pid })
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    // 'exit' comes from the process table, messages from the channel: the last may still be in flight.
    await until(() => events.some((e) => e.type === 'node.stopping'), 5_000).catch(() => undefined)
    expect(events.some((e) => e.type === 'node.stopping' && e.reason === 'SIGTERM')).toBe(true)
  })

  it('exits at once when the parent closes the channel', async () => {
    const { child, events, exited } = forkSeed(1)
    await until(() => events.some((e) => e.type === 'node.started'), 15_000)
    child.disconnect()
    expect(await exited).toBe(0)
  })
})
