import type { Socket } from 'node:net'
import { LineFramer, type Frame } from '../../shared/protocol/framer'
import type { ConnId } from '../../shared/protocol/machine'
import { ioCounts } from './io-stats'

/** Bounds that keep one node's memory and descriptors finite whatever remotes do. */
export interface ConnectionLimits {
  /** Accepted connections held at once; more are closed on arrival. */
  maxAccepted: number
  /**
   * Accepted connections held at once from one source IP; more from it are closed on
   * arrival. Nodes bind their outgoing connections to their own IP, so honest traffic
   * from one IP is one node (or the few a user started on one IP by hand).
   */
  maxPerSource: number
  /** Longest line in bytes (longer lines are reported and discarded, never buffered). */
  maxLineBytes: number
  /** Bytes queued for a remote that does not read before its connection is closed. */
  maxWriteBufferBytes: number
  /**
   * ms an accepted connection may stay open without sending its first complete line, and
   * ms any connection may hold an unfinished line without completing it.
   */
  idleMs: number
  /** ms a dial may take before it counts as failed. */
  connectTimeoutMs: number
}

export const DEFAULT_LIMITS: ConnectionLimits = {
  maxAccepted: 1024,
  maxPerSource: 64,
  maxLineBytes: 64 * 1024,
  maxWriteBufferBytes: 1024 * 1024,
  idleMs: 5000,
  connectTimeoutMs: 3000,
}

/**
 * One TCP connection: its socket, its framer and the bookkeeping the idle sweep needs.
 * `state` moves connecting -> open -> closing; the driver deletes the entry on 'close'.
 */
export class Connection {
  readonly framer: LineFramer
  state: 'connecting' | 'open' | 'closing'
  /** Complete lines received so far. */
  lines = 0
  /** ms since epoch when the connection opened (accepted or connected). */
  openedAt: number
  /** ms since epoch when the current unfinished line began; null when none is pending. */
  pendingSince: number | null = null
  /** Last socket error, reported as the connect-failed reason. */
  lastError: string | null = null
  /** The dial was given up after the connect timeout (reported as `timedOut`). */
  timedOut = false
  corked = false

  constructor(
    readonly id: ConnId,
    readonly socket: Socket,
    /** Remote `IP:PORT` as seen on the socket (for frame.rejected and logs). */
    readonly remote: string,
    readonly inbound: boolean,
    now: number,
    limits: ConnectionLimits,
  ) {
    this.framer = new LineFramer(limits.maxLineBytes)
    this.state = inbound ? 'open' : 'connecting'
    this.openedAt = now
  }

  /** Frames a chunk and updates the idle bookkeeping. */
  push(chunk: Uint8Array, now: number): Frame[] {
    const frames = this.framer.push(chunk)
    for (const frame of frames) if (frame.kind === 'line') this.lines++
    if (this.framer.pendingBytes === 0) this.pendingSince = null
    else if (this.pendingSince === null || frames.length > 0) this.pendingSince = now
    return frames
  }

  /** Why this connection should be closed as idle at `now`, or null. */
  idleReason(now: number, idleMs: number): string | null {
    if (this.state !== 'open') return null
    if (this.pendingSince !== null && now - this.pendingSince > idleMs) {
      return `unfinished line (${this.framer.pendingBytes} bytes) not completed within ${idleMs} ms`
    }
    if (this.inbound && this.lines === 0 && now - this.openedAt > idleMs) {
      return `no complete line within ${idleMs} ms of connecting`
    }
    return null
  }

  /**
   * The remote ended its side (FIN): the unfinished last line, if any, as a frame
   * (the framer's end-of-stream rule, docs/protocol.md "Compatibility").
   */
  finish(): Frame[] {
    const frames = this.framer.finish()
    for (const frame of frames) if (frame.kind === 'line') this.lines++
    this.pendingSince = null
    return frames
  }

  /**
   * Queues a line; false when the remote is not reading and the queue is over the limit.
   * The line is handed to the OS with every other line queued on this socket in the same
   * turn of the event loop (see flushWrites), or earlier by `uncork()`.
   */
  write(line: string, maxQueued: number): boolean {
    if (!this.corked) {
      this.socket.cork()
      this.corked = true
      corked.add(this)
      if (!flushScheduled) {
        flushScheduled = true
        setImmediate(flushWrites)
      }
    }
    this.socket.write(line + '\n')
    ioCounts.socketLines++
    ioCounts.socketWriteBytes += line.length + 1
    return this.socket.writableLength <= maxQueued
  }

  /** Hands the lines queued so far to the OS now (one write or writev). */
  uncork(): void {
    if (!this.corked) return
    this.corked = false
    corked.delete(this)
    ioCounts.socketFlushes++
    this.socket.uncork()
  }
}

/**
 * Connections of this process (all its nodes) with lines queued in the current turn of
 * the event loop. In a burst one turn handles many received lines, and a node forwards
 * several of them to the same neighbour: writing once per socket per turn, after the
 * turn's I/O callbacks (setImmediate), costs one system call where one per line cost
 * several. A receiver in the same process reads no earlier than the next turn anyway.
 */
const corked = new Set<Connection>()
let flushScheduled = false

/**
 * Hands every line queued in this process to the OS now. Called by setImmediate after
 * the turn's I/O callbacks, and by a node's timer right after it ran (a message created
 * in the timers phase would otherwise wait out the whole I/O phase of the turn).
 */
export function flushWrites(): void {
  flushScheduled = false
  for (const conn of corked) conn.uncork()
}
