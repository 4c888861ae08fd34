import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { SessionEvent } from '../../shared/events'
import type { GossipscopeApi, HostStatus } from '../../shared/ipc'
import { freePort, isAlive, randomBasePort, startWebHost } from './web-host'

/** The renderer's client (renderer/src/api/web-client.ts); loaded by path: it belongs to the web tsconfig. */
const WEB_CLIENT = resolve(__dirname, '../../renderer/src/api/web-client.ts')
type CreateWebClient = (options: { url: string; WebSocketImpl: unknown }) => GossipscopeApi & { close(): void }

/**
 * The built web host (out/main/web.js) as a user runs it: HTTP for the renderer, the API
 * over a same-origin WebSocket (raw frames and the renderer's own client), malformed
 * frames answered, and SIGTERM leaving no node behind.
 */

let port = 0
let origin = ''

/** A `ws` socket that presents this host's Origin, as a browser on the page would. */
class PageSocket extends WebSocket {
  constructor(url: string) {
    super(url, { origin })
  }
}

/** A raw connection with request/reply and a record of pushes. */
async function rawClient(headers: { origin?: string } = { origin }) {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/api`, headers)
  const replies = new Map<unknown, (value: Record<string, unknown>) => void>()
  const pushes: { push: string; payload: unknown }[] = []
  const unmatched: Record<string, unknown>[] = []
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as Record<string, unknown>
    if ('push' in message) pushes.push(message as never)
    else if (replies.has(message.id)) replies.get(message.id)!(message)
    else unmatched.push(message)
  })
  await new Promise<void>((ok, fail) => {
    socket.once('open', () => ok())
    socket.once('error', fail)
    socket.once('unexpected-response', (_req, res) => fail(new Error(`HTTP ${res.statusCode}`)))
  })
  let id = 0
  const call = (method: string, args: unknown[]): Promise<Record<string, unknown>> =>
    new Promise((ok) => {
      const n = ++id
      replies.set(n, ok)
      socket.send(JSON.stringify({ id: n, method, args }))
    })
  const nextUnmatched = (): Promise<Record<string, unknown>> =>
    new Promise((ok) => {
      const check = () => (unmatched.length > 0 ? ok(unmatched.shift()!) : setTimeout(check, 5))
      check()
    })
  return { socket, call, pushes, nextUnmatched }
}

describe('web host', () => {
  let dir: string
  let web: ChildProcess

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gs-web-sys-'))
    port = await freePort()
    origin = `http://127.0.0.1:${port}`
    web = (
      await startWebHost({
        port,
        sessions: dir,
        basePort: randomBasePort(),
        args: ['--seeds', '2', '--peers', '2', '--time-scale', '0.05'],
        readyText: 'started 2 seeds and 2 peers',
      })
    ).child
  })

  afterAll(() => {
    if (web.exitCode === null) web.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })

  it('serves the renderer with its CSP, and nothing outside it', async () => {
    const page = await fetch(`${origin}/`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
    for (const path of ['/../package.json', '/%2e%2e/package.json', '/assets/', '/nope.js', '/exports/../../package.json']) {
      expect((await fetch(`${origin}${path}`)).status, path).toBe(404)
    }
    expect((await fetch(`${origin}/`, { method: 'POST' })).status).toBe(405)
  })

  it('answers the API over the WebSocket and streams the session from seq 1', async () => {
    const client = await rawClient()
    const status = (await client.call('getStatus', [])).result as HostStatus
    expect(status.running).toBe(true)
    expect(status.nodes).toHaveLength(4)
    expect(await client.call('ready', [0])).toEqual({ id: 2, result: null })
    expect(client.pushes[0]!.push).toBe('status')
    const seqs = client.pushes.filter((p) => p.push === 'events').flatMap((p) => (p.payload as { events: SessionEvent[] }).events.map((e) => e.seq))
    expect(seqs.slice(0, 4)).toEqual([1, 2, 3, 4])
    expect(await client.call('addPeers', [-1])).toMatchObject({ result: { ok: false, error: expect.stringMatching(/^addPeers: /) } })
    expect(await client.call('killNode', ['127.0.0.1:1'])).toMatchObject({ result: { ok: false } })
    expect(await client.call('nope', [])).toMatchObject({ error: expect.stringMatching(/unknown method/) })
    client.socket.close()
  })

  it('refuses invalid network conditions over the WebSocket with a message, and applies valid ones', async () => {
    const client = await rawClient()
    const before = ((await client.call('getStatus', [])).result as HostStatus).conditions
    expect(await client.call('setConditions', [{ defaults: { delayMs: 5, jitterMs: 0, loss: 7 } }])).toMatchObject({
      result: { ok: false, error: 'setConditions: loss must be in 0..1, got 7 (argument 0.defaults)' },
    })
    expect(await client.call('partition', [{ side: [] }])).toMatchObject({ result: { ok: false, error: expect.stringMatching(/^partition: /) } })
    expect(await client.call('heal', ['all'])).toMatchObject({ result: { ok: false, error: expect.stringMatching(/^heal: /) } })
    expect(((await client.call('getStatus', [])).result as HostStatus).conditions).toEqual(before)
    const set = await client.call('setConditions', [{ defaults: { delayMs: 2, jitterMs: 0.5, loss: 0 } }])
    expect(set).toMatchObject({ result: { ok: true, value: { defaults: { delayMs: 2, jitterMs: 0.5, loss: 0 } } } })
    expect(((await client.call('getStatus', [])).result as HostStatus).conditions.defaults).toEqual({ delayMs: 2, jitterMs: 0.5, loss: 0 })
    await client.call('setConditions', [{ defaults: { delayMs: 0, jitterMs: 0, loss: 0 } }])
    client.socket.close()
  })

  it('answers malformed frames with an error and keeps the connection', async () => {
    const client = await rawClient()
    client.socket.send('{not json')
    expect(await client.nextUnmatched()).toEqual({ id: null, error: 'malformed frame: not JSON' })
    client.socket.send(JSON.stringify({ id: 'a', method: 'getStatus', args: 'x' }))
    expect(await client.nextUnmatched()).toMatchObject({ id: 'a', error: expect.stringMatching(/^malformed frame/) })
    client.socket.send(Buffer.from([1, 2, 3]), { binary: true })
    expect(await client.nextUnmatched()).toMatchObject({ id: null, error: 'malformed frame: expected a text frame' })
    expect((await client.call('getStatus', [])).result).toMatchObject({ running: true })
    client.socket.close()
  })

  it('refuses WebSockets from other origins', async () => {
    await expect(rawClient({ origin: 'http://evil.example' })).rejects.toThrow(/403/)
    await expect(rawClient({})).rejects.toThrow(/403/)
  })

  it("works through the renderer's web client (events in order, Result errors)", async () => {
    const { createWebClient } = (await import(/* @vite-ignore */ WEB_CLIENT)) as { createWebClient: CreateWebClient }
    const api = createWebClient({ url: `ws://127.0.0.1:${port}/api`, WebSocketImpl: PageSocket })
    const seqs: number[] = []
    let status: HostStatus | null = null
    api.onEvents((batch) => seqs.push(...batch.events.map((e) => e.seq)))
    api.onStatus((s) => (status = s))
    await api.ready(0)
    expect(status).not.toBeNull()
    expect(seqs).toEqual(seqs.map((_, i) => i + 1))
    expect(await api.addPeers(0)).toMatchObject({ ok: false })
    const added = await api.addPeers(1)
    expect(added).toMatchObject({ ok: true, value: [{ role: 'peer', state: 'running' }] })
    const sessions = await api.listSessions()
    expect(sessions).toHaveLength(1)
    api.close()
  })

  it('exports the running session and serves the zip at the returned URL', async () => {
    const client = await rawClient()
    const reply = (await client.call('exportSession', [{ format: 'zip' }])).result as { ok: boolean; value: { url: string; bytes: number; path: string } }
    expect(reply).toMatchObject({ ok: true, value: { url: expect.stringMatching(/^\/exports\/[\w.-]+\.zip$/) } })
    const download = await fetch(`${origin}${reply.value.url}`)
    expect(download.status).toBe(200)
    expect(download.headers.get('content-type')).toBe('application/zip')
    expect(download.headers.get('content-disposition')).toMatch(/^attachment/)
    const bytes = new Uint8Array(await download.arrayBuffer())
    expect(bytes.length).toBe(reply.value.bytes)
    expect([...bytes.slice(0, 2)]).toEqual([0x50, 0x4b]) // PK
    client.socket.close()
  })

  it('runs two exports asked at once one after the other, says the second is queued, and leaves no partial file', async () => {
    const a = await rawClient()
    const b = await rawClient()
    await a.call('ready', [0])
    const before = ((await a.call('getStatus', [])).result as HostStatus).exports!
    const [ra, rb] = await Promise.all([a.call('exportSession', [{ format: 'zip' }]), b.call('exportSession', [{ format: 'zip' }])])
    const replies = [ra.result, rb.result] as Array<{ ok: boolean; value: { path: string; bytes: number } }>
    expect(replies.map((r) => r.ok)).toEqual([true, true])
    expect(replies[0]!.value.path).not.toBe(replies[1]!.value.path)
    const queued = a.pushes.filter((p) => p.push === 'status').map((p) => (p.payload as HostStatus).exports!)
    expect(queued.some((q) => q.running === 1 && q.waiting === 1)).toBe(true)
    expect(queued.every((q) => q.running <= 1)).toBe(true)
    await expect.poll(async () => ((await a.call('getStatus', [])).result as HostStatus).exports).toEqual({ running: 0, waiting: 0, finished: before.finished + 2 })
    const left = readdirSync(join(dir, '_exports'))
    expect(left.filter((name) => name.endsWith('.partial'))).toEqual([])
    for (const r of replies) expect(left).toContain(basename(r.value.path))
    a.socket.close()
    b.socket.close()
  })

  it('stops every node and exits on SIGTERM', async () => {
    const client = await rawClient()
    const status = (await client.call('getStatus', [])).result as HostStatus
    const pids = status.nodes.map((n) => n.pid!)
    expect(pids.filter(isAlive)).toHaveLength(5)
    const exited = new Promise<number | null>((ok) => web.once('exit', (code) => ok(code)))
    web.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(pids.filter(isAlive)).toEqual([])
  })
})
