import { type Address, type NodeId, formatAddress } from '../address'
import { DeadlineQueue } from './deadline-queue'
import { MAX_CONSECUTIVE_BAD_LINES, RateLimitedLog, isFatalFrameError, limitedRejection } from './edge'
import type { ConnId, Effect, Machine, MachineDeps, MachineInput, SeedOptions } from './machine'
import { type ProbeResult, SeedProbes } from './seed-probes'
import { type WireMessage, assertNever, encodeMessage, decodeLine, peerEntryText, peerListLines } from './wire'

/**
 * The seed: keeps the Peer List (PL) and answers registrations, list requests and Dead
 * Node reports. It never gossips. Threat model and reasons: docs/security.md.
 *
 * Every decision about an address rests on the seed's own probe of it (seed-probes.ts:
 * dial `IP:PORT`, `Liveness Request`, matching reply within `verifyTimeoutMs`):
 * - a `Register` is listed (and answered `Registered`) only once the claimed address
 *   answered; a registration held by another open connection cannot be taken over;
 * - a Dead Node report removes a peer only if the probe fails (a refused dial at once, a
 *   timeout only if a second probe times out too);
 * - a peer whose registration connection closed is probed after ORPHAN_PROBE_FACTOR
 *   verification timeouts (neighbours' reports normally come first) and removed if it
 *   does not answer; if it answers but never registers again within ORPHAN_GRACE_MS it
 *   is unlisted: its owner is gone.
 * A removed peer's registration connection is closed, so a live peer that a seed stopped
 * listing finds out at once and registers again (peers reopen closed seed connections).
 * A peer under verification (a report's probe in flight) is left out of the Peer Lists the
 * seed sends until it answers, so a list that names a peer tells its reader the seed kept
 * it (see docs/protocol.md, rejoining).
 *
 * Incarnations: a peer registers with the ms since epoch its process started. A newer
 * incarnation at the same address is a restart: it replaces the old registration once the
 * old registration connection is closed (a report about the old one still under
 * verification is then confirmed: the old incarnation is removed and the new one
 * registered). An older one is refused.
 */

/** An accepted connection that has neither registered nor said Hello within this many ms is closed. */
export const UNREGISTERED_TIMEOUT_MS = 30_000
/** The same, while the seed is near its connection cap (see REGISTRATION_RESERVE). */
export const BUSY_UNREGISTERED_TIMEOUT_MS = 3_000
/** Peers listed at most (a list of 10,000 is ~260 KB: far below the 1 MiB write limit). */
export const MAX_PEERS = 10_000
/** Registrations (listed or being verified) per IP address; also report channels per IP. */
export const MAX_PER_IP = 64
/** Connection slots kept for registrations: above maxConnections minus this, no report channels. */
export const REGISTRATION_RESERVE = 64
/** A registration or report connection silent this long (ms) is asked a Liveness Request. */
export const CONN_IDLE_MS = 60_000
/** A peer without its registration connection is probed after this many verification timeouts. */
export const ORPHAN_PROBE_FACTOR = 4
/** A peer without a registration connection this long (ms) is unlisted (peers reconnect within 60 s). */
export const ORPHAN_GRACE_MS = 90_000
/** Default `maxConnections` (the node driver's accepted-connection cap). */
export const DEFAULT_MAX_CONNECTIONS = 1024
/** Reporters remembered per pending verification (further ones are only logged). */
const MAX_REPORTERS = 16

interface Registration {
  id: NodeId
  address: Address
  /** Last degree the peer reported over its own connection, clamped (see `degree`). */
  degree: number
  /** Its Peer List entry as written (`ip:port@degree`), kept with `degree` by setDegree. */
  entry: string
  /** The connection it registered on, while open. */
  conn: ConnId | null
  /** Listed (its address answered a probe); false while the first probe runs. */
  listed: boolean
  /** A `Registered` is owed on `conn` once the probe answers. */
  owed: boolean
  /** ms since epoch the registration connection closed; null while attached. */
  orphanSince: number | null
  /** Reports waiting for the probe's verdict. */
  reporters: string[]
  /** ms since epoch of the last probe answered. */
  answeredAt: number | null
  /** A probe answered since the registration connection closed. */
  orphanAnswered: boolean
  /** Listed peers: probes in a row that timed out (a second one is sent before removing). */
  timeouts: number
  /** ms since epoch its process started (from `Register`); null for nodes that do not send it. */
  incarnation: number | null
}

interface SeedConn {
  id: ConnId
  /** Source `IP:PORT` of the connection, for logs and events. */
  remote: string
  ip: string
  /** The peer registered over this connection (at most one). */
  peer: NodeId | null
  /** A report channel: the peer identified itself with Hello without registering. */
  identity: NodeId | null
  /** Consecutive refused lines. */
  bad: number
  /** ms since epoch of the last line. */
  lastLineAt: number
  /** The `<ts>` of a Liveness Request sent over this connection, unanswered. */
  pingTs: string | null
  /** ms since epoch it was accepted, and by when it must register or say Hello. */
  acceptedAt: number
  registerBy: number
}

export function createSeedMachine(deps: MachineDeps, options: SeedOptions): Machine {
  const selfIp = deps.self.ip
  const selfId = formatAddress(deps.self)
  const seedIds = new Set(deps.seeds.map(formatAddress))
  const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS
  const peers = new Map<NodeId, Registration>()
  const perIp = new Map<string, number>()
  const conns = new Map<ConnId, SeedConn>()
  const probes = new SeedProbes(selfIp, options.verifyTimeoutMs)
  // One queue per fixed offset keeps each FIFO sorted (see DeadlineQueue).
  const registerQueue = new DeadlineQueue<ConnId>()
  const busyQueue = new DeadlineQueue<ConnId>()
  const idleQueue = new DeadlineQueue<ConnId>()
  const pingQueue = new DeadlineQueue<{ conn: ConnId; ts: string }>()
  const orphanQueue = new DeadlineQueue<NodeId>()
  const limiter = new RateLimitedLog()
  let listed = 0
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
        log(`Seed ${selfId} started; Peer List is empty`)
        break
      case 'tick':
        break
      case 'accepted': {
        const busy = conns.size >= maxConnections - REGISTRATION_RESERVE
        const registerBy = now + (busy ? BUSY_UNREGISTERED_TIMEOUT_MS : UNREGISTERED_TIMEOUT_MS)
        const remote = formatAddress(input.remote)
        conns.set(input.conn, { id: input.conn, remote, ip: input.remote.ip, peer: null, identity: null, bad: 0, lastLineAt: now, pingTs: null, acceptedAt: now, registerBy })
        ;(busy ? busyQueue : registerQueue).push(registerBy, input.conn)
        break
      }
      case 'line': {
        if (probes.owns(input.conn)) {
          const decoded = decodeLine(input.line)
          const result = probes.line(input.conn, decoded.ok ? decoded.message : null, now, out)
          if (result) probed(result, now)
          break
        }
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
        const probe = probes.ended(input.conn, 'connection closed before answering', now, out)
        if (probe) probed(probe, now)
        const conn = conns.get(input.conn)
        if (conn) gone(conn, now)
        break
      }
      case 'connected':
        probes.connected(input.conn, out)
        break
      case 'connect-failed': {
        const probe = probes.ended(input.conn, `could not connect (${input.reason})`, now, out, input.timedOut === true)
        if (probe) probed(probe, now)
        break
      }
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
    for (const result of probes.due(now, out)) probed(result, now)
    for (const id of [...registerQueue.popDue(now), ...busyQueue.popDue(now), ...idleQueue.popDue(now)]) idleCheck(id, now)
    for (const { conn: id, ts } of pingQueue.popDue(now)) {
      const conn = conns.get(id)
      if (!conn || conn.pingTs !== ts) continue
      log(`Closing connection from ${conn.peer ?? conn.identity ?? conn.remote}: no Liveness Reply within ${options.verifyTimeoutMs} ms`)
      close(conn, now)
    }
    for (const id of orphanQueue.popDue(now)) orphanCheck(id, now)
    const unregistered = (id: ConnId) => conns.get(id)?.peer === null && conns.get(id)?.identity === null
    registerQueue.prune(unregistered)
    busyQueue.prune(unregistered)
    idleQueue.prune((id) => conns.has(id))
    pingQueue.prune(({ conn, ts }) => conns.get(conn)?.pingTs === ts)
    orphanQueue.prune((id) => peers.get(id)?.orphanSince != null)
  }

  /** Unregistered past its deadline: close. Identified and silent for CONN_IDLE_MS: ping. */
  function idleCheck(id: ConnId, now: number): void {
    const conn = conns.get(id)
    if (!conn) return
    if (conn.peer === null && conn.identity === null) {
      if (now < conn.registerBy) return
      log(`Closing connection from ${conn.remote}: no registration within ${conn.registerBy - conn.acceptedAt} ms`)
      return close(conn, now)
    }
    const quietUntil = conn.lastLineAt + CONN_IDLE_MS
    if (now < quietUntil) return idleQueue.push(quietUntil, id)
    ping(conn, now)
    idleQueue.push(now + CONN_IDLE_MS, id)
  }

  /** Sends a Liveness Request over `conn` (unless one is pending); no answer in time closes it. */
  function ping(conn: SeedConn, now: number): void {
    if (conn.pingTs !== null) return
    conn.pingTs = String(now)
    send(conn.id, { kind: 'liveness-request', ts: conn.pingTs, ip: selfIp })
    pingQueue.push(now + options.verifyTimeoutMs, { conn: conn.id, ts: conn.pingTs })
  }

  function orphanCheck(id: NodeId, now: number): void {
    const reg = peers.get(id)
    if (!reg || reg.orphanSince === null || probes.pending(id)) return
    const answeredSince = reg.orphanAnswered
    if (answeredSince && now - reg.orphanSince >= ORPHAN_GRACE_MS) {
      // Something answers at that address but never registers again: not a peer of ours.
      return remove(id, [selfId], `no registration connection for ${now - reg.orphanSince} ms: its owner is gone`, now)
    }
    if (answeredSince) return orphanQueue.push(reg.orphanSince + ORPHAN_GRACE_MS, id)
    log(`Probing ${id}: its registration connection closed ${now - reg.orphanSince} ms ago and no report covered it`)
    probes.start(reg.address, now, out)
  }

  function onLine(conn: SeedConn, line: string, now: number): void {
    conn.lastLineAt = now
    const decoded = decodeLine(line)
    if (!decoded.ok) return refuse(conn, decoded.reason, false, now)
    const message = decoded.message
    switch (message.kind) {
      case 'register':
        return register(conn, message.peer, message.incarnation ?? null, now)
      case 'peer-list-request': {
        conn.bad = 0
        const asker = formatAddress(message.peer)
        const entries: string[] = []
        for (const p of peers.values()) {
          // A peer under verification is not handed out until it answers.
          if (p.listed && p.reporters.length === 0 && p.id !== asker && p.id !== conn.peer) entries.push(p.entry)
        }
        for (const line of peerListLines(entries)) out.push({ type: 'send', conn: conn.id, line })
        log(`Sent the Peer List (${entries.length} peers) to ${asker}`)
        return
      }
      case 'degree': {
        const id = formatAddress(message.peer)
        const reg = peers.get(id)
        if (conn.peer !== id || !reg) return refuse(conn, `Degree for ${id} on a connection that did not register it`, false, now)
        conn.bad = 0
        // A peer has at most one link to each other listed peer.
        setDegree(reg, Math.min(message.degree, Math.max(0, listed - 1)))
        return
      }
      case 'dead-node':
        conn.bad = 0
        return report(conn, formatAddress(message.dead), line, now)
      case 'liveness-reply': {
        if (conn.pingTs === null || message.ts !== conn.pingTs || message.ip !== selfIp) {
          return refuse(conn, 'Liveness Reply that answers no probe of this seed', false, now)
        }
        conn.bad = 0
        conn.pingTs = null
        return
      }
      case 'liveness-request':
        conn.bad = 0
        send(conn.id, { kind: 'liveness-reply', ts: message.ts, ip: message.ip, replierIp: selfIp })
        return
      case 'hello':
        return hello(conn, message.peer, now)
      case 'gossip':
      case 'registered':
      case 'peer-list':
        return refuse(conn, `unexpected ${message.kind} message at a seed`, false, now)
      default:
        assertNever(message)
    }
  }

  /** Why `address` may not be registered or identified from `conn`, or null. */
  function claimProblem(conn: SeedConn, address: Address, what: string): string | null {
    const id = formatAddress(address)
    if (id === selfId || seedIds.has(id)) return `${what} with a seed's address ${id}`
    if (address.ip !== conn.ip) return `${what} for ${id} from another IP (${conn.ip}): a node speaks for its own address`
    return null
  }

  function register(conn: SeedConn, address: Address, incarnation: number | null, now: number): void {
    const id = formatAddress(address)
    if (conn.peer !== null && conn.peer !== id) {
      return refuse(conn, `Register for ${id} on a connection already registered as ${conn.peer}`, false, now)
    }
    const problem = claimProblem(conn, address, 'Register')
    if (problem) return refuse(conn, problem, false, now)
    let existing = peers.get(id)
    const held = existing?.incarnation ?? null
    if (held !== null && incarnation !== null && incarnation < held) {
      return refuse(conn, `Register for ${id} from incarnation ${incarnation}, older than the registered ${held}`, false, now)
    }
    conn.bad = 0
    if (existing && existing.conn === conn.id) {
      if (existing.listed && !existing.owed) send(conn.id, { kind: 'registered', peer: address })
      return
    }
    if (existing && existing.conn !== null) {
      // Another open connection holds it: only its end frees it. Ask the holder now, so a
      // dead or hung one (no answer within verifyTimeoutMs) is closed and the claimant's
      // next attempt succeeds.
      const holder = conns.get(existing.conn)
      if (holder) ping(holder, now)
      return refuse(conn, `Register for ${id}: already registered on another open connection`, true, now)
    }
    if (existing && held !== null && incarnation !== null && incarnation > held) {
      if (existing.reporters.length > 0) {
        // The reports were about the old process, which is gone: they were right.
        remove(id, existing.reporters, `incarnation ${held} was reported dead and incarnation ${incarnation} registered`, now)
        existing = undefined
      } else {
        log(`${id} restarted: incarnation ${incarnation} replaces ${held}`)
        setDegree(existing, 0)
      }
    }
    if (!existing) {
      if ((perIp.get(address.ip) ?? 0) >= MAX_PER_IP) {
        return refuse(conn, `Register for ${id}: ${MAX_PER_IP} addresses of ${address.ip} already registered`, true, now)
      }
      if (peers.size >= MAX_PEERS) return refuse(conn, `Register for ${id}: the Peer List is full (${MAX_PEERS} peers)`, true, now)
      perIp.set(address.ip, (perIp.get(address.ip) ?? 0) + 1)
    }
    const reg: Registration = existing ?? {
      id,
      address,
      degree: 0,
      entry: peerEntryText({ ...address, degree: 0 }),
      conn: null,
      listed: false,
      owed: false,
      orphanSince: null,
      reporters: [],
      answeredAt: null,
      orphanAnswered: false,
      timeouts: 0,
      incarnation: null,
    }
    reg.conn = conn.id
    reg.owed = true
    reg.orphanSince = null
    reg.incarnation = incarnation ?? held
    peers.set(id, reg)
    conn.peer = id
    conn.identity = null
    idleQueue.push(now + CONN_IDLE_MS, conn.id)
    log(`Connection request from ${id} (source ${conn.remote}); verifying that ${id} answers`)
    probes.start(address, now, out)
  }

  function setDegree(reg: Registration, degree: number): void {
    if (reg.degree === degree) return
    reg.degree = degree
    reg.entry = peerEntryText({ ...reg.address, degree })
  }

  function hello(conn: SeedConn, address: Address, now: number): void {
    const id = formatAddress(address)
    if (conn.peer !== null || (conn.identity !== null && conn.identity !== id)) {
      return refuse(conn, 'Hello on a connection that already identified itself', false, now)
    }
    const problem = claimProblem(conn, address, 'Hello')
    if (problem) return refuse(conn, problem, false, now)
    if (conn.identity === id) return
    if (conns.size > maxConnections - REGISTRATION_RESERVE) {
      log(`Closing the report channel from ${id}: ${conns.size} connections open, the last ${REGISTRATION_RESERVE} slots are kept for registrations`)
      return close(conn, now)
    }
    let sameIp = 0
    for (const other of conns.values()) {
      if (other.identity === id) {
        log(`Closing the older report channel from ${id}: it opened a new one`)
        close(other, now)
      } else if (other.identity !== null && other.ip === conn.ip) sameIp++
    }
    if (sameIp >= MAX_PER_IP) return refuse(conn, `Hello from ${id}: ${MAX_PER_IP} report channels from ${conn.ip} already open`, true, now)
    conn.bad = 0
    conn.identity = id
    idleQueue.push(now + CONN_IDLE_MS, conn.id)
    log(`Report channel from ${id} (not registered here)`)
  }

  function report(conn: SeedConn, target: NodeId, line: string, now: number): void {
    const reporter = conn.peer ?? conn.identity ?? conn.remote
    log(`${line} received from ${reporter}`)
    const reg = peers.get(target)
    if (!reg || !reg.listed) return rejectReport(target, reporter, 'not in the Peer List')
    if (reg.answeredAt !== null && now - reg.answeredAt < options.verifyTimeoutMs) {
      return rejectReport(target, reporter, `peer answered the seed's liveness probe ${now - reg.answeredAt} ms ago`)
    }
    if (!reg.reporters.includes(reporter) && reg.reporters.length < MAX_REPORTERS) reg.reporters.push(reporter)
    if (probes.pending(target)) return
    probes.start(reg.address, now, out)
    log(`Verifying the report: probing ${target} with the seed's own Liveness Request`)
  }

  function rejectReport(peer: NodeId, reporter: string, reason: string): void {
    out.push({ type: 'event', event: { type: 'seed.report-rejected', peer, reporter, reason } })
    log(`Ignored the report about ${peer} from ${reporter}: ${reason}`)
  }

  /** A probe of a claimed address settled. */
  function probed(result: ProbeResult, now: number): void {
    const reg = peers.get(result.peer)
    if (!reg) return
    if (!result.alive) {
      if (reg.listed && !result.definitive && reg.timeouts === 0) {
        // A live but starved process can miss one deadline: ask once more before removing.
        reg.timeouts = 1
        log(`${reg.id} did not answer the seed's probe (${result.detail}); probing once more`)
        probes.start(reg.address, now, out)
        return
      }
      if (reg.listed) {
        const reporters = reg.reporters.length > 0 ? reg.reporters : [selfId]
        return remove(reg.id, reporters, `the seed's probe failed: ${result.detail}`, now)
      }
      const conn = reg.conn === null ? undefined : conns.get(reg.conn)
      forget(reg)
      if (conn) {
        out.push(...limitedRejection(limiter, conn.remote, `Register for ${reg.id} refused: the seed could not reach that address (${result.detail})`, now))
        close(conn, now)
      }
      return
    }
    reg.answeredAt = now
    reg.timeouts = 0
    if (reg.reporters.length > 0) {
      for (const reporter of reg.reporters) {
        out.push({ type: 'event', event: { type: 'seed.report-rejected', peer: reg.id, reporter, reason: `peer answered the seed's liveness probe in ${result.rttMs} ms` } })
      }
      log(`Kept ${reg.id} in the Peer List: it answered the liveness probe in ${result.rttMs} ms (reported by ${reg.reporters.join(', ')})`)
      reg.reporters = []
    }
    if (reg.orphanSince !== null) {
      reg.orphanAnswered = true
      orphanQueue.push(Math.max(now, reg.orphanSince + ORPHAN_GRACE_MS), reg.id)
      return
    }
    if (!reg.owed || reg.conn === null) return
    reg.owed = false
    if (!reg.listed) {
      reg.listed = true
      listed++
    }
    send(reg.conn, { kind: 'registered', peer: reg.address })
    log(`Registered ${reg.id}: it answered in ${result.rttMs} ms; Peer List now has ${listed} peers`)
    const incarnation = reg.incarnation
    out.push({ type: 'event', event: { type: 'seed.registered', peer: reg.id, ...(incarnation !== null ? { incarnation } : {}) } })
  }

  function remove(peer: NodeId, reporters: readonly string[], why: string, now: number): void {
    const reg = peers.get(peer)
    if (!reg) return
    forget(reg)
    const reporter = reporters[0] ?? selfId
    out.push({ type: 'event', event: { type: 'seed.peer-removed', peer, reporter } })
    log(`Removed ${peer} from the Peer List (reported by ${reporters.join(', ')}; ${why}); ${listed} peers left`)
    const conn = reg.conn === null ? undefined : conns.get(reg.conn)
    // Closing tells a live owner it is no longer listed: it reconnects and registers again.
    if (conn) close(conn, now)
  }

  function forget(reg: Registration): void {
    peers.delete(reg.id)
    if (reg.listed) listed--
    const n = (perIp.get(reg.address.ip) ?? 1) - 1
    if (n <= 0) perIp.delete(reg.address.ip)
    else perIp.set(reg.address.ip, n)
    if (reg.conn !== null) {
      const conn = conns.get(reg.conn)
      if (conn && conn.peer === reg.id) conn.peer = null
    }
  }

  function refuse(conn: SeedConn, reason: string, fatal: boolean, now: number): void {
    out.push(...limitedRejection(limiter, conn.remote, reason, now))
    conn.bad++
    if (fatal || conn.bad >= MAX_CONSECUTIVE_BAD_LINES) {
      log(`Closing connection from ${conn.remote} after ${fatal ? `a refusal (${reason})` : `${conn.bad} bad lines`}`)
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
    if (!reg || reg.conn !== conn.id) return
    reg.conn = null
    if (!reg.listed) {
      // Left before its address was verified (a joining peer that gave up): its probe,
      // in flight or queued behind others, would answer no one.
      forget(reg)
      probes.cancel(reg.id, now, out)
      return
    }
    reg.owed = false
    reg.orphanSince = now
    reg.orphanAnswered = false
    orphanQueue.push(now + ORPHAN_PROBE_FACTOR * options.verifyTimeoutMs, reg.id)
  }

  return {
    handle,
    nextWakeAt: () => {
      if (stopped) return null
      let at: number | null = null
      for (const t of [probes.nextAt(), registerQueue.peekAt(), busyQueue.peekAt(), idleQueue.peekAt(), pingQueue.peekAt(), orphanQueue.peekAt()]) {
        if (t !== null && (at === null || t < at)) at = t
      }
      return at
    },
  }
}
