import { type Server, type Socket, connect, createServer } from 'node:net'
import { type Address, formatAddress, isIpv4 } from '../../shared/address'
import type { NodeEventBody } from '../../shared/events'
import { type NetConditions, sampleDelay } from '../../shared/net/conditions'
import type { ConnId, Effect, Machine, MachineInput } from '../../shared/protocol/machine'
import { assertNever } from '../../shared/protocol/wire'
import type { Frame } from '../../shared/protocol/framer'
import { Connection, type ConnectionLimits, flushWrites } from './connection'
import { ioCounts } from './io-stats'
import type { NodeOutput } from './output'
import { Shaper } from './shaper'

/**
 * Runs a protocol machine over TCP: turns sockets and one timer into MachineInputs and
 * performs the Effects the machine returns, in order. Inputs are queued and handled one
 * at a time, so effects never re-enter the machine. Nothing a remote sends can throw out
 * of here: socket errors become inputs, and a machine exception is logged as a warning.
 */

/** How often idle connections are looked for, ms. */
const SWEEP_MS = 1000
/** Refused connections are reported at most once per this many ms (with a count). */
const REFUSAL_REPORT_MS = 1000
/** A closed connection whose remote never closes its side is destroyed after this, ms. */
const CLOSE_GRACE_MS = 2000

/**
 * Runs `fn` after the I/O that is already waiting. Node runs due timers before the poll
 * phase, so after the event loop was busy (a node host running many nodes, a loaded
 * machine) a deadline's timer would fire ahead of the reply or connect that arrived in
 * time and is only waiting to be read; setImmediate runs after that poll phase. Deadlines
 * (the machine's tick, the connect timeout) are judged on what has arrived, not on how
 * late this process got to read it.
 */
function afterIo(fn: () => void): void {
  setImmediate(fn)
}

export type ExitHandler = (code: number, reason: string) => void

export class NodeDriver {
  private readonly conns = new Map<ConnId, Connection>()
  private readonly server: Server
  private accepted = 0
  /** Accepted connections open per source IP. */
  private readonly perSource = new Map<string, number>()
  private nextInbound = 1
  private queue: MachineInput[] = []
  private busy = false
  private lastNow = 0
  private timer: NodeJS.Timeout | null = null
  private timerAt: number | null = null
  private refused = 0
  private lastRefused = ''
  private lastRefusedWhy = ''
  private refusalReportAt = 0
  private refusalTimer: NodeJS.Timeout | null = null
  private readonly id: string
  private readonly sweeper: NodeJS.Timeout
  /** Paused: inputs queue up, no timer fires, no socket is read (see pause()). */
  private paused = false
  /** Killed: every input is dropped and nothing is written again (see kill()). */
  private killed = false
  /** Writes and closes the shaper released while paused, done in order on resume. */
  private frozen: (() => void)[] = []
  /** Emulated network conditions on the outgoing path (skipped entirely while idle). */
  private readonly shaper: Shaper
  /** Dials held by a partition: they start on heal or fail at the connect timeout. */
  private readonly heldDials = new Map<ConnId, { to: Address; timer: NodeJS.Timeout; blocked: boolean }>()

  /** `netRandom`: the shaper's own seeded generator (jitter, loss), separate from the machine's. */
  constructor(
    private readonly self: Address,
    private readonly machine: Machine,
    private readonly output: NodeOutput,
    private readonly limits: ConnectionLimits,
    private readonly onExit: ExitHandler,
    private readonly netRandom: () => number = Math.random,
  ) {
    this.id = formatAddress(self)
    this.server = createServer({ noDelay: true }, (socket) => this.accept(socket))
    // Judged after the I/O already waiting: a first line that arrived in time counts.
    this.sweeper = setInterval(() => afterIo(() => this.sweep()), SWEEP_MS)
    this.sweeper.unref()
    this.shaper = new Shaper(self, netRandom, {
      now: () => this.now(),
      write: (id, line) => {
        if (this.paused) return void this.frozen.push(() => this.shaperWrite(id, line))
        this.shaperWrite(id, line)
      },
      close: (id) => {
        if (this.paused) return void this.frozen.push(() => this.shaperClose(id))
        this.shaperClose(id)
      },
      flushed: () => {
        for (const conn of this.conns.values()) conn.uncork()
      },
      dropped: (counts) => {
        const now = this.now()
        for (const count of counts) this.output.event(now, { type: 'net.dropped', ...count })
      },
    }, limits.maxWriteBufferBytes)
  }

  /**
   * Applies network conditions now (from flags at start, or the host's IPC command): sends
   * from here on are shaped by them, held lines and dials whose cut healed are released, and
   * a `net.conditions` event and a log line record what this node applies.
   */
  setConditions(conditions: NetConditions, describe: string): void {
    this.shaper.set(conditions)
    this.output.log(this.now(), `network conditions: ${describe}`)
    this.output.event(this.now(), { type: 'net.conditions', conditions })
    for (const [id, held] of this.heldDials) {
      if (!held.blocked || this.dialBlocked(held.to)) continue
      clearTimeout(held.timer)
      this.heldDials.delete(id)
      this.connectNow(id, held.to)
    }
  }

  private shaperWrite(id: ConnId, line: string): void {
    const conn = this.conns.get(id)
    if (conn && !this.killed) this.write(conn, line)
  }

  private shaperClose(id: ConnId): void {
    const conn = this.conns.get(id)
    if (conn && !this.killed) this.end(conn)
  }

  /** Resolves once listening; rejects with the OS error (EADDRINUSE, EADDRNOTAVAIL...). */
  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e)
      this.server.once('error', onError)
      this.server.listen({ host: this.self.ip, port: this.self.port, backlog: 4096, exclusive: true }, () => {
        this.server.off('error', onError)
        this.server.on('error', (e) => this.warn(`listening socket: ${e.message}`))
        resolve()
      })
    })
  }

  /** Emits a driver event (node.started / node.stopping) stamped now. */
  emit(body: NodeEventBody): void {
    this.output.event(this.now(), body)
  }

  log(text: string): void {
    this.output.log(this.now(), text)
  }

  start(): void {
    this.feed({ type: 'start', now: this.now() })
  }

  /** config.txt changed: the machine gets its current seed list. */
  configSeeds(seeds: Address[]): void {
    this.feed({ type: 'seeds', now: this.now(), seeds })
  }

  stop(): void {
    this.server.close()
    this.feed({ type: 'stop', now: this.now() })
  }

  /** Ends every connection and resolves when all are closed or after `graceMs`. */
  closeAll(graceMs: number): Promise<void> {
    this.server.close()
    const sockets = [...this.conns.values()].map((c) => c.socket)
    if (sockets.length === 0) return Promise.resolve()
    return new Promise((resolve) => {
      let open = sockets.length
      const timer = setTimeout(resolve, graceMs)
      for (const socket of sockets) {
        socket.once('close', () => {
          if (--open === 0) {
            clearTimeout(timer)
            resolve()
          }
        })
        socket.end()
      }
    })
  }

  /**
   * What a SIGSTOP does to a process of its own, for one node sharing a process: its
   * timer stops, its sockets are no longer read (remotes' bytes wait in the kernel, their
   * writes eventually block), new connections complete the TCP handshake but are not
   * served. Inputs that still arrive (a dial completing...) wait in the queue.
   */
  pause(): void {
    if (this.paused || this.killed) return
    this.paused = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.timerAt = null
    for (const conn of this.conns.values()) conn.socket.pause()
  }

  /** What SIGCONT does: sockets are read again, queued inputs run, the timer is re-armed. */
  resume(): void {
    if (!this.paused || this.killed) return
    this.paused = false
    for (const conn of this.conns.values()) conn.socket.resume()
    for (const release of this.frozen.splice(0)) release()
    for (const conn of this.conns.values()) conn.uncork()
    this.drain()
  }

  get isPaused(): boolean {
    return this.paused
  }

  /**
   * What SIGKILL does to a process of its own, for one node sharing a process: the
   * machine stops at once (no goodbye), every connection is reset (RST) and the listener
   * closes. Resolves once the listening address is free again (for a restart on it).
   */
  kill(): Promise<void> {
    this.killed = true
    this.queue = []
    if (this.timer) clearTimeout(this.timer)
    if (this.refusalTimer) clearTimeout(this.refusalTimer)
    clearInterval(this.sweeper)
    this.timer = null
    this.frozen = []
    for (const held of this.heldDials.values()) clearTimeout(held.timer)
    this.heldDials.clear()
    for (const conn of this.conns.values()) {
      this.shaper.forget(conn.id)
      conn.state = 'closing'
      try {
        conn.socket.resetAndDestroy()
      } catch {
        conn.socket.destroy()
      }
    }
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve()
      this.server.close(() => resolve())
    })
  }

  /** Wall clock for inputs, never decreasing (the machine contract). */
  private now(): number {
    this.lastNow = Math.max(this.lastNow, Date.now())
    return this.lastNow
  }

  private feed(input: MachineInput): void {
    if (this.killed) return
    this.queue.push(input)
    this.drain()
  }

  /** Runs queued inputs one at a time (never re-entered, never while paused). */
  private drain(): void {
    if (this.busy || this.paused) return
    this.busy = true
    try {
      for (let next = this.queue.shift(); next; next = this.paused || this.killed ? undefined : this.queue.shift()) {
        let effects: Effect[]
        ioCounts.inputs++
        try {
          effects = this.machine.handle(next)
        } catch (e) {
          this.warn(`internal error on ${next.type} input: ${(e as Error).message}`)
          continue
        }
        for (const effect of effects) this.perform(effect, next.now)
      }
    } finally {
      this.busy = false
      this.arm()
    }
  }

  private perform(effect: Effect, now: number): void {
    switch (effect.type) {
      case 'connect': return this.dial(effect.conn, effect.to)
      case 'send': {
        const conn = this.conns.get(effect.conn)
        if (!conn || conn.state === 'closing') return
        if (this.shaper.idle) this.write(conn, effect.line)
        else this.shaper.send(conn.id, effect.line)
        return
      }
      case 'close': {
        const conn = this.conns.get(effect.conn)
        if (!conn || conn.state === 'closing') return
        conn.state = 'closing'
        // Lines the shaper still holds go first; the close follows them.
        if (!this.shaper.close(conn.id)) this.end(conn)
        return
      }
      case 'log': return this.output.log(now, effect.text)
      case 'event': return this.output.event(now, effect.event)
      case 'exit': return this.onExit(effect.code, effect.reason)
      default: return assertNever(effect)
    }
  }

  private write(conn: Connection, line: string): void {
    if (conn.write(line, this.limits.maxWriteBufferBytes)) return
    this.warn(`closing ${conn.remote}: it does not read (${conn.socket.writableLength} bytes queued)`)
    conn.state = 'closing'
    conn.socket.destroy()
  }

  private end(conn: Connection): void {
    conn.uncork()
    conn.socket.end()
    setTimeout(() => conn.socket.destroy(), CLOSE_GRACE_MS).unref()
  }

  /** A TCP handshake needs both directions: a dial waits while either is blocked. */
  private dialBlocked(to: Address): boolean {
    if (this.shaper.idle) return false
    const link = this.shaper.linkTo({ ip: to.ip, port: to.port })
    return link.blocked || link.blockedBack
  }

  /** Re-arms the one tick timer at machine.nextWakeAt(). */
  private arm(): void {
    if (this.paused || this.killed) return
    const at = this.machine.nextWakeAt()
    if (at === this.timerAt) return
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.timerAt = at
    if (at === null) return
    const timer = setTimeout(
      () =>
        afterIo(() => {
          if (this.timer !== timer) return // re-armed meanwhile
          this.timer = null
          this.timerAt = null
          this.feed({ type: 'tick', now: this.now() })
          flushWrites()
        }),
      Math.max(0, at - Date.now()),
    )
    this.timer = timer
  }

  private accept(socket: Socket): void {
    if (this.killed) {
      socket.resetAndDestroy()
      return
    }
    const ip = socket.remoteAddress
    const remote = `${ip ?? '?'}:${socket.remotePort ?? '?'}`
    socket.on('error', () => {})
    if (ip === undefined || !isIpv4(ip) || socket.remotePort === undefined) {
      socket.destroy()
      return
    }
    const fromIp = this.perSource.get(ip) ?? 0
    if (this.accepted >= this.limits.maxAccepted || fromIp >= this.limits.maxPerSource) {
      socket.destroy()
      this.refuse(remote, fromIp >= this.limits.maxPerSource ? `${fromIp} connections from ${ip} already open` : `${this.limits.maxAccepted} connections already open`)
      return
    }
    this.accepted++
    this.perSource.set(ip, fromIp + 1)
    const conn = new Connection(`i${this.nextInbound++}`, socket, remote, true, this.now(), this.limits)
    this.shaper.track(conn.id, { ip, port: socket.remotePort }, true)
    this.track(conn)
    socket.once('close', () => {
      this.accepted--
      const left = (this.perSource.get(ip) ?? 1) - 1
      if (left > 0) this.perSource.set(ip, left)
      else this.perSource.delete(ip)
    })
    this.feed({ type: 'accepted', now: this.now(), conn: conn.id, remote: { ip, port: socket.remotePort } })
  }

  private dial(id: ConnId, to: Address): void {
    if (this.conns.has(id) || this.heldDials.has(id)) {
      this.warn(`machine dialled ${id} twice; ignored`)
      return
    }
    if (this.dialBlocked(to)) {
      const timer = setTimeout(() => {
        this.heldDials.delete(id)
        this.feed({ type: 'connect-failed', now: this.now(), conn: id, reason: `no answer within ${this.limits.connectTimeoutMs} ms`, timedOut: true })
      }, this.limits.connectTimeoutMs)
      this.heldDials.set(id, { to, timer, blocked: true })
      return
    }
    const delay = this.shaper.idle ? 0 : sampleDelay(this.shaper.linkTo({ ip: to.ip, port: to.port }), this.netRandom)
    if (delay <= 0) this.connectNow(id, to)
    else {
      // The handshake crosses the emulated link: the remote accepts one link delay later.
      const timer = setTimeout(() => {
        this.heldDials.delete(id)
        this.connectNow(id, to)
      }, delay)
      this.heldDials.set(id, { to, timer, blocked: false })
    }
  }

  private connectNow(id: ConnId, to: Address): void {
    const socket = connect({ host: to.ip, port: to.port, localAddress: this.self.ip, noDelay: true })
    const conn = new Connection(id, socket, formatAddress(to), false, this.now(), this.limits)
    this.shaper.track(id, to, false)
    const timer = setTimeout(
      () =>
        afterIo(() => {
          if (conn.state !== 'connecting') return
          conn.lastError = `no answer within ${this.limits.connectTimeoutMs} ms`
          conn.timedOut = true
          socket.destroy()
        }),
      this.limits.connectTimeoutMs,
    )
    socket.once('connect', () => {
      clearTimeout(timer)
      conn.state = 'open'
      conn.openedAt = this.now()
      this.feed({ type: 'connected', now: this.now(), conn: id })
    })
    socket.once('close', () => clearTimeout(timer))
    this.track(conn)
  }

  /** Wires a connection's socket to the machine; every way it can end yields one input. */
  private track(conn: Connection): void {
    const { socket } = conn
    this.conns.set(conn.id, conn)
    socket.on('error', (e) => (conn.lastError = e.message))
    // Every line of a chunk is queued, then the queue runs once.
    const deliver = (frames: Frame[], now: number) => {
      if (this.killed || frames.length === 0) return
      for (const frame of frames) {
        if (frame.kind === 'line') this.queue.push({ type: 'line', now, conn: conn.id, line: frame.line })
        else this.queue.push({ type: 'frame-error', now, conn: conn.id, reason: `${frame.reason}: ${frame.detail}` })
      }
      this.drain()
    }
    socket.on('data', (chunk: Buffer) => {
      if (conn.state === 'closing' || this.killed) return
      ioCounts.socketReads++
      ioCounts.socketReadBytes += chunk.length
      deliver(conn.push(chunk, this.now()), this.now())
    })
    // End of stream (FIN): a last line sent without a newline counts like any other.
    socket.once('end', () => {
      if (conn.state !== 'closing') deliver(conn.finish(), this.now())
    })
    socket.once('close', () => {
      // Reset or destroyed with a line half sent: say so rather than drop it silently.
      const pending = conn.framer.pendingBytes
      if (pending > 0 && conn.state !== 'closing') {
        conn.framer.finish()
        const reason = `connection closed with an unfinished ${pending}-byte line (no end of stream)`
        this.feed({ type: 'frame-error', now: this.now(), conn: conn.id, reason })
      }
      this.conns.delete(conn.id)
      this.shaper.forget(conn.id)
      const wasConnecting = conn.state === 'connecting'
      conn.state = 'closing'
      if (wasConnecting) {
        const reason = conn.lastError ?? 'closed before connecting'
        this.feed({ type: 'connect-failed', now: this.now(), conn: conn.id, reason, ...(conn.timedOut ? { timedOut: true } : {}) })
      } else this.feed({ type: 'closed', now: this.now(), conn: conn.id })
    })
    if (this.paused) socket.pause()
  }

  /** Closes connections that never complete a line (a half line then silence, or nothing). */
  private sweep(): void {
    if (this.paused) return
    const now = this.now()
    for (const conn of this.conns.values()) {
      const reason = conn.idleReason(now, this.limits.idleMs)
      if (reason === null) continue
      this.feed({ type: 'frame-error', now, conn: conn.id, reason: `idle: ${reason}` })
      conn.state = 'closing'
      conn.socket.destroy()
    }
  }

  /** Connections over the cap are closed at once and reported at most once a second, with a count. */
  private refuse(remote: string, why: string): void {
    this.refused++
    this.lastRefused = remote
    this.lastRefusedWhy = why
    if (this.refusalTimer) return
    this.refusalTimer = setTimeout(() => {
      this.refusalTimer = null
      const now = this.now()
      this.refusalReportAt = now + REFUSAL_REPORT_MS
      const reason = `connection refused: ${this.lastRefusedWhy} (${this.refused} refused)`
      this.refused = 0
      this.output.log(now, `refused ${this.lastRefused}: ${reason}`)
      this.output.event(now, { type: 'frame.rejected', from: this.lastRefused, reason })
    }, Math.max(0, this.refusalReportAt - Date.now()))
  }

  /** A `warning: ...` log line and a node.warning event. */
  warn(message: string): void {
    const now = this.now()
    this.output.log(now, `warning: ${message}`)
    this.output.event(now, { type: 'node.warning', message: message.slice(0, 2000) })
  }
}
