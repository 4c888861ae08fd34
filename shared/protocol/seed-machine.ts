import { type Address, type NodeId, formatAddress } from '../address'
import { DeadlineQueue } from './deadline-queue'
import { MAX_CONSECUTIVE_BAD_LINES, isFatalFrameError, rejectionEffects } from './edge'
import type { ConnId, Effect, Machine, MachineDeps, MachineInput, SeedOptions } from './machine'
import { type WireMessage, assertNever, encodeMessage, decodeLine, peerListMessages } from './wire'

/**
 * The seed: keeps the Peer List (PL) and answers registrations, list requests and Dead
 * Node reports. It never gossips.
 *
 * Reports are verified: a single report cannot evict a peer that is still connected to
 * this seed. If the reported peer's registration connection is open, the seed probes it
 * with its own `Liveness Request` over that connection and removes the peer only if no
 * matching reply arrives within `verifyTimeoutMs` or the connection closes first. A peer
 * with no open connection (a killed process's connection closes) is removed at once.
 * A closed connection alone never removes a peer: removal needs a report. A peer under
 * verification is left out of the Peer Lists the seed sends until it answers, so a list
 * that names a peer tells its reader the seeds kept it (see docs/protocol.md, rejoining).
 *
 * Incarnations: a peer registers with the ms since epoch its process started. A newer
 * incarnation at the same address is a restart: it replaces the old registration (a
 * report about the old one still under verification is then confirmed: the old
 * incarnation is removed and the new one registered). An older one is refused.
 */

/** An accepted connection that has neither registered nor said Hello within this many ms is closed. */
export const UNREGISTERED_TIMEOUT_MS = 30_000
/** Reporters remembered per pending verification (further ones are only logged). */
const MAX_REPORTERS = 16

interface Registration {
  id: NodeId
  address: Address
  /** Last degree (links) the peer reported over its own connection. */
  degree: number
  /** The connection it registered on, while open. */
  conn: ConnId | null
  /** ms since epoch its process started (from `Register`); null for nodes that do not send it. */
  incarnation: number | null
}

interface SeedConn {
  id: ConnId
  /** Source `IP:PORT` of the connection, for logs and events. */
  remote: string
  /** The peer registered over this connection (at most one). */
  peer: NodeId | null
  /**
   * A peer that identified itself with Hello without registering: it keeps this
   * connection only to send Dead Node reports (it registered with other seeds).
   */
  identity: NodeId | null
  /** Consecutive refused lines. */
  bad: number
}

interface Verification {
  peer: NodeId
  conn: ConnId
  /** The `<ts>` of the probe: `now` when it was sent, as decimal ms. */
  ts: string
  sentAt: number
  reporters: string[]
}

export function createSeedMachine(deps: MachineDeps, options: SeedOptions): Machine {
  const selfIp = deps.self.ip
  const peers = new Map<NodeId, Registration>()
  const conns = new Map<ConnId, SeedConn>()
  const verifications = new Map<NodeId, Verification>()
  const verifyQueue = new DeadlineQueue<{ peer: NodeId; ts: string }>()
  const idleQueue = new DeadlineQueue<ConnId>()
  let stopped = false
  let out: Effect[] = []

  const log = (text: string) => out.push({ type: 'log', text })
  const send = (conn: ConnId, message: WireMessage) => out.push({ type: 'send', conn, line: encodeMessage(message) })

  function handle(input: MachineInput): Effect[] {
    out = []
    if (stopped) return out
    const now = input.now
    switch (input.type) {
      case 'start':
        log(`Seed ${formatAddress(deps.self)} started; Peer List is empty`)
        break
      case 'tick':
        break
      case 'accepted':
        conns.set(input.conn, { id: input.conn, remote: formatAddress(input.remote), peer: null, identity: null, bad: 0 })
        idleQueue.push(now + UNREGISTERED_TIMEOUT_MS, input.conn)
        break
      case 'line': {
        const conn = conns.get(input.conn)
        if (conn) onLine(conn, input.line, now)
        break
      }
      case 'frame-error': {
        const conn = conns.get(input.conn)
        if (conn) refuse(conn, input.reason, isFatalFrameError(input.reason), now)
        break
      }
      case 'closed': {
        const conn = conns.get(input.conn)
        if (conn) gone(conn, now)
        break
      }
      case 'connected':
      case 'connect-failed':
        // A seed never dials; nothing to do.
        break
      case 'seeds':
        // A seed does not talk to other seeds: a changed config.txt changes nothing here.
        return out
      case 'stop':
        stopped = true
        for (const id of conns.keys()) out.push({ type: 'close', conn: id })
        conns.clear()
        log('Seed stopping')
        out.push({ type: 'exit', code: 0, reason: 'stopped' })
        break
      default:
        assertNever(input)
    }
    runTimers(now)
    return out
  }

  function runTimers(now: number): void {
    for (const { peer, ts } of verifyQueue.popDue(now)) {
      const v = verifications.get(peer)
      if (v && v.ts === ts) remove(peer, v.reporters, `no Liveness Reply within ${options.verifyTimeoutMs} ms`, now)
    }
    for (const id of idleQueue.popDue(now)) {
      const conn = conns.get(id)
      if (conn && conn.peer === null && conn.identity === null) {
        log(`Closing connection from ${conn.remote}: no registration within ${UNREGISTERED_TIMEOUT_MS} ms`)
        close(conn, now)
      }
    }
    verifyQueue.prune(({ peer, ts }) => verifications.get(peer)?.ts === ts)
    idleQueue.prune((id) => {
      const conn = conns.get(id)
      return conn !== undefined && conn.peer === null && conn.identity === null
    })
  }

  function onLine(conn: SeedConn, line: string, now: number): void {
    const decoded = decodeLine(line)
    if (!decoded.ok) return refuse(conn, decoded.reason, false, now)
    const message = decoded.message
    switch (message.kind) {
      case 'register':
        return register(conn, message.peer, message.incarnation ?? null, now)
      case 'peer-list-request': {
        conn.bad = 0
        const asker = formatAddress(message.peer)
        const entries = []
        for (const p of peers.values()) {
          // A peer under verification is not handed out until it answers.
          if (p.id !== asker && p.id !== conn.peer && !verifications.has(p.id)) entries.push({ ...p.address, degree: p.degree })
        }
        for (const part of peerListMessages(entries)) send(conn.id, part)
        log(`Sent the Peer List (${entries.length} peers) to ${asker}`)
        return
      }
      case 'degree': {
        const id = formatAddress(message.peer)
        const reg = peers.get(id)
        if (conn.peer !== id || !reg) return refuse(conn, `Degree for ${id} on a connection that did not register it`, false, now)
        conn.bad = 0
        reg.degree = message.degree
        return
      }
      case 'dead-node':
        conn.bad = 0
        return report(conn, formatAddress(message.dead), line, now)
      case 'liveness-reply': {
        const v = conn.peer === null ? undefined : verifications.get(conn.peer)
        if (!v || v.conn !== conn.id || v.ts !== message.ts || message.ip !== selfIp) {
          return refuse(conn, 'Liveness Reply that answers no probe of this seed', false, now)
        }
        conn.bad = 0
        verifications.delete(v.peer)
        const rtt = now - v.sentAt
        for (const reporter of v.reporters) {
          const reason = `peer answered the seed's liveness probe in ${rtt} ms`
          out.push({ type: 'event', event: { type: 'seed.report-rejected', peer: v.peer, reporter, reason } })
        }
        log(`Kept ${v.peer} in the Peer List: it answered the liveness probe in ${rtt} ms (reported by ${v.reporters.join(', ')})`)
        return
      }
      case 'liveness-request':
        conn.bad = 0
        send(conn.id, { kind: 'liveness-reply', ts: message.ts, ip: message.ip, replierIp: selfIp })
        return
      case 'hello': {
        const id = formatAddress(message.peer)
        if (conn.peer !== null || (conn.identity !== null && conn.identity !== id)) {
          return refuse(conn, 'Hello on a connection that already identified itself', false, now)
        }
        conn.bad = 0
        conn.identity = id
        log(`Report channel from ${id} (not registered here)`)
        return
      }
      case 'gossip':
      case 'registered':
      case 'peer-list':
        return refuse(conn, `unexpected ${message.kind} message at a seed`, false, now)
      default:
        assertNever(message)
    }
  }

  function register(conn: SeedConn, address: Address, incarnation: number | null, now: number): void {
    const id = formatAddress(address)
    if (conn.peer !== null && conn.peer !== id) {
      return refuse(conn, `Register for ${id} on a connection already registered as ${conn.peer}`, false, now)
    }
    if (id === formatAddress(deps.self)) return refuse(conn, 'Register with the seed\'s own address', false, now)
    const existing = peers.get(id)
    const held = existing?.incarnation ?? null
    if (held !== null && incarnation !== null && incarnation < held) {
      return refuse(conn, `Register for ${id} from incarnation ${incarnation}, older than the registered ${held}`, false, now)
    }
    conn.bad = 0
    const restarted = held !== null && incarnation !== null && incarnation > held
    if (restarted) {
      const v = verifications.get(id)
      if (v) {
        // The reports were about the old process, which is gone: they were right.
        remove(id, v.reporters, `incarnation ${held} was reported dead and incarnation ${incarnation} registered`, now)
      } else log(`${id} restarted: incarnation ${incarnation} replaces ${held}`)
    }
    if (existing && existing.conn !== null && existing.conn !== conn.id) {
      // The same address registered again on a new connection (a restarted peer): the
      // newest connection is the one that speaks for it.
      const old = conns.get(existing.conn)
      if (old) old.peer = null
    }
    conn.peer = id
    const kept = peers.get(id)
    peers.set(id, { id, address, degree: restarted ? 0 : kept?.degree ?? 0, conn: conn.id, incarnation: incarnation ?? held })
    send(conn.id, { kind: 'registered', peer: address })
    log(`Connection request from ${id} (source ${conn.remote}); Peer List now has ${peers.size} peers`)
    out.push({ type: 'event', event: { type: 'seed.registered', peer: id, ...(incarnation !== null ? { incarnation } : {}) } })
    const v = verifications.get(id)
    if (v) {
      verifications.delete(id)
      for (const reporter of v.reporters) {
        out.push({ type: 'event', event: { type: 'seed.report-rejected', peer: id, reporter, reason: 'peer registered again' } })
      }
    }
  }

  function report(conn: SeedConn, target: NodeId, line: string, now: number): void {
    const reporter = conn.peer ?? conn.identity ?? conn.remote
    log(`${line} received from ${reporter}`)
    const reg = peers.get(target)
    if (!reg) {
      const reason = 'not in the Peer List'
      out.push({ type: 'event', event: { type: 'seed.report-rejected', peer: target, reporter, reason } })
      log(`Ignored the report about ${target}: ${reason}`)
      return
    }
    const pending = verifications.get(target)
    if (pending) {
      if (!pending.reporters.includes(reporter) && pending.reporters.length < MAX_REPORTERS) pending.reporters.push(reporter)
      return
    }
    const regConn = reg.conn === null ? undefined : conns.get(reg.conn)
    if (!regConn) return remove(target, [reporter], 'its connection to this seed is closed', now)
    const ts = String(now)
    verifications.set(target, { peer: target, conn: regConn.id, ts, sentAt: now, reporters: [reporter] })
    verifyQueue.push(now + options.verifyTimeoutMs, { peer: target, ts })
    send(regConn.id, { kind: 'liveness-request', ts, ip: selfIp })
    log(`Verifying the report: Liveness Request sent to ${target}`)
  }

  function remove(peer: NodeId, reporters: readonly string[], why: string, now: number): void {
    const reg = peers.get(peer)
    verifications.delete(peer)
    if (!reg) return
    peers.delete(peer)
    const reporter = reporters[0] ?? 'unknown'
    out.push({ type: 'event', event: { type: 'seed.peer-removed', peer, reporter } })
    log(`Removed ${peer} from the Peer List (reported by ${reporters.join(', ')}; ${why}); ${peers.size} peers left`)
    const conn = reg.conn === null ? undefined : conns.get(reg.conn)
    if (conn) close(conn, now)
  }

  function refuse(conn: SeedConn, reason: string, fatal: boolean, now: number): void {
    out.push(...rejectionEffects(conn.remote, reason))
    conn.bad++
    if (fatal || conn.bad >= MAX_CONSECUTIVE_BAD_LINES) {
      log(`Closing connection from ${conn.remote} after ${fatal ? 'an over-long line' : `${conn.bad} bad lines`}`)
      close(conn, now)
    }
  }

  function close(conn: SeedConn, now: number): void {
    out.push({ type: 'close', conn: conn.id })
    gone(conn, now)
  }

  /** Bookkeeping when a connection ends, whichever side ended it. */
  function gone(conn: SeedConn, now: number): void {
    conns.delete(conn.id)
    if (conn.peer === null) return
    const reg = peers.get(conn.peer)
    if (reg && reg.conn === conn.id) reg.conn = null
    const v = verifications.get(conn.peer)
    if (v && v.conn === conn.id) remove(conn.peer, v.reporters, 'its connection closed during verification', now)
  }

  return {
    handle,
    nextWakeAt: () => {
      if (stopped) return null
      const a = verifyQueue.peekAt()
      const b = idleQueue.peekAt()
      return a === null ? b : b === null ? a : Math.min(a, b)
    },
  }
}
