import { formatAddress } from '../address'
import { MAX_CONSECUTIVE_BAD_LINES, isFatalFrameError, limitedRejection } from './edge'
import type { Effect, Machine, MachineDeps, MachineInput, PeerOptions } from './machine'
import { createGossip, livenessRound, onGossip, onLivenessReply } from './peer-gossip'
import { awaitingHello, dialLost, dropLink, onHello } from './peer-links'
import { finishQuery, nextReconnectAt, onConfigSeeds, onSeedConnected, onSeedMessage, reconnectSeeds, seedLost, startJoin, startRepair } from './peer-seeds'
import { HELLO_TIMEOUT_MS, type PeerConn, PeerContext, type Refusal, refusal } from './peer-state'
import { assertNever, decodeLine } from './wire'

export { HELLO_TIMEOUT_MS, JOIN_RETRY_MS, MAX_PEER_LIST_PARTS, MAX_SEED_RETRY_MS, SEED_TIMEOUT_MS } from './peer-state'

/**
 * The peer: joins through a majority of seeds, links to neighbours, gossips, checks its
 * neighbours' liveness and reports dead ones. See docs/protocol.md for the choices.
 *
 * Phases: joining (registering with floor(n/2)+1 seeds and collecting their lists) ->
 * linking (dialing the chosen neighbours) -> running (gossip and liveness timers). Incoming
 * links are accepted in every phase. After a neighbour is dropped the peer asks its seeds
 * for a fresh list and dials replacements; a peer left with no links asks again every
 * liveness round.
 *
 * This file is the edge of the machine: it routes inputs to the parts (peer-seeds,
 * peer-links, peer-gossip), refuses what they refuse, and runs the timers.
 */
export function createPeerMachine(deps: MachineDeps, options: PeerOptions): Machine {
  const ctx = new PeerContext(deps, options)

  function handle(input: MachineInput): Effect[] {
    ctx.out = []
    if (ctx.phase === 'stopped') return ctx.out
    const now = input.now
    switch (input.type) {
      case 'start':
        ctx.incarnation = deps.incarnation ?? now
        ctx.log(`Peer ${ctx.selfId} started; registering with ${ctx.needSeeds} of ${ctx.seeds.size} seeds`)
        startJoin(ctx, now)
        break
      case 'tick':
        break
      case 'connected': {
        const conn = ctx.conns.get(input.conn)
        if (conn?.kind === 'seed') onSeedConnected(ctx, conn, now)
        else if (conn?.kind === 'dial') ctx.hello(conn.id)
        break
      }
      case 'connect-failed': {
        const conn = ctx.conns.get(input.conn)
        if (conn) gone(conn, `connect failed: ${input.reason}`, now)
        break
      }
      case 'accepted':
        ctx.conns.set(input.conn, { id: input.conn, kind: 'in', remote: formatAddress(input.remote), node: null, bad: 0 })
        ctx.helloQueue.push(now + HELLO_TIMEOUT_MS, input.conn)
        break
      case 'line': {
        const conn = ctx.conns.get(input.conn)
        const refused = conn ? onLine(conn, input.line, now) : undefined
        if (conn && refused) refuse(conn, refused, now)
        break
      }
      case 'frame-error': {
        const conn = ctx.conns.get(input.conn)
        if (conn) refuse(conn, refusal(input.reason, isFatalFrameError(input.reason)), now)
        break
      }
      case 'closed': {
        const conn = ctx.conns.get(input.conn)
        if (conn) gone(conn, 'connection closed', now)
        break
      }
      case 'stop':
        stop()
        return ctx.out
      case 'seeds':
        onConfigSeeds(ctx, input.seeds)
        break
      default:
        assertNever(input)
    }
    runTimers(now)
    maybeRepair(now)
    return ctx.out
  }

  function runTimers(now: number): void {
    for (const id of ctx.helloQueue.popDue(now)) {
      const conn = ctx.conns.get(id)
      if (!conn || !awaitingHello(ctx, conn)) continue
      ctx.log(`Closing connection ${conn.kind === 'dial' ? 'to' : 'from'} ${conn.remote}: no Hello within ${HELLO_TIMEOUT_MS} ms`)
      close(conn, 'no Hello in time', now)
    }
    ctx.helloQueue.prune((id) => {
      const conn = ctx.conns.get(id)
      return conn !== undefined && awaitingHello(ctx, conn)
    })
    if (ctx.query && now >= ctx.query.deadline) finishQuery(ctx, now, true)
    if (ctx.phase !== 'joining') reconnectSeeds(ctx, now)
    if (ctx.joinRetryAt !== null && now >= ctx.joinRetryAt) {
      ctx.joinRetryAt = null
      startJoin(ctx, now)
    }
    if (ctx.relistAt !== null && now >= ctx.relistAt) {
      ctx.relistAt = null
      ctx.repairDue = true
    }
    const { gossipMs, livenessMs } = options.intervals
    if (ctx.nextGossipAt !== null && now >= ctx.nextGossipAt) {
      createGossip(ctx, now)
      ctx.nextGossipAt = ctx.gossipSeq < options.gossipCount ? Math.max(ctx.nextGossipAt + gossipMs, now + 1) : null
    }
    if (ctx.nextLivenessAt !== null && now >= ctx.nextLivenessAt) {
      livenessRound(ctx, now)
      ctx.nextLivenessAt = Math.max(ctx.nextLivenessAt + livenessMs, now + 1)
    }
  }

  /** After a lost neighbour (or a round with none), once nothing else is in flight. */
  function maybeRepair(now: number): void {
    if (ctx.phase !== 'running' || ctx.query || ctx.linking) return
    if (ctx.lost === 0 && !ctx.repairDue) return
    // With no seed connection open, the reconnects will bring one back.
    if (ctx.openSeeds().length > 0) startRepair(ctx, now)
  }

  function onLine(conn: PeerConn, line: string, now: number): Refusal | undefined {
    const decoded = decodeLine(line)
    if (!decoded.ok) return refusal(decoded.reason)
    const message = decoded.message
    switch (message.kind) {
      case 'liveness-request':
        // Neighbours and seeds (verifying a report about us) ask alike: echo it.
        conn.bad = 0
        ctx.send(conn.id, { kind: 'liveness-reply', ts: message.ts, ip: message.ip, replierIp: ctx.selfIp })
        return undefined
      case 'liveness-reply':
        return onLivenessReply(ctx, conn, Number(message.ts), message.ip, now)
      case 'gossip': {
        const link = conn.node === null ? undefined : ctx.links.get(conn.node)
        if (conn.kind === 'seed' || !link || link.conn !== conn.id) return refusal('gossip on a connection that is not a link')
        const refused = onGossip(ctx, link, message.text, Number(message.ts), message.ip, now)
        if (!refused) conn.bad = 0
        return refused
      }
      case 'hello':
        return onHello(ctx, conn, message.peer, message.incarnation ?? null, now)
      case 'registered':
      case 'peer-list':
        return onSeedMessage(ctx, conn, message, now)
      case 'register':
      case 'peer-list-request':
      case 'degree':
      case 'dead-node':
        return refusal(`unexpected ${message.kind} message at a peer`)
      default:
        return assertNever(message)
    }
  }

  function refuse(conn: PeerConn, refused: Refusal, now: number): void {
    ctx.out.push(...limitedRejection(ctx.limiter, conn.remote, refused.reason, now))
    conn.bad++
    if (!refused.fatal && conn.bad < MAX_CONSECUTIVE_BAD_LINES) return
    ctx.log(`Closing connection with ${conn.remote} after ${refused.fatal ? 'a fatal error' : `${conn.bad} bad lines`}`)
    close(conn, 'bad input', now)
  }

  /** Closes a connection ourselves, with the bookkeeping its loss implies. */
  function close(conn: PeerConn, reason: string, now: number): void {
    if (!ctx.conns.has(conn.id)) return
    const link = conn.node === null ? undefined : ctx.links.get(conn.node)
    if (conn.kind !== 'seed' && link && link.conn === conn.id) {
      // A live link closed on purpose (a misbehaving neighbour): the neighbour is gone.
      dropLink(ctx, link, 'closed')
      return
    }
    ctx.closeConn(conn.id)
    lost(conn, reason, now)
  }

  /** A connection ended without us closing it. */
  function gone(conn: PeerConn, reason: string, now: number): void {
    ctx.conns.delete(conn.id)
    const link = conn.node === null ? undefined : ctx.links.get(conn.node)
    if (conn.kind !== 'seed' && link && link.conn === conn.id) {
      // A broken link is not a death: the liveness rounds decide.
      link.conn = null
      ctx.log(`Link with ${link.id} broken (${reason}); counting liveness misses`)
      return
    }
    lost(conn, reason, now)
  }

  function lost(conn: PeerConn, reason: string, now: number): void {
    if (conn.kind === 'seed') seedLost(ctx, conn, reason, now)
    else dialLost(ctx, conn, reason, now)
  }

  function stop(): void {
    for (const link of ctx.links.values()) ctx.emit({ type: 'peer.link-down', peer: link.id, reason: 'shutdown' })
    for (const id of ctx.conns.keys()) ctx.out.push({ type: 'close', conn: id })
    ctx.conns.clear()
    ctx.links.clear()
    ctx.phase = 'stopped'
    ctx.log('Peer stopping')
    ctx.out.push({ type: 'exit', code: 0, reason: 'stopped' })
  }

  return {
    handle,
    nextWakeAt: () => {
      if (ctx.phase === 'stopped') return null
      const times = [
        ctx.helloQueue.peekAt(),
        ctx.query?.deadline ?? null,
        ctx.joinRetryAt,
        ctx.nextGossipAt,
        ctx.nextLivenessAt,
        ctx.relistAt,
        nextReconnectAt(ctx),
      ]
      let at: number | null = null
      for (const t of times) if (t !== null && (at === null || t < at)) at = t
      return at
    },
  }
}
