import { NO_CONDITIONS } from '../../../shared/net/conditions'
import { resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { GossipscopeApi, HostStatus } from '../../../shared/ipc'
import { DEFAULT_SETTINGS } from '../../../shared/settings'

/** renderer/src/api/web-client.ts, loaded by path (it belongs to the web tsconfig). */
const WEB_CLIENT = resolve(__dirname, '../../../renderer/src/api/web-client.ts')
type Client = GossipscopeApi & { close(): void; readonly connected: boolean }
type Create = (options: Record<string, unknown>) => Client
const { createWebClient } = (await import(/* @vite-ignore */ WEB_CLIENT)) as { createWebClient: Create }

/** A scripted WebSocket: the test opens, answers and drops it. */
class FakeSocket {
  static all: FakeSocket[] = []
  onopen: (() => void) | null = null
  onmessage: ((event: { data: unknown }) => void) | null = null
  onclose: (() => void) | null = null
  onerror: (() => void) | null = null
  sent: { id: number; method: string; args: unknown[] }[] = []
  constructor(readonly url: string) {
    FakeSocket.all.push(this)
  }
  send(frame: string) {
    this.sent.push(JSON.parse(frame))
  }
  close() {
    this.onclose?.()
  }
  open() {
    this.onopen?.()
  }
  receive(message: unknown) {
    this.onmessage?.({ data: JSON.stringify(message) })
  }
  reply(method: string, result: unknown) {
    const request = this.sent.find((r) => r.method === method)!
    this.receive({ id: request.id, result })
  }
}

const status = (sessionId: string | null): HostStatus => ({ sessionId, running: true, settings: DEFAULT_SETTINGS, nodes: [], lastSeq: 0, maxNodes: 200, conditions: NO_CONDITIONS })
const event = (seq: number) => ({ v: 1, t: 1, node: '127.0.1.1:20001', type: 'node.warning', message: 'x', seq })
const flush = () => new Promise((r) => setImmediate(r))

describe('web client', () => {
  let api: Client
  beforeEach(() => {
    FakeSocket.all = []
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    api = createWebClient({ url: 'ws://h/api', WebSocketImpl: FakeSocket, reconnectMinMs: 100, requestTimeoutMs: 5000 })
  })
  afterEach(() => {
    api.close()
    vi.useRealTimers()
  })

  it('queues requests until the socket opens, then matches replies by id', async () => {
    const pending = api.getStatus()
    const socket = FakeSocket.all[0]!
    expect(socket.sent).toEqual([])
    socket.open()
    expect(socket.sent).toEqual([{ id: 1, method: 'getStatus', args: [] }])
    socket.reply('getStatus', status('s1'))
    expect(await pending).toEqual(status('s1'))
  })

  it('delivers pushes and resumes with ready(lastSeq) after a reconnect, in the same session', async () => {
    const batches: number[] = []
    api.onEvents((b) => batches.push(...b.events.map((e) => e.seq)))
    const first = FakeSocket.all[0]!
    first.open()
    const ready = api.ready(0)
    first.receive({ push: 'status', payload: status('s1') })
    first.receive({ push: 'events', payload: { events: [event(1), event(2), event(3)] } })
    first.reply('ready', null)
    await ready
    first.close()
    vi.advanceTimersByTime(100)
    const second = FakeSocket.all[1]!
    second.open()
    expect(second.sent.map((r) => r.method)).toEqual(['getStatus'])
    second.reply('getStatus', status('s1'))
    await flush()
    expect(second.sent.at(-1)).toMatchObject({ method: 'ready', args: [3] })
    expect(batches).toEqual([1, 2, 3])
  })

  it('resumes from 0 when the host runs another session', async () => {
    const first = FakeSocket.all[0]!
    first.open()
    const ready = api.ready(0)
    first.receive({ push: 'status', payload: status('s1') })
    first.receive({ push: 'events', payload: { events: [event(1)] } })
    first.reply('ready', null)
    await ready
    first.close()
    vi.advanceTimersByTime(100)
    const second = FakeSocket.all[1]!
    second.open()
    second.reply('getStatus', status('s2'))
    await flush()
    expect(second.sent.at(-1)).toMatchObject({ method: 'ready', args: [0] })
  })

  it('fails requests lost with the connection: Result methods with ok:false, others by rejecting', async () => {
    const socket = FakeSocket.all[0]!
    socket.open()
    const add = api.addPeers(2)
    const get = api.getStatus()
    socket.close()
    expect(await add).toEqual({ ok: false, error: 'the connection to the host was lost' })
    await expect(get).rejects.toThrow(/lost/)
  })

  it('waits up to 10 minutes for verbs that start nodes (1,000 nodes start in waves)', async () => {
    const start = api.startNetwork({ seeds: 3, peers: 997, settings: DEFAULT_SETTINGS })
    let settled = false
    void start.then(() => (settled = true))
    await vi.advanceTimersByTimeAsync(599_999)
    expect(settled).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(await start).toEqual({ ok: false, error: 'the host did not answer startNetwork within 600 s' })
  })

  it('times out a request nobody answers, and backs off between reconnects', async () => {
    const add = api.addSeed()
    vi.advanceTimersByTime(5000)
    expect(await add).toEqual({ ok: false, error: 'the host did not answer addSeed within 5 s' })
    FakeSocket.all[0]!.close()
    vi.advanceTimersByTime(99)
    expect(FakeSocket.all).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(FakeSocket.all).toHaveLength(2)
    FakeSocket.all[1]!.close()
    vi.advanceTimersByTime(199)
    expect(FakeSocket.all).toHaveLength(2)
    vi.advanceTimersByTime(1)
    expect(FakeSocket.all).toHaveLength(3)
  })

  it('passes error replies through, and ignores garbage from the host', async () => {
    const socket = FakeSocket.all[0]!
    socket.open()
    const kill = api.killNode('x')
    socket.onmessage?.({ data: '{garbage' })
    socket.onmessage?.({ data: 42 })
    socket.receive({ id: 1, error: 'killNode: expected a node id IP:PORT' })
    expect(await kill).toEqual({ ok: false, error: 'killNode: expected a node id IP:PORT' })
  })
})
