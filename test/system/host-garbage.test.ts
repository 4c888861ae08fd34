import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hostEventSchema, type SessionEvent } from '../../shared/events'
import type { HostController } from '../../electron/host/controller'
import { createHost } from '../../electron/host/host'
import { DEFAULT_SETTINGS } from '../../shared/settings'

/**
 * Node programs that misbehave: a fake seed/peer that sends invalid IPC messages and
 * garbage on stderr, and one that crashes after starting. The host reports each as
 * events about that node and keeps serving.
 */

const FAKE_NODE = `
const arg = (name) => process.argv[process.argv.indexOf(name) + 1]
const node = arg('--ip') + ':' + arg('--port')
const mode = process.env.FAKE_MODE
process.on('disconnect', () => process.exit(0))
const base = { v: 1, t: Date.now(), node }
process.send({ ...base, type: 'node.started', role: 'peer', seeds: [], settings: ${JSON.stringify(DEFAULT_SETTINGS)}, pid: process.pid })
if (mode === 'crash') setTimeout(() => process.exit(3), 50)
else if (mode === 'spew') {
  process.stderr.write('spew\\n'.repeat(5000), () => process.send({ ...base, type: 'node.warning', message: 'spewed' }))
  setInterval(() => {}, 1000)
} else {
  process.send({ hello: 'not an event' })
  process.send({ ...base, type: 'gossip.received', id: 'm', text: 'x', from: 42 })
  process.send({ ...base, node: '127.9.9.9:1', type: 'node.warning', message: 'forged sender' })
  process.send({ ...base, type: 'host.exited', code: 0, signal: null, expected: true })
  process.send('x'.repeat(5000))
  process.send({ ...base, type: 'node.warning', message: 'still fine' })
  process.stderr.write('plain garbage line\\n')
  process.stderr.write(Buffer.from([0xff, 0xfe, 0x0a]))
  process.stderr.write('y'.repeat(40000) + '\\n')
  process.stderr.write('last words without newline')
  setInterval(() => {}, 1000)
}
`

describe('host with misbehaving nodes', () => {
  let dir: string
  let host: HostController
  const events: SessionEvent[] = []
  const waiters: { test: () => boolean; resolve: () => void }[] = []
  const until = (what: string, test: () => boolean, timeoutMs = 20_000): Promise<void> =>
    new Promise((resolve, reject) => {
      if (test()) return resolve()
      const seen = () => events.map((e) => `${e.node} ${e.type} ${'reason' in e ? e.reason : ''}${'text' in e ? e.text.slice(0, 40) : ''}`).join('\n')
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; events:\n${seen()}`)), timeoutMs)
      waiters.push({ test, resolve: () => (clearTimeout(timer), resolve()) })
    })
  const about = (node: string, type: string) => events.filter((e) => e.node === node && e.type === type)

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gs-host-garbage-'))
    const script = join(dir, 'fake-node.cjs')
    writeFileSync(script, FAKE_NODE)
    host = createHost({
      sessionsDir: join(dir, 'sessions'),
      nodesDir: dir,
      // Both roles run the fake program.
      supervisor: { scripts: { seed: script, peer: script, host: script }, packing: { mode: 'single' }, basePort: 21000 + Math.floor(Math.random() * 8000), stopTimeoutMs: 2000 },
    })
    host.onEvents((batch) => {
      events.push(...batch.events)
      for (const waiter of [...waiters]) if (waiter.test()) waiters.splice(waiters.indexOf(waiter), 1) && waiter.resolve()
    })
    await host.ready(0)
  })

  afterAll(async () => {
    await host?.shutdown()
    rmSync(dir, { recursive: true, force: true })
  })

  it('reports invalid IPC messages as host.stream-error and stderr as host.stderr, and keeps serving', async () => {
    const started = await host.startNetwork({ seeds: 2, peers: 1, settings: DEFAULT_SETTINGS })
    if (!started.ok) throw new Error(started.error)
    const peer = started.value.nodes.find((n) => n.role === 'peer')!.id
    // 'still fine' is the message after the 5th bad one and may come in a later batch.
    await until(
      'stream errors',
      () => about(peer, 'host.stream-error').length === 5 && about(peer, 'host.stderr').length === 3 && about(peer, 'node.warning').length > 0,
    )
    const errors = about(peer, 'host.stream-error') as Extract<SessionEvent, { type: 'host.stream-error' }>[]
    expect(errors.map((e) => e.reason)).toEqual([
      expect.stringMatching(/type|Invalid/i),
      expect.stringMatching(/from/),
      'event claims to be from 127.9.9.9:1',
      'a node may not send host events',
      expect.any(String),
    ])
    expect(errors[4]!.line.length).toBeLessThanOrEqual(2000)
    // The forged host event was not taken for a real exit, and the valid event after the garbage got through.
    expect(about(peer, 'host.exited')).toHaveLength(0)
    expect(about(peer, 'node.warning')).toMatchObject([{ message: 'still fine' }])
    const stderr = about(peer, 'host.stderr').map((e) => (e as { text: string }).text)
    expect(stderr[0]).toBe('plain garbage line')
    expect(stderr[1]).toMatch(/invalid UTF-8/)
    expect(stderr[2]).toMatch(/longer than/)
    for (const event of events.filter((e) => e.type.startsWith('host.'))) expect(hostEventSchema.safeParse(event).success).toBe(true)
    const status = await host.getStatus()
    expect(status.nodes.every((n) => n.state === 'running')).toBe(true)
    expect(await host.killNode(peer)).toEqual({ ok: true, value: undefined })
    await until('the kill', () => about(peer, 'host.exited').length === 1)
    // The last stderr line, unterminated, still arrives before the exit.
    expect(about(peer, 'host.stderr').map((e) => (e as { text: string }).text)).toContain('last words without newline')
  })

  it('shows a node that crashes after starting as crashed, with its exit code', async () => {
    process.env.FAKE_MODE = 'crash'
    const added = await host.addPeers(1)
    delete process.env.FAKE_MODE
    if (!added.ok) throw new Error(added.error)
    const id = added.value[0]!.id
    await until('the crash', () => about(id, 'host.exited').length === 1)
    expect(about(id, 'host.exited')).toMatchObject([{ code: 3, signal: null, expected: false }])
    expect((await host.getStatus()).nodes.find((n) => n.id === id)?.state).toBe('crashed')
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1))
  })

  it('caps the output of a node that spews stderr, and says how much was dropped', async () => {
    process.env.FAKE_MODE = 'spew'
    const added = await host.addPeers(1)
    delete process.env.FAKE_MODE
    if (!added.ok) throw new Error(added.error)
    const id = added.value[0]!.id
    await until('the spew', () => about(id, 'node.warning').length === 1)
    expect(await host.killNode(id)).toEqual({ ok: true, value: undefined })
    await until('the kill', () => about(id, 'host.exited').length === 1)
    const lines = about(id, 'host.stderr').map((e) => (e as { text: string }).text)
    expect(lines.filter((l) => l === 'spew').length).toBeLessThan(5000)
    expect(lines.filter((l) => l === 'spew').length).toBeGreaterThanOrEqual(200)
    const dropped = lines.filter((l) => /more lines of output or bad events dropped/.test(l))
    expect(dropped.length).toBeGreaterThanOrEqual(1)
    const counted = dropped.reduce((sum, l) => sum + Number(/\((\d+) more/.exec(l)![1]), 0)
    expect(counted + lines.filter((l) => l === 'spew').length).toBe(5000)
  })
})
