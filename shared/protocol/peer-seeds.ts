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
  for (const seed of chosen) {
    seed.partial = null
    seed.list = null
    seed.registered = false
    seed.conn = ctx.newConn('seed', seed.address).id
  }
  ctx.query = { purpose: 'join', seeds: chosen.map((s) => s.id), deadline: now + SEED_TIMEOUT_MS, startedAt: now, lost: 0 }
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
  ctx.query = { purpose: 'repair', seeds: open.map((s) => s.id), deadline: now + SEED_TIMEOUT_MS, startedAt: now, lost: ctx.lost }
  ctx.lost = 0
  ctx.repairDue = false
  ctx.log(`Asking seeds ${ctx.query.seeds.join(', ')} for a fresh Peer List (degree ${ctx.links.size})`)
}

function seedAnswered(seed: SeedState, purpose: Query['purpose']): boolean {
  return seed.list !== null && (purpose === 'repair' || seed.registered)
}

/** Finishes the query once every seed in it answered or failed. */
function checkQuery(ctx: PeerContext, now: number): void {
  const q = ctx.query
  if (!q) return
  const pending = q.seeds.some((id) => {
    const seed = ctx.seeds.get(id)!
    return seed.conn !== null && !seedAnswered(seed, q.purpose)
  })
  if (!pending) finishQuery(ctx, now, false)
}

/**
 * A seed that sent its Peer List but has not confirmed the registration yet is verifying
 * this peer: it dials the peer's address and waits for a liveness reply before it answers
 * `Registered` (seed-machine.ts), which a seed busy verifying a wave of joiners, or a slow
 * link, can make take longer than SEED_TIMEOUT_MS. Dropping it then and registering again
 * would only restart its verification at the end of its queue, so at the join deadline
 * such seeds are waited for, up to the seeds' verification window (verifyWindowMs after
 * SEED_TIMEOUT_MS); the seeds that did not answer at all are given up. True if it waits.
 */
function awaitVerdicts(ctx: PeerContext, q: Query, now: number): boolean {
  const until = q.startedAt + SEED_TIMEOUT_MS + verifyWindowMs(ctx.options.intervals)
  const verifying = q.seeds.map((id) => ctx.seeds.get(id)!).filter((s) => s.conn !== null && s.list !== null && !s.registered)
  if (verifying.length === 0 || now >= until) return false
  for (const id of q.seeds) {
    const seed = ctx.seeds.get(id)!
    if (!seedAnswered(seed, 'join') && !verifying.includes(seed)) giveUp(ctx, seed, SEED_TIMEOUT_MS)
  }
  q.seeds = q.seeds.filter((id) => seedAnswered(ctx.seeds.get(id)!, 'join') || verifying.some((s) => s.id === id))
  q.deadline = until
  ctx.log(`Seeds ${verifying.map((s) => s.id).join(', ')} sent their lists and are verifying this peer; waiting up to ${until - now} ms for their Registered`)
  return true
}

/** A seed of the current join query that did not answer in time: its connection is dropped. */
function giveUp(ctx: PeerContext, seed: SeedState, withinMs: number | null): void {
  ctx.warn(`seed ${seed.id} did not answer${withinMs !== null ? ` within ${withinMs} ms` : ''}`)
  if (seed.conn === null) return
  ctx.closeConn(seed.conn)
  seed.conn = null
  seed.connected = false
  seed.registered = false
  seed.partial = null
}

/** Ends the current query: on time (`timedOut` false) or at its deadline. */
export function finishQuery(ctx: PeerContext, now: number, timedOut: boolean): void {
  const q = ctx.query!
  if (timedOut && q.purpose === 'join' && awaitVerdicts(ctx, q, now)) return
  ctx.query = null
  const answered: SeedState[] = []
  for (const id of q.seeds) {
    const seed = ctx.seeds.get(id)!
    if (seedAnswered(seed, q.purpose)) {
      answered.push(seed)
      continue
    }
    if (q.purpose === 'join') giveUp(ctx, seed, timedOut ? q.deadline - q.startedAt : null)
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
  if (seed.reportOnly) {
    seed.retryDelay = JOIN_RETRY_MS
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
  seed.conn = null
  seed.connected = false
  seed.partial = null
  if (ctx.phase === 'joining') {
    if (!seedAnswered(seed, 'join')) seed.registered = false
    ctx.warn(`connection to seed ${seed.id} ended (${reason})`)
  } else {
    // Keep seed connections open: reconnect (and re-register) with a growing delay,
    // warning once per outage. A restarted seed gets this peer back in its list.
    seed.registered = false
    if (seed.retryDelay === JOIN_RETRY_MS) ctx.warn(`connection to seed ${seed.id} ended (${reason}); reconnecting`)
    seed.retryAt = now + seed.retryDelay
    seed.retryDelay = Math.min(2 * seed.retryDelay, MAX_SEED_RETRY_MS)
  }
  checkQuery(ctx, now)
}
