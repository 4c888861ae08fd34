import { type Address, type NodeId, formatAddress, parseAddress } from '../address'
import { startLinking } from './peer-links'
import {
  outboundLinks,
  JOIN_RETRY_MS,
  MAX_PEER_LIST_PARTS,
  MAX_SEED_RETRY_MS,
  type PeerConn,
  type PeerContext,
  type Query,
  type Refusal,
  SEED_TIMEOUT_MS,
  type SeedState,
  refusal,
} from './peer-state'
import { verifyWindowMs } from '../settings-core'
import { sample } from './rng'
import type { PeerEntry, WireMessage } from './wire'

/**
 * A peer and its seeds: joining through a random majority, asking for fresh lists when a
 * repair is needed, report channels to the other seeds, and reconnecting after a seed
 * connection ends. Seeds are asked in "queries": one per join attempt or repair.
 */

/** Entries of a peer list written into the log line (the event carries them all). */
const LOGGED_ENTRIES = 50

/** Connects to enough randomly chosen seeds to reach a majority with those that answered. */
export function startJoin(ctx: PeerContext, now: number): void {
  const all = [...ctx.seeds.values()]
  const ok = all.filter((s) => seedAnswered(s, 'join'))
  const chosen = sample(
    all.filter((s) => !seedAnswered(s, 'join')),
    ctx.needSeeds - ok.length,
    ctx.deps.random,
  )
  for (const seed of chosen) connectForJoin(ctx, seed)
  ctx.query = { purpose: 'join', seeds: chosen.map((s) => s.id), deadline: now + SEED_TIMEOUT_MS, startedAt: now, lost: 0, extended: false }
  ctx.log(`Connecting to seeds ${ctx.query.seeds.join(', ')}`)
}

/** Asks the seeds this peer is registered with for fresh lists (some must be open). */
export function startRepair(ctx: PeerContext, now: number): void {
  const open = ctx.openSeeds()
  for (const seed of open) {
    seed.partial = null
    seed.list = null
    seed.askedAt = now
    ctx.send(seed.conn!, { kind: 'peer-list-request', peer: ctx.deps.self })
  }
  ctx.query = { purpose: 'repair', seeds: open.map((s) => s.id), deadline: now + SEED_TIMEOUT_MS, startedAt: now, lost: ctx.lost, extended: false }
  ctx.lost = 0
  ctx.repairDue = false
  ctx.log(`Asking seeds ${ctx.query.seeds.join(', ')} for a fresh Peer List (degree ${ctx.links.size})`)
}

function seedAnswered(seed: SeedState, purpose: Query['purpose']): boolean {
  return seed.list !== null && (purpose === 'repair' || seed.registered)
}

/** Finishes the query once every seed in it answered or failed, or (a join) a majority answered. */
function checkQuery(ctx: PeerContext, now: number): void {
  const q = ctx.query
  if (!q) return
  if (q.purpose === 'join' && [...ctx.seeds.values()].filter((s) => seedAnswered(s, 'join')).length >= ctx.needSeeds) {
    finishQuery(ctx, now, false)
    return
  }
  const pending = q.seeds.some((id) => {
    const seed = ctx.seeds.get(id)!
    return seed.conn !== null && !seedAnswered(seed, q.purpose)
  })
  if (!pending) finishQuery(ctx, now, false)
}

/**
 * The join deadline (SEED_TIMEOUT_MS) passed with seeds of the query still silent or still
 * verifying this peer (a seed lists and confirms a registrant only after its own probe of
 * the registrant's address answered, seed-machine.ts). Such a seed is slow, not lost: it
 * is backlogged by a wave of joiners (1,000 peers packed on two cores), or its link is
 * slow. Closing it and registering again would only put this peer at the back of the same
 * queue, and make the queue longer for every joiner (a retry storm: 890 retried joins in
 * one 1,000-peer run); with a round trip above about 2 s a peer never joined at all. So
 * its connection stays open and the peer waits for it up to the seeds' verification
 * window (verifyWindowMs after SEED_TIMEOUT_MS); meanwhile, for each seed that sent
 * nothing at all (it may be hung, e.g. paused), it registers with a seed it has not tried
 * yet. The first majority to answer completes the join (checkQuery) and the seeds still
 * pending are then closed (a seed forgets a registrant it has not listed). Seeds whose
 * connection ended were given up already. True if the query goes on.
 */
function extendJoin(ctx: PeerContext, q: Query, now: number): boolean {
  const until = q.startedAt + SEED_TIMEOUT_MS + verifyWindowMs(ctx.options.intervals)
  if (q.extended || now >= until) return false
  const unanswered = q.seeds.map((id) => ctx.seeds.get(id)!).filter((s) => s.conn !== null && !seedAnswered(s, 'join'))
  // Connected: the seed has our Register (or will read it); a dial still pending after
  // SEED_TIMEOUT_MS reached no one and is given up as before.
  const waiting = unanswered.filter((s) => s.connected)
  if (waiting.length === 0) return false
  const untried = [...ctx.seeds.values()].filter((s) => s.conn === null && !seedAnswered(s, 'join'))
  for (const seed of unanswered) if (!seed.connected) giveUp(ctx, seed, ` (no connection within ${SEED_TIMEOUT_MS} ms)`)
  q.extended = true
  q.deadline = until
  const silent = unanswered.filter((s) => s.list === null)
  const added = sample(untried, silent.length, ctx.deps.random)
  for (const seed of added) connectForJoin(ctx, seed)
  q.seeds = [...waiting.map((s) => s.id), ...q.seeds.filter((id) => seedAnswered(ctx.seeds.get(id)!, 'join')), ...added.map((s) => s.id)]
  const also = added.length > 0 ? `; registering with ${added.map((s) => s.id).join(', ')} meanwhile` : ''
  if (silent.length === 0) {
    ctx.log(`Seeds ${waiting.map((s) => s.id).join(', ')} sent their lists and are verifying this peer; waiting up to ${until - now} ms for their Registered`)
  } else {
    ctx.warn(`seeds ${waiting.map((s) => s.id).join(', ')} have not answered within ${SEED_TIMEOUT_MS} ms; waiting up to ${until - now} ms for them${also}`)
  }
  return true
}

/** Opens a registration connection to `seed` for the join (Register and Peer List Request follow on connect). */
function connectForJoin(ctx: PeerContext, seed: SeedState): void {
  seed.partial = null
  seed.list = null
  seed.registered = false
  seed.conn = ctx.newConn('seed', seed.address).id
}

/** A seed of the current join query that did not answer, or no longer needs to: its connection is dropped. */
function giveUp(ctx: PeerContext, seed: SeedState, why: string | null): void {
  if (why !== null) ctx.warn(`seed ${seed.id} did not answer${why}`)
  else if (seed.conn !== null) ctx.log(`Closing the registration with seed ${seed.id}: a majority of seeds answered first`)
  if (seed.conn === null) return
  ctx.closeConn(seed.conn)
  seed.conn = null
  seed.connected = false
  seed.connectedAt = null
  seed.registered = false
  seed.partial = null
}

/** Ends the current query: on time (`timedOut` false) or at its deadline. */
export function finishQuery(ctx: PeerContext, now: number, timedOut: boolean): void {
  const q = ctx.query!
  if (timedOut && q.purpose === 'join' && extendJoin(ctx, q, now)) return
  ctx.query = null
  const answered: SeedState[] = []
  for (const id of q.seeds) {
    const seed = ctx.seeds.get(id)!
    if (seedAnswered(seed, q.purpose)) {
      answered.push(seed)
      continue
    }
    if (q.purpose === 'join') giveUp(ctx, seed, timedOut ? ` within ${q.deadline - q.startedAt} ms` : seed.conn === null ? '' : null)
    else ctx.warn(`seed ${id} did not answer${timedOut ? ` within ${SEED_TIMEOUT_MS} ms` : ''}`)
  }
  if (q.purpose === 'join') {
    const ok = [...ctx.seeds.values()].filter((s) => seedAnswered(s, 'join'))
    if (ok.length < ctx.needSeeds) {
      // Backing off: seeds that could not answer a wave of joiners in time are only
      // slowed further by every joiner retrying at once (2, 4, 8... s, up to the seeds'
      // verification window).
      const delay = ctx.joinRetryDelay
      ctx.joinRetryDelay = Math.min(2 * delay, Math.max(JOIN_RETRY_MS, verifyWindowMs(ctx.options.intervals)))
      ctx.warn(`registered with ${ok.length} of the ${ctx.needSeeds} seeds needed; retrying in ${delay} ms`)
      ctx.joinRetryAt = now + delay
      return
    }
    ctx.phase = 'linking'
    for (const seed of ok) seed.member = true
    openSeedChannels(ctx)
    startLinking(ctx, unionOf(ctx, ok), ctx.options.maxLinks, 0, now)
    forgetLists(ctx)
    return
  }
  if (answered.length === 0) {
    ctx.lost += q.lost // the next repair tries again
    return
  }
  const pool = unionOf(ctx, answered)
  forgetLists(ctx)
  const target = Math.min(ctx.options.maxLinks, pool.length + ctx.links.size)
  // Replacements go first to the best-connected peer known (highest degree, ties by id):
  // every peer cut off by the same death picks the same anchor, so the fragments it left
  // behind all join one component.
  const anchors = Math.max(q.lost, ctx.links.size === 0 ? 1 : 0)
  // Also up to maxLinks dialed by this peer itself (see livenessRound).
  const dial = Math.max(q.lost, target - ctx.links.size, Math.min(pool.length, ctx.options.maxLinks - outboundLinks(ctx)))
  startLinking(ctx, pool, dial, anchors, now)
}

/**
 * A finished query's lists are in its pool now (startLinking), and a list is read only
 * while its query runs: the next repair asks again. Each list names up to every peer, so
 * keeping one per seed until then cost every peer O(N) entries, O(N²) for the network
 * (at 1,000 peers about a million entries, a tenth of the network's memory).
 */
function forgetLists(ctx: PeerContext): void {
  for (const seed of ctx.seeds.values()) seed.list = null
}

/** Union of the seeds' lists without self, current neighbours and peers reported dead. */
function unionOf(ctx: PeerContext, from: readonly SeedState[]): PeerEntry[] {
  const union = new Map<NodeId, PeerEntry>()
  for (const seed of from) {
    for (const entry of seed.list ?? []) {
      const id = formatAddress(entry)
      if (id === ctx.selfId || ctx.links.has(id) || ctx.dialing.has(id) || ctx.deadReported.has(id)) continue
      const known = union.get(id)
      if (!known || known.degree < entry.degree) union.set(id, entry)
    }
  }
  return [...union.values()]
}

/**
 * After joining: connects (without registering) to the seeds this peer did not register
 * with, and reconnects to a chosen seed whose connection ended during the join.
 */
function openSeedChannels(ctx: PeerContext): void {
  for (const seed of ctx.seeds.values()) {
    if (seed.conn !== null) continue
    if (!seed.member) seed.reportOnly = true
    seed.registered = false
    seed.conn = ctx.newConn('seed', seed.address).id
  }
}

/**
 * config.txt changed: its current seed list. A seed not known yet is added; once the peer
 * has joined it gets a report channel at once (while joining, the channel opens with the
 * others when the join completes, and a join retry may pick it). Seeds no longer listed
 * keep their connections: dropping a registration would only hide this peer from seeds
 * that may still be running. Entries that are not valid addresses, repeats and this
 * peer's own address are skipped. The majority needed to join stays the one at start.
 */
export function onConfigSeeds(ctx: PeerContext, seeds: unknown): void {
  if (!Array.isArray(seeds)) return
  const added: SeedState[] = []
  for (const entry of seeds as unknown[]) {
    const address = validAddress(entry)
    if (!address) continue
    const id = formatAddress(address)
    if (id === ctx.selfId || ctx.seeds.has(id)) continue
    added.push(ctx.addSeed(address))
  }
  if (added.length === 0) return
  const joined = ctx.phase !== 'joining'
  ctx.log(`Config lists new seeds ${added.map((s) => s.id).join(', ')}${joined ? '; opening report channels' : ''}`)
  if (!joined) return
  for (const seed of added) {
    seed.reportOnly = true
    seed.conn = ctx.newConn('seed', seed.address).id
  }
}

/** The address an outside entry names, in canonical form, or null. */
function validAddress(entry: unknown): Address | null {
  if (typeof entry !== 'object' || entry === null) return null
  const { ip, port } = entry as { ip?: unknown; port?: unknown }
  if (typeof ip !== 'string' || typeof port !== 'number') return null
  return parseAddress(`${ip}:${port}`)
}

export function reconnectSeeds(ctx: PeerContext, now: number): void {
  for (const seed of ctx.seeds.values()) {
    if (seed.retryAt === null || now < seed.retryAt) continue
    seed.retryAt = null
    seed.conn = ctx.newConn('seed', seed.address).id
  }
}

/** Earliest seed reconnect time (ms since epoch), or null. */
export function nextReconnectAt(ctx: PeerContext): number | null {
  let at: number | null = null
  for (const seed of ctx.seeds.values()) if (seed.retryAt !== null && (at === null || seed.retryAt < at)) at = seed.retryAt
  return at
}

export function onSeedConnected(ctx: PeerContext, conn: PeerConn, now: number): void {
  const seed = ctx.seeds.get(conn.node!)
  if (!seed) return
  seed.connected = true
  seed.connectedAt = now
  if (seed.reportOnly) {
    // The delay starts over only once the channel lasted (seedLost): a seed near its
    // connection cap accepts a report channel and closes it at its Hello, and resetting
    // here made ~40 peers per seed reconnect every 2 s for good at 1,000 peers.
    ctx.hello(conn.id)
    return
  }
  ctx.send(conn.id, { kind: 'register', peer: ctx.deps.self, incarnation: ctx.incarnation })
  // After joining a reconnect only re-registers; lists are asked for when needed.
  if (ctx.phase === 'joining') {
    seed.askedAt = now
    ctx.send(conn.id, { kind: 'peer-list-request', peer: ctx.deps.self })
  }
}

/** `Registered` or a `Peer List` part on a connection; anything else is refused. */
export function onSeedMessage(
  ctx: PeerContext,
  conn: PeerConn,
  message: Extract<WireMessage, { kind: 'registered' | 'peer-list' }>,
  now: number,
): Refusal | undefined {
  const seed = conn.kind === 'seed' ? ctx.seeds.get(conn.node!) : undefined
  if (!seed) return refusal(`${message.kind} from a peer`)
  if (message.kind === 'registered') {
    if (formatAddress(message.peer) !== ctx.selfId) return refusal(`Registered for ${formatAddress(message.peer)}`)
    conn.bad = 0
    seed.retryDelay = JOIN_RETRY_MS
    if (!seed.registered) {
      seed.registered = true
      ctx.log(`Registered with seed ${seed.id}`)
      ctx.emit({ type: 'peer.registered', seed: seed.id })
      if (ctx.links.size > 0) ctx.send(conn.id, { kind: 'degree', peer: ctx.deps.self, degree: ctx.links.size })
    }
    checkQuery(ctx, now)
    return undefined
  }
  if (message.parts > MAX_PEER_LIST_PARTS) return refusal(`Peer List of ${message.parts} parts`, true)
  conn.bad = 0
  if (!seed.partial || seed.partial.parts !== message.parts) seed.partial = { parts: message.parts, got: new Map() }
  seed.partial.got.set(message.part, message.entries)
  if (seed.partial.got.size < message.parts) return undefined
  const entries: PeerEntry[] = []
  for (let i = 1; i <= message.parts; i++) entries.push(...seed.partial.got.get(i)!)
  seed.partial = null
  const ids = entries.map(formatAddress)
  const shown = ids.slice(0, LOGGED_ENTRIES).join(', ')
  const more = ids.length > LOGGED_ENTRIES ? ` and ${ids.length - LOGGED_ENTRIES} more` : ''
  ctx.log(`Peer list from seed ${seed.id} (${ids.length} peers)${ids.length > 0 ? `: ${shown}${more}` : ''}`)
  ctx.emit({ type: 'peer.peer-list', seed: seed.id, peers: ids })
  seed.list = entries
  ctx.networkSize = Math.max(ctx.networkSize, entries.length + 1)
  clearDeadMarks(ctx, seed, ids)
  checkQuery(ctx, now)
  return undefined
}

/**
 * A seed lists a peer this peer reported dead, in a list asked for after the report (so
 * the seed had the report first, on the same connection): the seed kept it (its
 * verification probe was answered: a seed does not list a peer under verification) or
 * it registered again. Either way it is alive: it may be dialed again. Without this a
 * peer that wrongly reported its neighbours (it was paused or cut off) would never link
 * to them again.
 */
function clearDeadMarks(ctx: PeerContext, seed: SeedState, ids: readonly NodeId[]): void {
  if (ctx.deadReported.size === 0) return
  for (const id of ids) {
    const reportedAt = ctx.deadReported.get(id)
    if (reportedAt === undefined || reportedAt > seed.askedAt) continue
    ctx.deadReported.delete(id)
    ctx.log(`Seed ${seed.id} still lists ${id} after our Dead Node report: it is alive; it may be linked again`)
  }
}

/** A seed connection ended (either side closed it, or the dial failed). */
export function seedLost(ctx: PeerContext, conn: PeerConn, reason: string, now: number): void {
  const seed = ctx.seeds.get(conn.node!)
  if (!seed || seed.conn !== conn.id) return
  const connectedAt = seed.connectedAt
  seed.conn = null
  seed.connected = false
  seed.connectedAt = null
  seed.partial = null
  if (ctx.phase === 'joining') {
    if (!seedAnswered(seed, 'join')) seed.registered = false
    ctx.warn(`connection to seed ${seed.id} ended (${reason})`)
  } else {
    // Keep seed connections open: reconnect (and re-register) with a growing delay,
    // warning once per outage. A restarted seed gets this peer back in its list.
    seed.registered = false
    // A connection that lasted MAX_SEED_RETRY_MS was accepted: this is a new outage.
    if (connectedAt !== null && now - connectedAt >= MAX_SEED_RETRY_MS) seed.retryDelay = JOIN_RETRY_MS
    if (seed.retryDelay === JOIN_RETRY_MS) ctx.warn(`connection to seed ${seed.id} ended (${reason}); reconnecting`)
    seed.retryAt = now + seed.retryDelay
    seed.retryDelay = Math.min(2 * seed.retryDelay, MAX_SEED_RETRY_MS)
  }
  checkQuery(ctx, now)
}
