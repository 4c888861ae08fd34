import type { NodeId } from '../address'
import { localTime } from './edge'
import type { MessageRecord } from './message-list'
import { dropLink, redial } from './peer-links'
import { type Link, type PeerConn, type PeerContext, type Refusal, refusal } from './peer-state'
import { type WireMessage, encodeMessage, gossipText } from './wire'

/**
 * Gossip (create, receive once, forward) and liveness (rounds, replies, dead-node
 * reports) over a peer's links.
 */

/** Peers reported dead remembered (so they are not dialed again), oldest forgotten first. */
const DEAD_MEMORY = 10_000

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
  while (ctx.messages.get(id)) {
    text = gossipText(++ts, ctx.selfIp, seq)
    id = ctx.deps.sha256(text)
  }
  if (ts !== now) ctx.log(`Gossip ${gossipText(now, ctx.selfIp, seq)} is already in the Message List (a peer on this IP created it); using ts ${ts}`)
  const record = ctx.messages.add(id, null)
  ctx.log(`Created gossip ${text}`)
  ctx.emit({ type: 'gossip.created', id, text, n: seq })
  forward(ctx, id, text, record)
}

export function onGossip(ctx: PeerContext, link: Link, text: string, now: number): void {
  const id = ctx.deps.sha256(text)
  const known = ctx.messages.get(id)
  if (known) {
    if (!known.peers.includes(link.id)) known.peers.push(link.id)
    ctx.emit({ type: 'gossip.duplicate', id, from: link.id })
    return
  }
  const record = ctx.messages.add(id, link.id)
  ctx.log(`${text} received from ${link.id} at ${localTime(now)}`)
  ctx.emit({ type: 'gossip.received', id, text, from: link.id })
  forward(ctx, id, text, record)
}

/** Sends to every open link the message has not crossed yet. */
function forward(ctx: PeerContext, id: string, text: string, record: MessageRecord): void {
  for (const link of ctx.links.values()) {
    if (link.conn === null || record.peers.includes(link.id)) continue
    record.peers.push(link.id)
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
  if (ctx.links.size === 0 && ctx.hadCandidates) ctx.repairDue = true
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
