import { type Address, type NodeId, formatAddress } from '../address'
import { DeadlineQueue } from './deadline-queue'
import type { ConnId, Effect } from './machine'
import { type WireMessage, encodeMessage } from './wire'

/**
 * A seed's own probes of a claimed address: the seed dials `IP:PORT` itself, sends
 * `Liveness Request:<ts>:<seedIp>` and waits for the matching `Liveness Reply`. The answer
 * shows that something listening at that address speaks the protocol now; it is the only
 * evidence a seed accepts before listing an address (registration) or unlisting one
 * (report, lost registration connection). A connection's source address proves nothing
 * (any process can bind any loopback address), a dial to the claimed address does.
 *
 * One probe per address at a time; asking again while one is in flight joins it. At most
 * `MAX_PROBES` dials are open at once, the rest wait in FIFO order (so a flood of reports
 * cannot make the seed open unbounded connections). Probe connections are named `o<n>`.
 */

/**
 * Dials a seed keeps open at once for probes; more wait their turn. Every registration
 * waits for its probe, so this over the probe's round trip bounds how many peers a seed
 * can register per second: at 1,000 peers joining while the launch's flooding slowed the
 * peers' answers to 1-2 s, 64 let each seed register 20-40 a second and joins queued for
 * 20 s (README, issue 9). 256 bounds the sockets a flood of reports can make it open all
 * the same (the node's accepted connections are capped at 1,024).
 */
export const MAX_PROBES = 256

export interface ProbeResult {
  peer: NodeId
  alive: boolean
  /** Why it failed, or the round-trip time, for logs. */
  detail: string
  /** ms from the dial to the answer (alive only). */
  rttMs: number
  /**
   * Failed for certain: the dial was refused or the connection closed unanswered (nothing
   * listens there, or it hung up). False for a timeout, which a starved process can cause.
   */
  definitive: boolean
}

interface Probe {
  peer: NodeId
  address: Address
  conn: ConnId | null
  ts: string
  startedAt: number
}

export class SeedProbes {
  private readonly active = new Map<NodeId, Probe>()
  private readonly byConn = new Map<ConnId, NodeId>()
  private readonly waiting = new Map<NodeId, Address>()
  private readonly deadlines = new DeadlineQueue<{ peer: NodeId; ts: string }>()
  private counter = 0

  constructor(
    private readonly selfIp: string,
    private readonly timeoutMs: number,
  ) {}

  /** True if `conn` is one of the probe dials. */
  owns(conn: ConnId): boolean {
    return this.byConn.has(conn)
  }

  pending(peer: NodeId): boolean {
    return this.active.has(peer) || this.waiting.has(peer)
  }

  /** Starts (or joins) a probe of `address`; effects go to `out`. */
  start(address: Address, now: number, out: Effect[]): void {
    const peer = formatAddress(address)
    if (this.pending(peer)) return
    if (this.active.size >= MAX_PROBES) {
      this.waiting.set(peer, address)
      return
    }
    this.open(peer, address, now, out)
  }

  /** The dial connected: ask. */
  connected(conn: ConnId, out: Effect[]): void {
    const probe = this.probeOf(conn)
    if (probe) out.push(send(conn, { kind: 'liveness-request', ts: probe.ts, ip: this.selfIp }))
  }

  /** A line on a probe dial: the matching reply settles it; anything else is ignored. */
  line(conn: ConnId, message: WireMessage | null, now: number, out: Effect[]): ProbeResult | null {
    const probe = this.probeOf(conn)
    if (!probe || !message || message.kind !== 'liveness-reply') return null
    if (message.ts !== probe.ts || message.ip !== this.selfIp) return null
    const rttMs = now - probe.startedAt
    return this.finish(probe, true, `answered in ${rttMs} ms`, rttMs, now, out, true)
  }

  /**
   * The dial failed or closed before answering: definitive unless it timed out (the dial
   * got no answer in time, which a cut-off or starved host causes as well as a dead one).
   */
  ended(conn: ConnId, reason: string, now: number, out: Effect[], timedOut = false): ProbeResult | null {
    const probe = this.probeOf(conn)
    if (!probe) return null
    probe.conn = null // already closed: no close effect
    this.byConn.delete(conn)
    return this.finish(probe, false, reason, 0, now, out, !timedOut)
  }

  /** Drops the probe of `peer` (in flight or waiting): its verdict is no longer needed. */
  cancel(peer: NodeId, now: number, out: Effect[]): void {
    if (this.waiting.delete(peer)) return
    const probe = this.active.get(peer)
    if (probe) this.finish(probe, false, 'cancelled', 0, now, out, false)
  }

  /** Probes whose deadline passed, failed; call on every input. */
  due(now: number, out: Effect[]): ProbeResult[] {
    const results: ProbeResult[] = []
    for (const { peer, ts } of this.deadlines.popDue(now)) {
      const probe = this.active.get(peer)
      if (probe && probe.ts === ts) results.push(this.finish(probe, false, `no Liveness Reply within ${this.timeoutMs} ms`, 0, now, out, false))
    }
    this.deadlines.prune(({ peer, ts }) => this.active.get(peer)?.ts === ts)
    return results
  }

  nextAt(): number | null {
    return this.deadlines.peekAt()
  }

  private probeOf(conn: ConnId): Probe | undefined {
    const peer = this.byConn.get(conn)
    return peer === undefined ? undefined : this.active.get(peer)
  }

  private open(peer: NodeId, address: Address, now: number, out: Effect[]): void {
    const conn = `o${++this.counter}`
    const probe: Probe = { peer, address, conn, ts: String(now), startedAt: now }
    this.active.set(peer, probe)
    this.byConn.set(conn, peer)
    this.deadlines.push(now + this.timeoutMs, { peer, ts: probe.ts })
    out.push({ type: 'connect', conn, to: address })
  }

  private finish(probe: Probe, alive: boolean, detail: string, rttMs: number, now: number, out: Effect[], definitive: boolean): ProbeResult {
    this.active.delete(probe.peer)
    if (probe.conn !== null) {
      this.byConn.delete(probe.conn)
      out.push({ type: 'close', conn: probe.conn })
    }
    const next = this.waiting.entries().next()
    if (!next.done) {
      this.waiting.delete(next.value[0])
      this.open(next.value[0], next.value[1], now, out)
    }
    return { peer: probe.peer, alive, detail, rttMs, definitive }
  }
}

function send(conn: ConnId, message: WireMessage): Effect {
  return { type: 'send', conn, line: encodeMessage(message) }
}
