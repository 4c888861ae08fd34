import {
  RESULT_METHODS,
  type ApiMethod,
  type EventBatch,
  type GossipscopeApi,
  type HostStatus,
  type Result,
} from '../../../shared/ipc'

/**
 * GossipscopeApi over the web host's WebSocket (`/api`, protocol in electron/web/ws-bridge.ts).
 * Reconnects with backoff; after a reconnect it resumes the event stream with
 * `ready(lastSeq)` (or `ready(0)` when the host has started another session meanwhile),
 * so a page survives a host restart or a dropped connection without losing events.
 * Requests made while disconnected wait for the connection, up to `requestTimeoutMs`.
 */

export interface WebClientOptions {
  /** Default: ws(s)://<this page's host>/api */
  url?: string
  /** Default: the browser's WebSocket. */
  WebSocketImpl?: typeof WebSocket
  /** ms before a request with no answer fails. */
  requestTimeoutMs?: number
  /** Reconnect delays in ms: first, then doubling up to max. */
  reconnectMinMs?: number
  reconnectMaxMs?: number
}

export interface WebClient extends GossipscopeApi {
  /** Stops reconnecting and closes the socket. */
  close(): void
  /** True while the socket is open. */
  readonly connected: boolean
}

interface Pending {
  method: ApiMethod
  frame: string
  sent: boolean
  resolve(value: unknown): void
  reject(error: Error): void
  timer: ReturnType<typeof setTimeout>
}

type Incoming =
  | { id: number; result: unknown }
  | { id: number | null; error: string }
  | { push: 'events'; payload: EventBatch }
  | { push: 'status'; payload: HostStatus }

/** Methods that resolve after nodes started, and how long the client waits for them (ms). */
const LAUNCHING_METHODS: ReadonlySet<ApiMethod> = new Set<ApiMethod>(['startNetwork', 'addPeers', 'runScenario'])
const LAUNCH_TIMEOUT_MS = 600_000

export function defaultApiUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api`
}

export function createWebClient(options: WebClientOptions = {}): WebClient {
  const url = options.url ?? defaultApiUrl(globalThis.location)
  const Impl = options.WebSocketImpl ?? globalThis.WebSocket
  const timeoutMs = options.requestTimeoutMs ?? 30_000
  // Verbs that answer once nodes have started wait for every launch wave: 1,000 nodes in
  // waves of 50, each up to 10 s, on a loaded machine take minutes, not 30 s.
  const limitOf = (method: ApiMethod): number => (LAUNCHING_METHODS.has(method) ? Math.max(timeoutMs, LAUNCH_TIMEOUT_MS) : timeoutMs)
  const minDelay = options.reconnectMinMs ?? 250
  const maxDelay = options.reconnectMaxMs ?? 5000

  const pending = new Map<number, Pending>()
  const eventListeners = new Set<(batch: EventBatch) => void>()
  const statusListeners = new Set<(status: HostStatus) => void>()
  let socket: WebSocket | null = null
  let open = false
  let closed = false
  let nextId = 1
  let delay = minDelay
  let reconnectTimer: ReturnType<typeof setTimeout> | null = null
  /** The renderer asked for events: resume them after every reconnect. */
  let subscribed = false
  /** Highest seq received, and the session it belongs to. */
  let lastSeq = 0
  let sessionId: string | null = null

  const fail = (entry: Pending, message: string): void => {
    clearTimeout(entry.timer)
    if (RESULT_METHODS.has(entry.method)) entry.resolve({ ok: false, error: message } satisfies Result<never>)
    else entry.reject(new Error(message))
  }

  const request = <T>(method: ApiMethod, args: unknown[]): Promise<T> => {
    if (closed) return Promise.reject(new Error('the connection to the host is closed'))
    const id = nextId++
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = {
        method,
        frame: JSON.stringify({ id, method, args }),
        sent: false,
        resolve: resolve as (value: unknown) => void,
        reject,
        timer: setTimeout(() => {
          pending.delete(id)
          fail(entry, `the host did not answer ${method} within ${limitOf(method) / 1000} s`)
        }, limitOf(method)),
      }
      pending.set(id, entry)
      if (open) transmit(entry)
    })
  }

  const transmit = (entry: Pending): void => {
    entry.sent = true
    socket?.send(entry.frame)
  }

  const onMessage = (data: unknown): void => {
    if (typeof data !== 'string') return
    let message: Incoming
    try {
      message = JSON.parse(data) as Incoming
    } catch {
      return
    }
    if ('push' in message) {
      if (message.push === 'events') {
        const last = message.payload.events.at(-1)
        if (last) lastSeq = last.seq
        eventListeners.forEach((listener) => listener(message.payload))
      } else {
        sessionId = message.payload.sessionId
        statusListeners.forEach((listener) => listener(message.payload))
      }
      return
    }
    if (message.id === null) return
    const entry = pending.get(message.id)
    if (!entry) return
    pending.delete(message.id)
    clearTimeout(entry.timer)
    if ('error' in message) fail(entry, message.error)
    else entry.resolve(message.result)
  }

  const resume = async (): Promise<void> => {
    // A ready() the renderer queued while disconnected is about to go out: it resumes by itself.
    const readyQueued = [...pending.values()].some((entry) => entry.method === 'ready')
    if (!subscribed || readyQueued) return
    try {
      const status = await request<HostStatus>('getStatus', [])
      const from = status.sessionId === sessionId ? lastSeq : 0
      await request<void>('ready', [from])
    } catch {
      // The socket dropped again; the next open resumes.
    }
  }

  const connect = (): void => {
    if (closed) return
    const ws = new Impl(url)
    socket = ws
    ws.onopen = () => {
      open = true
      delay = minDelay
      void resume()
      for (const entry of pending.values()) if (!entry.sent) transmit(entry)
    }
    ws.onmessage = (event: MessageEvent) => onMessage(event.data)
    ws.onclose = () => {
      if (socket !== ws) return
      open = false
      socket = null
      // Sent requests will never be answered; unsent ones wait for the next connection.
      for (const [id, entry] of pending) {
        if (!entry.sent) continue
        pending.delete(id)
        fail(entry, 'the connection to the host was lost')
      }
      if (closed) return
      reconnectTimer = setTimeout(connect, delay)
      delay = Math.min(maxDelay, delay * 2)
    }
    ws.onerror = () => undefined
  }

  connect()

  const subscribe = <T>(listeners: Set<(value: T) => void>, listener: (value: T) => void): (() => void) => {
    listeners.add(listener)
    return () => {
      listeners.delete(listener)
    }
  }

  return {
    get connected() {
      return open
    },
    getStatus: () => request('getStatus', []),
    startNetwork: (req) => request('startNetwork', [req]),
    stopNetwork: () => request('stopNetwork', []),
    addSeed: () => request('addSeed', []),
    addPeers: (count) => request('addPeers', [count]),
    runScenario: (scenario) => request('runScenario', [scenario]),
    killNode: (id) => request('killNode', [id]),
    stopNode: (id) => request('stopNode', [id]),
    pauseNode: (id) => request('pauseNode', [id]),
    resumeNode: (id) => request('resumeNode', [id]),
    restartNode: (id) => request('restartNode', [id]),
    killProcess: (id) => request('killProcess', [id]),
    setSettings: (settings) => request('setSettings', [settings]),
    exportSession: (req) => request('exportSession', [req]),
    listSessions: () => request('listSessions', []),
    loadSession: (id, from) => request('loadSession', from ? [id, from] : [id]),
    setConditions: (update) => request('setConditions', [update]),
    partition: (req) => request('partition', [req]),
    heal: (req) => request('heal', [req]),
    nodeLog: (id) => request('nodeLog', [id]),
    ready: (fromSeq) => {
      subscribed = true
      lastSeq = fromSeq
      return request('ready', [fromSeq])
    },
    onEvents: (listener) => subscribe(eventListeners, listener),
    onStatus: (listener) => subscribe(statusListeners, listener),
    close() {
      closed = true
      if (reconnectTimer) clearTimeout(reconnectTimer)
      for (const entry of pending.values()) fail(entry, 'the connection to the host is closed')
      pending.clear()
      socket?.close()
    },
  }
}
