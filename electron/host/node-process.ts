import { type ChildProcess, fork } from 'node:child_process'
import { isNodeEvent, parseEvent, type AnyEvent, type HostEvent } from '../../shared/events'
import type { NodeInfo, NodeRole, Result } from '../../shared/ipc'
import type { NodeCommand } from '../../shared/net/node-command'
import { LineFramer } from '../../shared/protocol/framer'

/**
 * One node program running as a child process. This is the edge where a node's output
 * enters the host: every IPC message is validated once with `parseEvent`; anything else
 * becomes a `host.stream-error` event about this node, stderr lines become `host.stderr`
 * events, and the process's end becomes `host.exited`. Nothing a child sends can throw here.
 */

export interface NodeProcessOptions {
  id: string
  role: NodeRole
  ip: string
  port: number
  script: string
  args: string[]
  /** Runtime for the child; default: this process's (Electron runs forks as Node). */
  execPath?: string
  /** ms a clean stop (SIGTERM) may take before SIGKILL. */
  stopTimeoutMs: number
  now: () => number
  /** Receives every validated node event and every host event about this node, in order. */
  emit: (event: AnyEvent) => void
  /** Called when `info` changed. */
  changed: () => void
}

/** Bounds from the event schema: host.stderr text, host.stream-error line and reason. */
const MAX_TEXT = 2000
const MAX_REASON = 500
/** A longer stderr line is reported as dropped rather than buffered. */
const MAX_STDERR_LINE_BYTES = 16 * 1024
/** Diagnostics (stderr lines, stream errors) recorded per node per second; the rest are counted. */
export const DIAGNOSTICS_PER_SECOND = 200

export class NodeProcess {
  readonly info: NodeInfo
  /** Resolves true once the node reported node.started, false if it ended first. */
  readonly started: Promise<boolean>
  /** Resolves once the process is gone and host.exited was emitted. */
  readonly exited: Promise<void>
  private readonly child: ChildProcess
  private requested: 'SIGTERM' | 'SIGKILL' | null = null
  private ended = false
  private stopTimer: NodeJS.Timeout | null = null
  /** Start (ms) of the current diagnostics window, lines recorded in it, and lines dropped. */
  private windowStart = 0
  private windowCount = 0
  private dropped = 0
  private resolveStarted!: (value: boolean) => void
  private resolveExited!: () => void

  constructor(private readonly options: NodeProcessOptions) {
    const { id, role, ip, port } = options
    this.started = new Promise((resolve) => (this.resolveStarted = resolve))
    this.exited = new Promise((resolve) => (this.resolveExited = resolve))
    this.info = { id, role, ip, port, pid: null, state: 'starting' }
    // stdout is not read: a node's console lines duplicate its log file, and an unread
    // pipe would eventually block the child.
    this.child = fork(options.script, options.args, {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      execPath: options.execPath,
      // Under Electron, run the child as plain Node (a no-op under Node).
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      serialization: 'json',
    })
    this.info.pid = this.child.pid ?? null
    if (this.child.pid !== undefined) this.host({ type: 'host.spawned', role, pid: this.child.pid })
    this.child.on('message', (message) => this.onMessage(message))
    this.child.on('error', (error) => this.onError(error))
    this.child.on('close', (code, signal) => this.onClose(code, signal))
    const framer = new LineFramer(MAX_STDERR_LINE_BYTES)
    this.child.stderr?.on('data', (chunk: Buffer) => {
      for (const frame of framer.push(chunk)) {
        this.diagnostic({ type: 'host.stderr', text: truncate(frame.kind === 'line' ? frame.line : `(${frame.detail})`, MAX_TEXT) })
      }
    })
    // A last line without a newline still counts.
    this.child.stderr?.on('end', () => {
      for (const frame of framer.push(Uint8Array.of(0x0a))) {
        if (frame.kind === 'line') this.diagnostic({ type: 'host.stderr', text: truncate(frame.line, MAX_TEXT) })
      }
    })
    this.child.stderr?.on('error', () => undefined)
  }

  get id(): string {
    return this.info.id
  }

  /** True until the process is gone. */
  get alive(): boolean {
    return !this.ended
  }

  /** SIGKILL: the node dies without a word. Refused if already killed or gone. */
  kill(): Result {
    if (this.ended) return { ok: false, error: `node ${this.id} has already exited` }
    if (this.requested === 'SIGKILL') return { ok: false, error: `node ${this.id} is already killed` }
    this.requested = 'SIGKILL'
    this.info.state = 'killed'
    this.host({ type: 'host.kill', signal: 'SIGKILL' })
    this.child.kill('SIGKILL')
    this.options.changed()
    return { ok: true, value: undefined }
  }

  /**
   * SIGSTOP: the process freezes as in a long GC pause; the kernel keeps its sockets open
   * and queues what arrives. Emits `node.paused`. Refused unless the node is running, and
   * where there is no SIGSTOP (Windows).
   */
  pause(): Result {
    const refused = this.signalRefusal('Pause', 'running')
    if (refused) return refused
    if (!this.signal('SIGSTOP')) return { ok: false, error: `could not pause node ${this.id}` }
    this.info.state = 'paused'
    this.host({ type: 'node.paused' })
    this.options.changed()
    return { ok: true, value: undefined }
  }

  /** SIGCONT: a paused node runs again and reads what waited for it. Emits `node.resumed`. */
  resume(): Result {
    const refused = this.signalRefusal('Resume', 'paused')
    if (refused) return refused
    if (!this.signal('SIGCONT')) return { ok: false, error: `could not resume node ${this.id}` }
    this.info.state = 'running'
    this.host({ type: 'node.resumed' })
    this.options.changed()
    return { ok: true, value: undefined }
  }

  /** Clean stop: SIGTERM, then SIGKILL after `stopTimeoutMs`. Refused if a stop or kill is under way. */
  stop(): Result {
    if (this.ended) return { ok: false, error: `node ${this.id} has already exited` }
    if (this.requested !== null) return { ok: false, error: `node ${this.id} is already being stopped` }
    const paused = this.info.state === 'paused'
    this.requested = 'SIGTERM'
    this.host({ type: 'host.kill', signal: 'SIGTERM' })
    this.child.kill('SIGTERM')
    // A frozen process handles its SIGTERM only once it runs again.
    if (paused && this.signal('SIGCONT')) {
      this.info.state = 'running'
      this.host({ type: 'node.resumed' })
    }
    this.stopTimer = setTimeout(() => {
      if (!this.ended) this.child.kill('SIGKILL')
    }, this.options.stopTimeoutMs)
    this.options.changed()
    return { ok: true, value: undefined }
  }

  /**
   * Sends a command over the node's IPC channel (it applies it within one event-loop turn
   * of arrival). False when the node is gone or its channel is closed.
   */
  send(command: NodeCommand): boolean {
    if (this.ended || !this.child.connected) return false
    try {
      this.child.send(command, (error) => {
        if (error) this.host({ type: 'host.stderr', text: truncate(`host: could not send ${command.type}: ${error.message}`, MAX_TEXT) })
      })
      return true
    } catch {
      return false
    }
  }

  /** Synchronous last resort (process exit): SIGKILL without events. */
  killNow(): void {
    if (this.ended) return
    this.requested ??= 'SIGKILL'
    try {
      this.child.kill('SIGKILL')
    } catch {
      // Already gone.
    }
  }

  /** Why `verb` cannot be done now (the node must be in `state`), or null. */
  private signalRefusal(verb: 'Pause' | 'Resume', state: 'running' | 'paused'): Result | null {
    if (process.platform === 'win32') return { ok: false, error: `${verb} is not available on Windows (no SIGSTOP/SIGCONT)` }
    if (this.ended) return { ok: false, error: `node ${this.id} has already exited` }
    if (this.requested !== null) return { ok: false, error: `node ${this.id} is being stopped` }
    if (this.info.state !== state) {
      return { ok: false, error: `node ${this.id} is ${this.info.state === 'paused' ? 'already paused' : state === 'paused' ? 'not paused' : 'not running yet'}` }
    }
    return null
  }

  private signal(signal: NodeJS.Signals): boolean {
    try {
      return this.child.kill(signal)
    } catch {
      return false
    }
  }

  private onMessage(message: unknown): void {
    if (this.ended) return
    const parsed = parseEvent(message)
    if (!parsed.ok) return this.streamError(message, parsed.reason)
    const event = parsed.event
    if (!isNodeEvent(event)) return this.streamError(message, 'a node may not send host events')
    if (event.node !== this.id) return this.streamError(message, `event claims to be from ${event.node}`)
    if (event.type === 'node.started' && this.info.state === 'starting') {
      this.info.state = 'running'
      this.resolveStarted(true)
      this.options.changed()
    }
    this.options.emit(event)
  }

  private streamError(message: unknown, reason: string): void {
    let line: string
    try {
      line = JSON.stringify(message) ?? String(message)
    } catch {
      line = String(message)
    }
    this.diagnostic({ type: 'host.stream-error', line: truncate(line, MAX_TEXT), reason: truncate(reason, MAX_REASON) })
  }

  /** Records a stderr line or stream error, at most DIAGNOSTICS_PER_SECOND a second: a node spewing garbage cannot flood the session. */
  private diagnostic(body: Extract<DistributiveOmit<HostEvent, 'v' | 't' | 'node'>, { type: 'host.stderr' | 'host.stream-error' }>): void {
    const now = this.options.now()
    if (now - this.windowStart >= 1000) {
      if (this.dropped > 0) this.host({ type: 'host.stderr', text: `(${this.dropped} more lines of output or bad events dropped)` })
      this.windowStart = now
      this.windowCount = 0
      this.dropped = 0
    }
    if (this.windowCount >= DIAGNOSTICS_PER_SECOND) {
      this.dropped++
      return
    }
    this.windowCount++
    this.host(body)
  }

  private onError(error: Error): void {
    // Spawn failures and failed signals land here; a spawn failure has no pid and no close.
    this.host({ type: 'host.stderr', text: truncate(`host: ${error.message}`, MAX_TEXT) })
    if (this.child.pid === undefined) this.onClose(null, null)
  }

  private onClose(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.ended) return
    this.ended = true
    if (this.stopTimer) clearTimeout(this.stopTimer)
    if (this.dropped > 0) this.host({ type: 'host.stderr', text: `(${this.dropped} more lines of output or bad events dropped)` })
    this.info.state = this.requested === 'SIGKILL' ? 'killed' : this.requested === 'SIGTERM' ? 'exited' : 'crashed'
    this.host({ type: 'host.exited', code, signal, expected: this.requested !== null })
    this.resolveStarted(false)
    this.resolveExited()
    this.options.changed()
  }

  private host(body: DistributiveOmit<HostEvent, 'v' | 't' | 'node'>): void {
    this.options.emit({ v: 1, t: this.options.now(), node: this.id, ...body } as HostEvent)
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text
}
