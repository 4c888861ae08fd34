import { type Address, type NodeId, formatAddress } from '../address'
import { takeBestConnected, takeNeighbour } from './neighbour-choice'
import { linkBurst } from './peer-gossip'
import type { ConnId } from './machine'
import { HELLO_TIMEOUT_MS, JOIN_RETRY_MS, type Link, type PeerConn, type PeerContext, type Refusal, outboundLinks, refusal } from './peer-state'
import type { PeerEntry } from './wire'

/**
 * A peer's links: choosing and dialing neighbours, the Hello exchange, degree updates to
 * the seeds, and dropping a neighbour for good. A link is up once the other side's Hello
 * arrived; one link per pair of peers.
 */

/** Dials up to `need` peers from `pool`, the first `anchors` of them the best-connected. */
export function startLinking(ctx: PeerContext, pool: PeerEntry[], need: number, anchors: number, now: number): void {
  ctx.linking = { pool, need, anchors }
  fillLinks(ctx, now)
}

function fillLinks(ctx: PeerContext, now: number): void {
  const l = ctx.linking
  if (!l) return
  while (l.need > ctx.dialing.size) {
    const entry = l.anchors > 0 ? takeBestConnected(l.pool) : takeNeighbour(l.pool, ctx.options.topology, ctx.deps.random)
    if (l.anchors > 0) l.anchors--
    if (!entry) break
    const id = formatAddress(entry)
    if (ctx.links.has(id) || ctx.dialing.has(id) || id === ctx.selfId) continue
    const conn = ctx.newConn('dial', entry)
    ctx.dialing.set(id, conn.id)
    ctx.helloQueue.push(now + HELLO_TIMEOUT_MS, conn.id)
    ctx.log(`Linking to ${id} (degree ${entry.degree})`)
  }
  if (ctx.dialing.size > 0) return
  ctx.linking = null
  if (ctx.phase === 'linking') startRunning(ctx, now)
  relist(ctx, now)
}

/**
 * Linking ended. With fewer than maxLinks links dialed by this peer (its list was short:
 * peers that join together are hidden from each other while the seeds verify them, and
 * the first peers find nobody), it asks the seeds again after JOIN_RETRY_MS, doubling the
 * wait each time up to one liveness interval (when the liveness rounds ask anyway, see
 * peer-gossip livenessRound); with maxLinks dialed the wait starts over.
 */
function relist(ctx: PeerContext, now: number): void {
  if (outboundLinks(ctx) >= ctx.options.maxLinks) {
    ctx.relistAt = null
    ctx.relistDelay = JOIN_RETRY_MS
    return
  }
  ctx.relistAt = now + ctx.relistDelay
  ctx.relistDelay = Math.min(2 * ctx.relistDelay, ctx.options.intervals.livenessMs)
}

/** The dial on connection `dial` completed its Hello (`success`) or ended. */
function dialResolved(ctx: PeerContext, dial: ConnId, success: boolean, now: number): void {
  if (ctx.redials.delete(dial)) return
  if (ctx.linking && success) ctx.linking.need--
  fillLinks(ctx, now)
}

/**
 * Dials a neighbour whose link broke (the remote closed it or the connection failed)
 * while its verdict is pending: once per liveness round until it says Hello again or
 * is reported. A neighbour that closed the link because it thought us dead (we were
 * paused or cut off) takes us back at once, and we do not report it after three
 * rounds of misses that only measured our own absence. A dead one refuses the dial.
 */
export function redial(ctx: PeerContext, link: Link, now: number): void {
  if (link.conn !== null || ctx.dialing.has(link.id)) return
  const conn = ctx.newConn('dial', link.address)
  ctx.dialing.set(link.id, conn.id)
  ctx.redials.add(conn.id)
  ctx.helloQueue.push(now + HELLO_TIMEOUT_MS, conn.id)
  ctx.log(`Dialing ${link.id} again: its link broke`)
}

/**
 * Initial linking is complete: liveness rounds start one interval later, and so does
 * gossip if the peer has a neighbour. A peer that found no one (the first to join) waits
 * for its first link: a message created with nobody to send it to would reach no one.
 */
function startRunning(ctx: PeerContext, now: number): void {
  ctx.phase = 'running'
  const { intervals } = ctx.options
  ctx.nextLivenessAt = now + intervals.livenessMs
  if (ctx.links.size > 0) {
    const at = startGossip(ctx, now)
    ctx.log(`Linked to ${ctx.links.size} neighbours; gossip starts in ${at === null ? intervals.gossipMs : at - now} ms`)
  } else ctx.log('No peers to link to yet; gossip starts one to two intervals after the first link')
}

/**
 * Schedules the first gossip message one to two intervals after linking (a random phase in
 * [1, 2) intervals: 5-10 s at the assignment's 5 s), then every later one exactly one
 * interval after the previous. Never sooner than one interval, as before; the phase only
 * keeps peers that link together (a whole network started at once) from broadcasting
 * together every interval, each round a burst of N floods. Randomising the phase of
 * periodic messages is the usual cure for their synchronisation (Floyd & Jacobson, "The
 * Synchronization of Periodic Routing Messages", IEEE/ACM ToN 2(2), 1994).
 * Returns the time of the first message, or null when none is scheduled.
 */
function startGossip(ctx: PeerContext, now: number): number | null {
  if (ctx.options.gossipCount > 0 && ctx.gossipSeq === 0 && ctx.nextGossipAt === null) {
    ctx.nextGossipAt = now + Math.round(ctx.options.intervals.gossipMs * (1 + ctx.deps.random()))
  }
  return ctx.nextGossipAt
}

/** A dial ended before its Hello (refused, closed, timed out): try another peer. */
export function dialLost(ctx: PeerContext, conn: PeerConn, reason: string, now: number): void {
  if (conn.kind !== 'dial' || conn.node === null || ctx.dialing.get(conn.node) !== conn.id) return
  ctx.dialing.delete(conn.node)
  ctx.log(`Could not link to ${conn.node}: ${reason}`)
  ctx.emit({ type: 'peer.link-failed', peer: conn.node, reason })
  dialResolved(ctx, conn.id, false, now)
}

/** True while `conn` still has to complete the Hello exchange. */
export function awaitingHello(ctx: PeerContext, conn: PeerConn): boolean {
  if (conn.kind === 'in') return conn.node === null
  return conn.kind === 'dial' && conn.node !== null && ctx.dialing.get(conn.node) === conn.id
}

/** `a` is a later incarnation than `b` (both known). */
function newer(a: number | null, b: number | null): boolean {
  return a !== null && b !== null && a > b
}

/**
 * A Hello (with the sender's incarnation, null from older nodes) on a dialed or accepted
 * connection. A Hello from a later incarnation of a neighbour we hold a link to means it
 * restarted: the old link is stale and the new one replaces it; one from an earlier
 * incarnation is refused (a leftover of the process that was replaced).
 */
export function onHello(ctx: PeerContext, conn: PeerConn, address: Address, incarnation: number | null, now: number): Refusal | undefined {
  const id = formatAddress(address)
  if (conn.kind === 'seed') return refusal('Hello on a seed connection')
  if (id === ctx.selfId) return refusal('Hello with our own address', true)
  const known = ctx.links.get(id)
  if (known && newer(known.incarnation, incarnation)) {
    return refusal(`Hello from ${id} incarnation ${incarnation}, older than the linked ${known.incarnation}`, true)
  }
  // Linked already (and not to an earlier incarnation of it).
  const linked = known !== undefined && known.conn !== null && !newer(incarnation, known.incarnation)
  if (conn.kind === 'dial') {
    if (ctx.dialing.get(conn.node!) !== conn.id) return refusal('second Hello on a link')
    if (id !== conn.node) return refusal(`Hello from ${id} on a link dialed to ${conn.node}`, true)
    conn.bad = 0
    ctx.dialing.delete(id)
    if (linked) ctx.closeConn(conn.id) // linked meanwhile from the other side
    else linkUp(ctx, conn, id, address, incarnation, true, now)
    dialResolved(ctx, conn.id, true, now)
    return undefined
  }
  if (conn.node !== null) return refusal('second Hello on a link')
  conn.bad = 0
  if (linked) {
    ctx.log(`Closing a second link from ${id}: already linked`)
    ctx.closeConn(conn.id)
    return undefined
  }
  const ours = ctx.dialing.get(id)
  if (ours !== undefined) {
    // Both sides dialed each other: the link dialed by the smaller id survives, and both
    // sides reach the same verdict without another message.
    if (ctx.selfId < id) {
      ctx.log(`Closing the link from ${id}: our own dial to it takes precedence`)
      ctx.closeConn(conn.id)
      return undefined
    }
    ctx.dialing.delete(id)
    ctx.closeConn(ours)
    ctx.hello(conn.id)
    linkUp(ctx, conn, id, address, incarnation, false, now)
    dialResolved(ctx, ours, true, now)
    return undefined
  }
  ctx.hello(conn.id)
  linkUp(ctx, conn, id, address, incarnation, false, now)
  return undefined
}

function linkUp(
  ctx: PeerContext,
  conn: PeerConn,
  id: NodeId,
  address: Address,
  incarnation: number | null,
  initiator: boolean,
  now: number,
): void {
  conn.node = id
  let existing = ctx.links.get(id)
  if (existing && newer(incarnation, existing.incarnation)) {
    // The neighbour restarted: the link to its old process is stale (its misses, its
    // pending requests). It is replaced, not continued.
    ctx.log(`${id} restarted (incarnation ${existing.incarnation} -> ${incarnation}): replacing its old link`)
    ctx.links.delete(id)
    if (existing.conn !== null && existing.conn !== conn.id) ctx.closeConn(existing.conn)
    ctx.emit({ type: 'peer.link-down', peer: id, reason: 'replaced' })
    existing = undefined
  }
  if (existing) {
    // A neighbour whose link broke came back before its verdict.
    existing.conn = conn.id
    existing.misses = 0
    existing.awaiting = false
    existing.incarnation = incarnation ?? existing.incarnation
  } else {
    const tokens = linkBurst(ctx)
    ctx.links.set(id, { id, address, conn: conn.id, initiator, misses: 0, lastSent: null, lastAcked: 0, awaiting: false, incarnation, tokens, refilledAt: now })
  }
  ctx.deadReported.delete(id)
  ctx.log(`Link up with ${id} (${initiator ? 'dialed by us' : 'dialed by them'})`)
  ctx.emit({ type: 'peer.link-up', peer: id, initiator })
  degreeChanged(ctx)
  if (ctx.phase === 'running') startGossip(ctx, now)
}

/** Tells the seeds this peer is registered with its new degree, if it changed. */
export function degreeChanged(ctx: PeerContext): void {
  if (ctx.links.size === ctx.degreeSent) return
  ctx.degreeSent = ctx.links.size
  for (const seed of ctx.openSeeds()) ctx.send(seed.conn!, { kind: 'degree', peer: ctx.deps.self, degree: ctx.degreeSent })
}

/** Removes a neighbour for good (dead, or closed for misbehaving); a repair follows. */
export function dropLink(ctx: PeerContext, link: Link, reason: 'dead' | 'closed'): void {
  ctx.links.delete(link.id)
  if (link.conn !== null) ctx.closeConn(link.conn)
  ctx.emit({ type: 'peer.link-down', peer: link.id, reason })
  ctx.lost++
  degreeChanged(ctx)
}
