import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { API_METHODS, PUSH_CHANNELS, channelOf } from '../../../shared/ipc'
import { HostController } from '../../../electron/host/controller'
import { registerIpcHandlers } from '../../../electron/main/ipc-handlers'
import { isAppUrl } from '../../../electron/main/window'
import { FakeSupervisor } from '../host/fake-supervisor'

vi.mock('electron', () => ({}))

type Handler = (event: unknown, ...args: unknown[]) => unknown

function fakeIpcMain() {
  const handlers = new Map<string, Handler>()
  return {
    handlers,
    handle: vi.fn((channel: string, handler: Handler) => handlers.set(channel, handler)),
    removeHandler: vi.fn((channel: string) => handlers.delete(channel)),
  }
}

function fakeContents(id: number, url: string) {
  const sent: [string, unknown][] = []
  const mainFrame = { url, parent: null }
  const listeners = new Map<string, () => void>()
  return {
    id,
    mainFrame,
    sent,
    isDestroyed: () => false,
    send: (channel: string, payload: unknown) => sent.push([channel, payload]),
    once: (name: string, listener: () => void) => listeners.set(name, listener),
    destroy: () => listeners.get('destroyed')?.(),
  }
}

const page = { devUrl: null, indexFile: '/app/out/renderer/index.html' }
const appUrl = pathToFileURL(page.indexFile).href

describe('registerIpcHandlers', () => {
  let dir: string
  let fake: FakeSupervisor
  let host: HostController
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gs-ipc-'))
    host = new HostController({ sessionsDir: dir, exportsDir: dir, statusDelayMs: 1 }, (hooks) => (fake = new FakeSupervisor(dir, hooks)))
  })
  afterEach(async () => {
    await host.shutdown()
    rmSync(dir, { recursive: true, force: true })
  })

  const setup = () => {
    const ipcMain = fakeIpcMain()
    const call = vi.spyOn(host, 'call')
    const handlers = registerIpcHandlers(ipcMain as never, host, (url) => isAppUrl(page, url))
    const contents = fakeContents(1, `${appUrl}#/`)
    handlers.attach(contents as never)
    const event = (sender = contents, frame: { url: string; parent: unknown } | null = contents.mainFrame) => ({ sender, senderFrame: frame })
    return { ipcMain, call, handlers, contents, event }
  }

  it('registers exactly one channel per API method, and removes them', () => {
    const { ipcMain, handlers } = setup()
    expect([...ipcMain.handlers.keys()].sort()).toEqual(API_METHODS.map(channelOf).sort())
    handlers.dispose()
    expect(ipcMain.handlers.size).toBe(0)
  })

  it('serves the app window and validates its arguments', async () => {
    const { ipcMain, event } = setup()
    const addPeers = ipcMain.handlers.get(channelOf('addPeers'))!
    expect(await addPeers(event(), -3)).toEqual({ ok: false, error: expect.stringMatching(/^addPeers: /) })
    expect(await addPeers(event(), 2, 'extra')).toEqual({ ok: false, error: expect.stringMatching(/^addPeers: /) })
    const kill = ipcMain.handlers.get(channelOf('killNode'))!
    expect(await kill(event(), { id: 'x' })).toEqual({ ok: false, error: expect.stringMatching(/^killNode: /) })
    await expect(Promise.resolve(ipcMain.handlers.get(channelOf('ready'))!(event(), 'zero'))).rejects.toThrow(/ready/)
    expect(fake.calls).toEqual([])
    const status = await ipcMain.handlers.get(channelOf('getStatus'))!(event())
    expect(status).toMatchObject({ sessionId: null, running: false, maxNodes: 10 })
  })

  it('ignores calls from frames the app did not create', async () => {
    const { ipcMain, call, contents, event } = setup()
    const startNetwork = ipcMain.handlers.get(channelOf('startNetwork'))!
    const stranger = fakeContents(2, appUrl)
    const foreign = [
      event(stranger as never), // a window the app never attached
      event(contents, { url: 'https://evil.example/', parent: null }), // its main frame navigated away
      event(contents, { url: appUrl, parent: contents.mainFrame }), // a subframe, even at the app's URL
      event(contents, null), // the frame is gone
      event(contents, { url: 'file:///tmp/other.html', parent: null }),
    ]
    for (const e of foreign) expect(await startNetwork(e, { seeds: 2, peers: 0, settings: {} })).toBeUndefined()
    expect(call).not.toHaveBeenCalled()
    expect(fake.calls).toEqual([])
  })

  it('queues pushes until the renderer calls ready, then sends status and events', async () => {
    vi.useFakeTimers()
    const { ipcMain, contents, event, handlers } = setup()
    const settings = (await host.getStatus()).settings
    expect(await ipcMain.handlers.get(channelOf('startNetwork'))!(event(), { seeds: 2, peers: 1, settings })).toMatchObject({ ok: true })
    vi.advanceTimersByTime(100) // batches and status are due, but the renderer is not ready
    vi.useRealTimers()
    expect(contents.sent).toEqual([])
    await ipcMain.handlers.get(channelOf('ready'))!(event(), 0)
    expect(contents.sent[0]![0]).toBe(PUSH_CHANNELS.status)
    const events = contents.sent.filter(([c]) => c === PUSH_CHANNELS.events).flatMap(([, b]) => (b as { events: { seq: number; type: string }[] }).events)
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4])
    // A start from the window is the user's action, recorded first (Save as scenario reads it).
    expect(events[0]).toMatchObject({ type: 'host.action', by: 'user', action: 'start', seeds: 2, peers: 1 })
    handlers.menu('export')
    expect(contents.sent.at(-1)).toEqual([PUSH_CHANNELS.menu, 'export'])
  })

  it('sends the window gossip per message above the hop-summary threshold, the session file every hop', async () => {
    await host.shutdown()
    host = new HostController(
      { sessionsDir: dir, exportsDir: dir, statusDelayMs: 1, hopSummary: { aboveNodes: 2, aboveHopsPerSecond: 1e9, holdMs: 0, windowMs: 20 } },
      (hooks) => (fake = new FakeSupervisor(dir, hooks)),
    )
    const { ipcMain, contents, event } = setup()
    const settings = (await host.getStatus()).settings
    expect(await ipcMain.handlers.get(channelOf('startNetwork'))!(event(), { seeds: 2, peers: 1, settings })).toMatchObject({ ok: true })
    await ipcMain.handlers.get(channelOf('ready'))!(event(), 0)
    const [a, b] = (await host.getStatus()).nodes.map((n) => n.id)
    for (let i = 0; i < 10; i++) fake.hooks.emit({ v: 1, t: 10 + i, node: b!, type: 'gossip.forwarded', id: 'm1', to: a! })
    await vi.waitFor(() => expect(contents.sent.some(([c, p]) => c === PUSH_CHANNELS.events && (p as { events: { type: string }[] }).events.some((e) => e.type === 'gossip.coverage'))).toBe(true))
    const pushed = contents.sent.filter(([c]) => c === PUSH_CHANNELS.events).flatMap(([, p]) => (p as { events: { type: string; hops?: number }[] }).events)
    expect(pushed.filter((e) => e.type === 'gossip.forwarded')).toEqual([])
    expect(pushed.find((e) => e.type === 'gossip.coverage')).toMatchObject({ hops: 10 })
    expect((await host.getStatus()).hopSummary).toMatchObject({ aboveNodes: 2, active: true })
    const recorded = readFileSync(join(dir, (await host.getStatus()).sessionId!, 'events.ndjson'), 'utf8')
    expect(recorded.split('"type":"gossip.forwarded"').length - 1).toBe(10)
  })
})
