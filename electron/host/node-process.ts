import { type ChildProcess, fork } from 'node:child_process'
import { z } from 'zod'
import { isNodeEvent, parseEvent, type AnyEvent, type HostEvent } from '../../shared/events'
import type { NodeInfo, NodeRole, Result } from '../../shared/ipc'
import type { NodeCommand } from '../../shared/net/node-command'
import { LineFramer } from '../../shared/protocol/framer'
import type { HostCommand, HostStats } from '../nodes/host-protocol'

/**
 * One child process running nodes: a seed or peer program with one node
 * (`kind: 'single'`), or a node host with up to K (`kind: 'host'`). This is the edge
 * where nodes' output enters the app: every IPC message is validated once (`parseEvent`,
 * host replies with zod), an event must come from a node of this process, anything else
 * becomes a `host.stream-error` event; stderr lines become `host.stderr`; a node's end
 * becomes `host.exited`. Nothing a child sends can throw here.
 *
 * A verb on one node is what the user asked for, whatever the packing: for a node alone
 * in its process kill/stop/pause/resume are SIGKILL/SIGTERM/SIGSTOP/SIGCONT; for a node in
 * a host they are commands the host carries out on that node only, with the same effect
 * on the network (see electron/nodes/node-runtime.ts), and the same events here.
 */

export interface NodeSpec {
  /** `IP:PORT` */
  id: string
  role: NodeRole
  ip: string
  port: number
  /** The node's flags (seed.js / peer.js flags). */
  args: string[]
}

export interface NodeProcessOptions {
  kind: 'single' | 'host'
  /** seed.js / peer.js (single) or node-host.js (host). */
  script: string
  /** single: the one node it runs. */
  node?: NodeSpec
  /** Runtime for the child; default: this process's (Electron runs forks as Node). */
  execPath?: string
  /** V8/Node flags of the child (heap limits...). */
  execArgv?: string[]
  /** ms a clean stop may take before the node is killed. */
  stopTimeoutMs: number
  now: () => number
  /** Receives every validated node event and every host event about its nodes, in order. */
  emit: (event: AnyEvent) => void
  /** Called when a node's `info` changed. */
  changed: () => void
  /** Called once the process is gone. */
  gone?: (process: NodeProcess) => void
}

/** Bounds from the event schema: host.stderr text, host.stream-error line and reason. */
const MAX_TEXT = 2000
const MAX_REASON = 500
/** A longer stderr line is reported as dropped rather than buffered. */
const MAX_STDERR_LINE_BYTES = 16 * 1024
/** Diagnostics (stderr lines, stream errors) recorded per process per second; the rest are counted. */
export const DIAGNOSTICS_PER_SECOND = 200

const nodeIdText = z.string().max(64)
const count = z.number().nonnegative()
const statsSchema = z.object({
  pid: z.number().int(),
  cpuUserUs: count,
  cpuSystemUs: count,
  elu: z.number().min(0).max(1),
  loopDelayMs: z.object({ p50: count, p99: count, max: count, samples: count }).nullable(),
  gc: z.object({ minor: count, minorMs: count, major: count, majorMs: count }).nullable(),
  counts: z.object({
    inputs: count, socketReads: count, socketReadBytes: count, socketLines: count, socketFlushes: count,
    socketWriteBytes: count, fileWrites: count, fileWriteBytes: count, events: count, logLines: count,
  }),
  memory: z.object({ rss: count, heapTotal: count, heapUsed: count, external: count, arrayBuffers: count }),
}) satisfies z.ZodType<HostStats>
const replySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ready') }),
  z.object({ kind: z.literal('events'), events: z.array(z.unknown()).max(1_000_000) }),
  z.object({ kind: z.literal('failed'), node: nodeIdText, message: z.string().max(MAX_TEXT) }),
  z.object({ kind: z.literal('ended'), node: nodeIdText, code: z.number().int().nullable(), signal: z.literal('SIGKILL').nullable() }),
  z.object({ kind: z.literal('refused'), node: nodeIdText.nullable(), reason: z.string().max(MAX_REASON) }),
  z.object({ kind: z.literal('stats'), stats: statsSchema }),
])

/** One node of a process, as the launcher and supervisor see it. */
export class ManagedNode {
  readonly info: NodeInfo
  /** Resolves true once the node reported node.started, false if it ended first. */
  readonly started: Promise<boolean>
  /** Resolves once the node is gone and host.exited was emitted. */
  readonly exited: Promise<void>
  requested: 'SIGTERM' | 'SIGKILL' | null = null
  paused = false
  ended = false
  stopTimer: NodeJS.Timeout | null = null
  resolveStarted!: (value: boolean) => void
  resolveExited!: () => void

  constructor(
    readonly spec: NodeSpec,
    readonly process: NodeProcess,
  ) {
    this.started = new Promise((resolve) => (this.resolveStarted = resolve))
    this.exited = new Promise((resolve) => (this.resolveExited = resolve))
    this.info = { id: spec.id, role: spec.role, ip: spec.ip, port: spec.port, pid: process.pid, state: 'starting', sharedWith: 0 }
  }

  get id(): string {
    return this.spec.id
  }

  /** True until the node is gone. */
  get alive(): boolean {
    return !this.ended
  }
}

export class NodeProcess {
  readonly pid: number | null
  /** Nodes living in this process (a node leaves when it ends). */
  readonly nodes = new Map<string, ManagedNode>()
  /** Nodes ever placed in this process. */
  placed = 0
  private readonly child: ChildProcess
  private ended = false
  private windowStart = 0
  private windowCount = 0
  private dropped = 0
  /** The node stderr lines are filed under when the process is shared (its first node still alive). */
  private lastNode: ManagedNode | null = null
  /** Callers of stats() waiting for the host's answers, in order. */
  private statsWaiting: ((stats: HostStats | null) => void)[] = []
  /** Resolves true once the process takes commands (a node host said `ready`; a single process at once), false if it ended first. */
  readonly ready: Promise<boolean>
  private resolveReady: (ready: boolean) => void = () => undefined

  constructor(private readonly options: NodeProcessOptions) {
    const single = options.kind === 'single'
    this.ready = single ? Promise.resolve(true) : new Promise((resolve) => (this.resolveReady = resolve))
    // stdout is not read: a node's console lines duplicate its log file, and an unread
    // pipe would eventually block the child.
    this.child = fork(options.script, single ? options.node!.args : [], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      execPath: options.execPath,
      execArgv: options.execArgv ?? [],
      // Under Electron, run the child as plain Node (a no-op under Node).
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      serialization: 'json',
    })
    this.pid = this.child.pid ?? null
    this.child.on('message', (message) => this.onMessage(message))
    this.child.on('error', (error) => this.onError(error))
    this.child.on('close', (code, signal) => this.onClose(code, signal))
    const framer = new LineFramer(MAX_STDERR_LINE_BYTES)
    this.child.stderr?.on('data', (chunk: Buffer) => {
      for (const frame of framer.push(chunk)) this.stderrLine(frame.kind === 'line' ? frame.line : `(${frame.detail})`)
    })
    // A last line without a newline still counts.
    this.child.stderr?.on('end', () => {
      for (const frame of framer.push(Uint8Array.of(0x0a))) if (frame.kind === 'line') this.stderrLine(frame.line)
    })
    this.child.stderr?.on('error', () => undefined)
    if (single) this.place(options.node!)
  }

  get kind(): 'single' | 'host' {
    return this.options.kind
  }

  /** True until the process is gone. */
  get alive(): boolean {
    return !this.ended
  }

  /** Starts a node in this process (a host: any number; a single process: its one node, at construction). */
  place(spec: NodeSpec): ManagedNode {
    const node = new ManagedNode(spec, this)
    this.nodes.set(spec.id, node)
    this.placed++
    this.lastNode ??= node
    this.updateShared()
    if (this.pid !== null) this.host(node, { type: 'host.spawned', role: spec.role, pid: this.pid })
    if (this.ended) {
      this.end(node, null, null)
      return node
    }
    if (this.options.kind === 'host') this.send(node, { op: 'start', node: spec.id, role: spec.role, args: spec.args })
    this.options.changed()
    return node
  }

  /** SIGKILL, for this node only. Refused if already killed or gone. */
  kill(node: ManagedNode): Result {
    if (node.ended) return { ok: false, error: `node ${node.id} has already exited` }
    if (node.requested === 'SIGKILL') return { ok: false, error: `node ${node.id} is already killed` }
    node.requested = 'SIGKILL'
    node.info.state = 'killed'
    this.host(node, { type: 'host.kill', signal: 'SIGKILL' })
    if (this.options.kind === 'single') this.signal('SIGKILL')
    else this.send(node, { op: 'kill', node: node.id })
    this.options.changed()
    return { ok: true, value: undefined }
  }

  /** Clean stop (SIGTERM), then kill after `stopTimeoutMs`. Refused if a stop or kill is under way. */
  stop(node: ManagedNode): Result {
    if (node.ended) return { ok: false, error: `node ${node.id} has already exited` }
    if (node.requested !== null) return { ok: false, error: `node ${node.id} is already being stopped` }
    const paused = node.info.state === 'paused'
    node.requested = 'SIGTERM'
    this.host(node, { type: 'host.kill', signal: 'SIGTERM' })
    if (this.options.kind === 'single') {
      // A frozen process handles its SIGTERM only once it runs again.
      if (paused) this.signal('SIGCONT')
      this.signal('SIGTERM')
    } else this.send(node, { op: 'stop', node: node.id })
    if (paused) {
      node.paused = false
      node.info.state = 'running'
      this.host(node, { type: 'node.resumed' })
    }
    node.stopTimer = setTimeout(() => {
      if (node.ended) return
      if (this.options.kind === 'single') this.signal('SIGKILL')
      else this.send(node, { op: 'kill', node: node.id })
    }, this.options.stopTimeoutMs)
    this.options.changed()
    return { ok: true, value: undefined }
  }

  /**
   * Pause (SIGSTOP: the process freezes as in a long GC pause; the kernel keeps its sockets
   * open and queues what arrives) or resume (SIGCONT), for this node only: in a node host
   * the node's timers and socket reads stop instead. Emits `node.paused` / `node.resumed`.
   * Refused unless the node is running (pause) or paused (resume), and where there is no
   * SIGSTOP (Windows) for a process of its own.
   */
  suspend(node: ManagedNode, pause: boolean): Result {
    const verb = pause ? 'Pause' : 'Resume'
    const state = pause ? 'running' : 'paused'
    if (this.options.kind === 'single' && process.platform === 'win32') return { ok: false, error: `${verb} is not available on Windows (no SIGSTOP/SIGCONT)` }
    if (node.ended) return { ok: false, error: `node ${node.id} has already exited` }
    if (node.requested !== null) return { ok: false, error: `node ${node.id} is being stopped` }
    if (node.info.state !== state) {
      return { ok: false, error: `node ${node.id} is ${node.info.state === 'paused' ? 'already paused' : state === 'paused' ? 'not paused' : 'not running yet'}` }
    }
    if (this.options.kind === 'single') {
      if (!this.signal(pause ? 'SIGSTOP' : 'SIGCONT')) return { ok: false, error: `could not ${verb.toLowerCase()} node ${node.id}` }
    } else if (!this.send(node, { op: pause ? 'pause' : 'resume', node: node.id })) {
      return { ok: false, error: `could not ${verb.toLowerCase()} node ${node.id}: its process does not listen` }
    }
    node.paused = pause
    node.info.state = pause ? 'paused' : 'running'
    this.host(node, { type: pause ? 'node.paused' : 'node.resumed' })
    this.options.changed()
    return { ok: true, value: undefined }
  }

  /**
   * Hands a node a command (network conditions...) over its process's IPC channel; a node
   * host passes it to the node it names. The node applies it within one event-loop turn of
   * arrival. False when the node is gone or the channel is closed.
   */
  command(node: ManagedNode, command: NodeCommand): boolean {
    if (node.ended) return false
    return this.options.kind === 'single' ? this.send(node, command) : this.send(node, { op: 'command', node: node.id, command })
  }

  /**
   * A node host's own figures (CPU, event-loop utilization and delay, work counters; see
   * HostStats), or null for a process of one node, a host that is gone, or no answer
   * within `timeoutMs`. The first call starts the host's event-loop delay monitor.
   */
  stats(timeoutMs = 5000): Promise<HostStats | null> {
    if (this.options.kind !== 'host' || this.ended || !this.child.connected) return Promise.resolve(null)
    return new Promise((resolve) => {
      const timer = setTimeout(() => answer(null), timeoutMs)
      const answer = (stats: HostStats | null) => {
        clearTimeout(timer)
        this.statsWaiting = this.statsWaiting.filter((w) => w !== answer)
        resolve(stats)
      }
      this.statsWaiting.push(answer)
      try {
        this.child.send({ op: 'stats' } satisfies HostCommand)
      } catch {
        answer(null)
      }
    })
  }

  /** SIGKILL the whole process: every node in it dies (each gets host.kill and host.exited). */
  killProcess(): Result {
    if (this.ended) return { ok: false, error: `process ${this.pid} has already exited` }
    for (const node of this.nodes.values()) {
      if (node.requested === 'SIGKILL') continue
      node.requested = 'SIGKILL'
      node.info.state = 'killed'
      this.host(node, { type: 'host.kill', signal: 'SIGKILL' })
    }
    this.signal('SIGKILL')
    this.options.changed()
    return { ok: true, value: undefined }
  }

  /** Clean stop of every node: SIGTERM to the process (a host stops each node), SIGKILL after the timeout. */
  stopProcess(): void {
    if (this.ended) return
    for (const node of this.nodes.values()) {
      if (node.requested !== null) continue
      node.requested = 'SIGTERM'
      this.host(node, { type: 'host.kill', signal: 'SIGTERM' })
    }
    if ([...this.nodes.values()].some((n) => n.paused)) this.signal('SIGCONT')
    this.signal('SIGTERM')
    setTimeout(() => this.signal('SIGKILL'), this.options.stopTimeoutMs).unref()
    this.options.changed()
  }

  /** Synchronous last resort (process exit): SIGKILL without events. */
  killNow(): void {
    if (this.ended) return
    for (const node of this.nodes.values()) node.requested ??= 'SIGKILL'
    this.signal('SIGKILL')
  }

  private signal(signal: NodeJS.Signals): boolean {
    if (this.ended) return false
    try {
      return this.child.kill(signal)
    } catch {
      return false
    }
  }

  /** A message to the child; an error sending it is reported under `node`. */
  private send(node: ManagedNode, message: HostCommand | NodeCommand): boolean {
    if (this.ended || !this.child.connected) return false
    try {
      this.child.send(message, (error) => {
        if (error) this.host(node, { type: 'host.stderr', text: truncate(`host: could not send a command: ${error.message}`, MAX_TEXT) })
      })
      return true
    } catch {
      return false
    }
  }

  private onMessage(message: unknown): void {
    if (this.ended) return
    if (this.options.kind === 'single') return this.onEvent(message)
    const parsed = replySchema.safeParse(message)
    if (!parsed.success) return this.streamError(this.anyNode(), message, `not a node host message: ${parsed.error.issues[0]?.message ?? 'invalid'}`)
    const reply = parsed.data
    switch (reply.kind) {
      case 'ready':
        return this.resolveReady(true)
      case 'events':
        for (const event of reply.events) this.onEvent(event)
        return
      case 'failed': {
        const node = this.nodes.get(reply.node)
        if (!node) return this.streamError(this.anyNode(), message, `no node ${reply.node} in this process`)
        this.host(node, { type: 'host.stderr', text: truncate(`gossip-${node.spec.role}: ${reply.message}`, MAX_TEXT) })
        return this.end(node, 2, null)
      }
      case 'ended': {
        const node = this.nodes.get(reply.node)
        if (!node) return this.streamError(this.anyNode(), message, `no node ${reply.node} in this process`)
        return this.end(node, reply.code, reply.signal)
      }
      case 'refused': {
        const node = (reply.node !== null ? this.nodes.get(reply.node) : undefined) ?? this.anyNode()
        return this.diagnostic(node, { type: 'host.stderr', text: truncate(`node host refused a command: ${reply.reason}`, MAX_TEXT) })
      }
      case 'stats': {
        const waiting = this.statsWaiting[0]
        if (!waiting) return this.streamError(this.anyNode(), message, 'stats nobody asked for')
        return waiting(reply.stats)
      }
    }
  }

  private onEvent(message: unknown): void {
    const parsed = parseEvent(message)
    if (!parsed.ok) return this.streamError(this.anyNode(), message, parsed.reason)
    const event = parsed.event
    if (!isNodeEvent(event)) return this.streamError(this.anyNode(), message, 'a node may not send host events')
    const node = this.nodes.get(event.node)
    if (!node) return this.streamError(this.anyNode(), message, `event claims to be from ${event.node}`)
    if (event.type === 'node.started' && node.info.state === 'starting') {
      node.info.state = 'running'
      node.resolveStarted(true)
      this.options.changed()
    }
    this.options.emit(event)
  }

  /** A node ends: its process ended, or (host) the node alone. */
  private end(node: ManagedNode, code: number | null, signal: string | null): void {
    if (node.ended) return
    node.ended = true
    node.paused = false
    if (node.stopTimer) clearTimeout(node.stopTimer)
    node.info.state = node.requested === 'SIGKILL' ? 'killed' : node.requested === 'SIGTERM' ? 'exited' : 'crashed'
    this.host(node, { type: 'host.exited', code, signal, expected: node.requested !== null })
    this.nodes.delete(node.id)
    if (this.lastNode === node) this.lastNode = this.nodes.values().next().value ?? node
    this.updateShared()
    node.resolveStarted(false)
    node.resolveExited()
    this.options.changed()
  }

  /** `sharedWith` of every node here: how many other nodes live in the same process. */
  private updateShared(): void {
    for (const node of this.nodes.values()) node.info.sharedWith = this.nodes.size - 1
  }

  private stderrLine(text: string): void {
    const node = this.anyNode()
    if (!node) return
    const prefix = this.options.kind === 'host' && this.pid !== null ? `(process ${this.pid}) ` : ''
    this.diagnostic(node, { type: 'host.stderr', text: truncate(prefix + text, MAX_TEXT) })
  }

  /** The node a process-wide diagnostic is filed under. */
  private anyNode(): ManagedNode | null {
    return this.lastNode
  }

  private streamError(node: ManagedNode | null, message: unknown, reason: string): void {
    if (!node) return
    let line: string
    try {
      line = JSON.stringify(message) ?? String(message)
    } catch {
      line = String(message)
    }
    this.diagnostic(node, { type: 'host.stream-error', line: truncate(line, MAX_TEXT), reason: truncate(reason, MAX_REASON) })
  }

  /** Records a stderr line or stream error, at most DIAGNOSTICS_PER_SECOND a second: a child spewing garbage cannot flood the session. */
  private diagnostic(node: ManagedNode | null, body: Extract<HostEventBody, { type: 'host.stderr' | 'host.stream-error' }>): void {
    if (!node) return
    const now = this.options.now()
    if (now - this.windowStart >= 1000) {
      if (this.dropped > 0) this.host(node, { type: 'host.stderr', text: `(${this.dropped} more lines of output or bad events dropped)` })
      this.windowStart = now
      this.windowCount = 0
      this.dropped = 0
    }
    if (this.windowCount >= DIAGNOSTICS_PER_SECOND) {
      this.dropped++
      return
    }
    this.windowCount++
    this.host(node, body)
  }

  private onError(error: Error): void {
    // Spawn failures and failed signals land here; a spawn failure has no pid and no close.
    const node = this.anyNode()
    if (node) this.host(node, { type: 'host.stderr', text: truncate(`host: ${error.message}`, MAX_TEXT) })
    if (this.child.pid === undefined) this.onClose(null, null)
  }

  private onClose(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.ended) return
    this.ended = true
    this.resolveReady(false)
    const node = this.anyNode()
    if (this.dropped > 0 && node) this.host(node, { type: 'host.stderr', text: `(${this.dropped} more lines of output or bad events dropped)` })
    for (const n of [...this.nodes.values()]) this.end(n, code, signal)
    for (const waiting of [...this.statsWaiting]) waiting(null)
    this.options.gone?.(this)
  }

  private host(node: ManagedNode, body: HostEventBody): void {
    this.options.emit({ v: 1, t: this.options.now(), node: node.id, ...body } as HostEvent)
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never
type HostEventBody = DistributiveOmit<HostEvent, 'v' | 't' | 'node'>

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text
}
