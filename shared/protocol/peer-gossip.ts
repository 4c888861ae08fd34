import { type NodeId, isLoopback } from '../address'
import { localTime } from './edge'
import { MESSAGE_MAX_AGE_MS } from './message-list'
import { dropLink, redial } from './peer-links'
import { type Link, type PeerConn, type PeerContext, type Refusal, outboundLinks, refusal } from './peer-state'
import { type WireMessage, encodeMessage, gossipText } from './wire'

/**
 * Gossip (create, receive once, forward) and liveness (rounds, replies, dead-node
 * reports) over a peer's links.
 */

/** Peers reported dead remembered (so they are not dialed again), oldest forgotten first. */
const DEAD_MEMORY = 10_000
/** ms a gossip `<ts>` may lie ahead of this peer's clock (nodes on other machines). */
export const MAX_CLOCK_SKEW_MS = 60_000
/**
 * Peers one IP can plausibly hold (a seed registers at most this many per IP): the Message
 * List refuses an origin IP with more than this x gossipCount messages in it.
 */
export const PEERS_PER_ORIGIN_IP = 64
/** Gossip lines per second every link may carry, whatever the network size. */
export const LINK_RATE_FLOOR = 1000
/**
 * Seconds of a link's rate it may send in one burst: 30 s at the floor holds a whole gossip
 * phase of 10 messages from 3,000 peers, so a peer that joined early (and saw a small list)
 * does not drop honest gossip when the network has grown since.
 */
const LINK_BURST_S = 30

/**
 * Gossip lines per second a link may carry. Each of N peers creates at most one message
 * per gossip interval and a message crosses a link at most once each way, so a link
 * carries at most 2N/gossipMs lines per ms; twice that, and at least LINK_RATE_FLOOR, is
 * allowed (N = the largest network this peer has seen in a seed's list).
 */
export function linkRate(ctx: PeerContext): number {
  return Math.max(LINK_RATE_FLOOR, Math.ceil((4 * ctx.networkSize * 1000) / ctx.options.intervals.gossipMs))
}

export function linkBurst(ctx: PeerContext): number {
  return linkRate(ctx) * LINK_BURST_S
}

/**
 * Why a gossip message is not plausible, or null. Its `<ts>` must be within the Message
 * List's memory (older copies could be forwarded again after their record aged out) and
 * not far in the future; its origin IP must be a unicast address on the same kind of
 * network as this peer (a loopback peer cannot hear from 10.9.9.9, nor a LAN peer from
 * 127.x); and that origin may not have more messages in the list than the peers one IP
 * can hold could create.
 */
export function gossipProblem(ctx: PeerContext, ts: number, origin: string, now: number): Refusal | null {
  if (ts < now - MESSAGE_MAX_AGE_MS) return refusal(`gossip created ${now - ts} ms ago, older than the Message List keeps (${MESSAGE_MAX_AGE_MS} ms)`)
  if (ts > now + MAX_CLOCK_SKEW_MS) return refusal(`gossip created ${ts - now} ms in the future`)
  const first = Number(origin.split('.', 1)[0])
  if (first === 0 || first >= 224 || isLoopback(origin) !== isLoopback(ctx.selfIp)) {
    // Honest neighbours apply the same rule and never relay such a message: close the link.
    return refusal(`gossip from an origin no peer of this network can have (${origin})`, true)
  }
  const budget = PEERS_PER_ORIGIN_IP * Math.max(ctx.options.gossipCount, 1)
  if (ctx.messages.fromOrigin(origin) >= budget) return refusal(`gossip from ${origin} beyond the ${budget} messages its IP can create`)
  return null
}

/** Takes one token from the link's bucket; false when the link is over its rate. */
function withinRate(ctx: PeerContext, link: Link, now: number): boolean {
  const rate = linkRate(ctx)
  link.tokens = Math.min(rate * LINK_BURST_S, link.tokens + ((now - link.refilledAt) * rate) / 1000)
  link.refilledAt = now
  if (link.tokens < 1) return false
  link.tokens--
  return true
}

/**
 * Creates gossip message `gossipSeq + 1`. The text `<ts>:<ip>:<n>` has no port, so a peer
 * sharing this IP may already have created (and sent us) the same text in the same ms: a
 * peer never creates a text its Message List holds, it takes the next free ms instead
 * (ts + 1, + 2, ...), so every created message is new to the network it came from.
 */
export function createGossip(ctx: PeerContext, now: number): void {
  const seq = ++ctx.gossipSeq
  let ts = now
  let text = gossipText(ts, ctx.selfIp, seq)
  let id = ctx.deps.sha256(text)
  while (ctx.messages.has(id)) {
    text = gossipText(++ts, ctx.selfIp, seq)
    id = ctx.deps.sha256(text)
  }
  if (ts !== now) ctx.log(`Gossip ${gossipText(now, ctx.selfIp, seq)} is already in the Message List (a peer on this IP created it); using ts ${ts}`)
  ctx.messages.expire(now)
  ctx.messages.add(id, ctx.selfIp, now)
  ctx.log(`Created gossip ${text}`)
  ctx.emit({ type: 'gossip.created', id, text, n: seq })
  forward(ctx, id, text, null)
}

/**
 * A gossip line on a link: over the link's rate it is dropped (counted, logged at most once
 * a second); implausible it is refused (the caller counts it as a bad line); otherwise
 * the first copy is logged and forwarded, later copies are duplicates.
 */
export function onGossip(ctx: PeerContext, link: Link, text: string, ts: number, origin: string, now: number): Refusal | undefined {
  if (!withinRate(ctx, link, now)) {
    const suppressed = ctx.limiter.admit(`rate|${link.id}`, now)
    if (suppressed !== null) {
      const why = `over the link's rate of ${linkRate(ctx)} gossip lines/s`
      ctx.warn(`dropping gossip from ${link.id}: ${why}${suppressed > 0 ? ` (${suppressed + 1} dropped since the last warning)` : ''}`)
    }
    return undefined
  }
  ctx.messages.expire(now)
  const id = ctx.deps.sha256(text)
  if (ctx.messages.has(id)) {
    ctx.emit({ type: 'gossip.duplicate', id, from: link.id })
    return undefined
  }
  const problem = gossipProblem(ctx, ts, origin, now)
  if (problem) return problem
  ctx.messages.add(id, origin, now)
  ctx.log(`${text} received from ${link.id} at ${localTime(now)}`)
  ctx.emit({ type: 'gossip.received', id, text, from: link.id })
  forward(ctx, id, text, link.id)
  return undefined
}

/**
 * Sends a message seen for the first time to every open link but the one it came from
 * (`from`, null for a message this peer created). It runs once per message, when its
 * record is added, so the message crosses each link at most once in each direction.
 */
function forward(ctx: PeerContext, id: string, text: string, from: NodeId | null): void {
  for (const link of ctx.links.values()) {
    if (link.conn === null || link.id === from) continue
    // The gossip line is the text itself (validated on receipt, or created here).
    ctx.out.push({ type: 'send', conn: link.conn, line: text })
    ctx.emit({ type: 'gossip.forwarded', id, to: link.id })
  }
}

/**
 * One liveness round: a request still unanswered since the previous round is a miss; at
 * `livenessMisses` misses the neighbour is reported dead. Then a new request to each link.
 */
export function livenessRound(ctx: PeerContext, now: number): void {
  const { livenessMisses } = ctx.options
  for (const link of [...ctx.links.values()]) {
    if (link.awaiting) {
      link.misses++
      ctx.emit({ type: 'liveness.missed', peer: link.id, count: link.misses })
      ctx.log(`No Liveness Reply from ${link.id} (${link.misses} of ${livenessMisses})`)
      if (link.misses >= livenessMisses) {
        reportDead(ctx, link, now)
        continue
      }
    }
    // A request into a broken link is never answered: it becomes a miss next round; the
    // link is dialed again meanwhile (see redial).
    link.lastSent = now
    link.awaiting = true
    if (link.conn === null) redial(ctx, link, now)
    else {
      ctx.send(link.conn, { kind: 'liveness-request', ts: String(now), ip: ctx.selfIp })
      ctx.emit({ type: 'liveness.sent', peer: link.id })
    }
  }
  // Fewer links dialed than the target (a short list at join, or all links lost): ask the
  // seeds again every round. Peers that join together can get lists holding only each other
  // (the rest hidden while seeds verify them) and form a fragment; its first member dialed
  // fewer than maxLinks, so it keeps asking until it links out of it.
  if (ctx.links.size === 0 || outboundLinks(ctx) < ctx.options.maxLinks) ctx.repairDue = true
}

/** A reply counts if it answers a request of ours not answered yet (the newest or an older one). */
export function onLivenessReply(ctx: PeerContext, conn: PeerConn, ts: number, ip: string, now: number): Refusal | undefined {
  const link = conn.node === null ? undefined : ctx.links.get(conn.node)
  if (conn.kind === 'seed' || !link || link.conn !== conn.id || ip !== ctx.selfIp) {
    return refusal('Liveness Reply to no request of ours')
  }
  if (link.lastSent === null || ts > link.lastSent || ts <= link.lastAcked) {
    return refusal('Liveness Reply with an unknown timestamp')
  }
  conn.bad = 0
  link.lastAcked = ts
  link.misses = 0
  link.awaiting = ts < link.lastSent
  ctx.emit({ type: 'liveness.ok', peer: link.id, rttMs: Math.max(0, now - ts) })
  return undefined
}

function reportDead(ctx: PeerContext, link: Link, now: number): void {
  const message: WireMessage = { kind: 'dead-node', dead: link.address, ts: String(now), reporterIp: ctx.selfIp, prefix: 'Dead Node' }
  const to = ctx.reachableSeeds()
  for (const seed of to) ctx.send(seed.conn!, message)
  const ids: NodeId[] = to.map((s) => s.id)
  ctx.log(`${encodeMessage(message)} sent to seeds ${ids.length > 0 ? ids.join(', ') : '(none open)'}`)
  ctx.emit({ type: 'peer.dead-reported', peer: link.id, seeds: ids })
  ctx.deadReported.delete(link.id)
  if (ctx.deadReported.size >= DEAD_MEMORY) ctx.deadReported.delete(ctx.deadReported.keys().next().value!)
  ctx.deadReported.set(link.id, now)
  dropLink(ctx, link, 'dead')
}
