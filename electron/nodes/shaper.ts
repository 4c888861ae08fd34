import type { Address } from '../../shared/address'
import {
  type EffectiveLink,
  type Endpoint,
  type NetConditions,
  NO_CONDITIONS,
  effectiveLink,
  endpointOf,
  isIdle,
  planSend,
  sampleDelay,
} from '../../shared/net/conditions'
import { type DropCount, DropTally } from '../../shared/net/drop-tally'
import type { ConnId } from '../../shared/protocol/machine'
import { isGossipLine } from '../../shared/protocol/wire'

/**
 * The node driver's outgoing-path shaper: applies the conditions model
 * (shared/net/conditions.ts) to what this node sends, per connection, in order. A line is
 * lost, held (partition), or released after its sampled delay but never before the line
 * sent before it on the same connection (FIFO). A close waits behind the lines queued
 * before it. While the model is idle (all zero, no overrides, no partitions) the driver
 * does not call `send` at all: the send path costs one property read.
 *
 * Lines held by a partition are kept up to `maxHeldBytes` per connection (the driver's
 * write-buffer cap); later ones are dropped and reported like losses, with reason
 * `partition`. Lines already released to the socket when a partition starts still arrive
 * (they are on the wire).
 */

export interface ShaperHooks {
  /** Wall clock, ms since epoch. */
  now(): number
  /** Writes a line on the connection now (the driver's unshaped send). */
  write(conn: ConnId, line: string): void
  /** Closes the connection now (the driver's unshaped close). */
  close(conn: ConnId): void
  /** Uncorks sockets written by a release (called once per timer). */
  flushed(): void
  /** One aggregated window of drops (reported as net.dropped). */
  dropped(counts: DropCount[]): void
}

const CLOSE = Symbol('close')

interface Queued {
  item: string | typeof CLOSE
  /** Release time, ms since epoch; null while held by a partition. */
  at: number | null
}

interface ConnShape {
  remote: Endpoint
  /** Receiver as reported in net.dropped. */
  label: string
  /** Cached under the current model (reset on every change). */
  link: EffectiveLink | null
  queue: Queued[]
  heldBytes: number
  /** Release time of the last line queued, for FIFO. */
  lastAt: number
  timer: NodeJS.Timeout | null
  timerAt: number
}

export class Shaper {
  private conditions: NetConditions = NO_CONDITIONS
  private readonly self: Endpoint
  private readonly conns = new Map<ConnId, ConnShape>()
  private readonly tally = new DropTally()
  /** True while the model changes nothing: the driver skips the shaper. */
  idle = true

  constructor(
    self: Address,
    private readonly random: () => number,
    private readonly hooks: ShaperHooks,
    private readonly maxHeldBytes: number,
  ) {
    this.self = endpointOf(self)
  }

  get current(): NetConditions {
    return this.conditions
  }

  /**
   * Applies a new model now: cached links are recomputed, held lines whose link is no
   * longer blocked are released in order (each with a fresh delay).
   */
  set(conditions: NetConditions): void {
    this.conditions = conditions
    this.idle = isIdle(conditions)
    for (const [id, shape] of this.conns) {
      shape.link = null
      const link = this.linkOf(shape)
      if (link.blocked || !shape.queue.some((q) => q.at === null)) continue
      const now = this.hooks.now()
      for (const q of shape.queue) {
        if (q.at !== null) continue
        q.at = Math.max(now + sampleDelay(link, this.random), shape.lastAt)
        shape.lastAt = q.at
      }
      shape.heldBytes = 0
      this.arm(id, shape)
    }
  }

  /** The link from this node to `to` under the model in force. */
  linkTo(to: Endpoint): EffectiveLink {
    return effectiveLink(this.conditions, this.self, to)
  }

  /** Registers a connection: `remote` is the listening address for a dial, the source address for an accepted one. */
  track(conn: ConnId, remote: Address, inbound: boolean): void {
    this.conns.set(conn, {
      remote: { ip: remote.ip, port: inbound ? null : remote.port },
      label: `${remote.ip}:${remote.port}`,
      link: null,
      queue: [],
      heldBytes: 0,
      lastAt: 0,
      timer: null,
      timerAt: 0,
    })
  }

  /** The connection is gone: its queue is discarded. */
  forget(conn: ConnId): void {
    const shape = this.conns.get(conn)
    if (shape?.timer) clearTimeout(shape.timer)
    this.conns.delete(conn)
  }

  /** Sends one line under the model: lost, held, written now, or queued. */
  send(conn: ConnId, line: string): void {
    const shape = this.conns.get(conn)
    if (!shape) return this.hooks.write(conn, line)
    const now = this.hooks.now()
    const plan = planSend(this.linkOf(shape), now, shape.lastAt, this.random)
    if (plan.kind === 'drop') return this.drop(shape, 'loss', line, now)
    if (plan.kind === 'hold') {
      if (shape.heldBytes + line.length > this.maxHeldBytes) return this.drop(shape, 'partition', line, now)
      shape.heldBytes += line.length + 1
      shape.queue.push({ item: line, at: null })
      return
    }
    shape.lastAt = plan.time
    if (plan.time <= now && shape.queue.length === 0) return this.hooks.write(conn, line)
    shape.queue.push({ item: line, at: plan.time })
    this.arm(conn, shape)
  }

  /** Closes after the lines queued before the close; false when nothing is queued (close now). */
  close(conn: ConnId): boolean {
    const shape = this.conns.get(conn)
    if (!shape || shape.queue.length === 0) return false
    shape.queue.push({ item: CLOSE, at: shape.queue.at(-1)!.at })
    return true
  }

  private linkOf(shape: ConnShape): EffectiveLink {
    shape.link ??= effectiveLink(this.conditions, this.self, shape.remote)
    return shape.link
  }

  private drop(shape: ConnShape, reason: 'loss' | 'partition', line: string, now: number): void {
    const due = this.tally.add(shape.label, reason, isGossipLine(line), now)
    if (due !== null) setTimeout(() => this.hooks.dropped(this.tally.drain()), Math.max(0, due - now)).unref()
  }

  /** Sets the connection's timer for its first queued item, if it has a release time. */
  private arm(conn: ConnId, shape: ConnShape): void {
    const head = shape.queue[0]
    if (!head || head.at === null) return
    if (shape.timer && shape.timerAt === head.at) return
    if (shape.timer) clearTimeout(shape.timer)
    shape.timerAt = head.at
    shape.timer = setTimeout(() => {
      shape.timer = null
      this.release(conn, shape)
    }, Math.max(0, head.at - this.hooks.now()))
  }

  /** Writes every queued item that is due, in order, then re-arms. */
  private release(conn: ConnId, shape: ConnShape): void {
    const now = this.hooks.now()
    let written = 0
    while (shape.queue.length > 0) {
      const head = shape.queue[0]!
      if (head.at === null || head.at > now) break
      shape.queue.shift()
      written++
      if (head.item === CLOSE) {
        this.hooks.close(conn)
        break
      }
      this.hooks.write(conn, head.item)
    }
    if (written > 0) this.hooks.flushed()
    if (this.conns.get(conn) === shape) this.arm(conn, shape)
  }
}
