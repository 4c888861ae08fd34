import { type Address, type NodeId, formatAddress } from '../address'
import { majority } from '../config'
import { DeadlineQueue } from './deadline-queue'
import { MAX_CONSECUTIVE_BAD_LINES, localTime, rejectionEffects } from './edge'
import type { ConnId, Effect, Machine, MachineDeps, MachineInput, PeerOptions } from './machine'
import { MessageList, type MessageRecord } from './message-list'
import { takeBestConnected, takeNeighbour } from './neighbour-choice'
import { sample } from './rng'
import { type PeerEntry, type WireMessage, assertNever, decodeLine, encodeMessage, gossipText } from './wire'

/**
 * The peer: joins through a majority of seeds, links to neighbours, gossips, checks its
 * neighbours' liveness and reports dead ones. See docs/protocol.md for the choices.
 *
 * Phases: joining (registering with floor(n/2)+1 seeds and collecting their lists) ->
 * linking (dialing the chosen neighbours) -> running (gossip and liveness timers). Incoming
 * links are accepted in every phase. After a neighbour is declared dead the peer asks its
 * seeds for a fresh list and dials replacements (at least one per lost link, and enough to
 * get back to min(maxLinks, live peers known)); a peer left with no links asks again
 * every liveness round.
 */

/** ms a joining peer waits for a seed's `Registered` and complete `Peer List`. */
export const SEED_TIMEOUT_MS = 5_000
/** ms before a join that reached fewer than a majority of seeds is tried again. */
export const JOIN_RETRY_MS = 2_000
/** ms a new link (dialed or accepted) has to complete its Hello exchange. */
export const HELLO_TIMEOUT_MS = 5_000
/** Longest wait (ms) between two attempts to reconnect to a seed after joining. */
export const MAX_SEED_RETRY_MS = 60_000
/** A seed's list may have at most this many parts (100,000 peers). */
export const MAX_PEER_LIST_PARTS = 100
/** Peers reported dead remembered (so they are not dialed again), oldest forgotten first. */
const DEAD_MEMORY = 10_000
/** Entries of a peer list written into the log line (the event carries them all). */
const LOGGED_ENTRIES = 50

type Phase = 'joining' | 'linking' | 'running' | 'stopped'

interface SeedState {
  id: NodeId
  address: Address
  conn: ConnId | null
  /** The connection is open (not still being dialed). */
  connected: boolean
  registered: boolean
  /**
   * A seed this peer did not register with but keeps a connection to, identified by
   * Hello, only so that its Dead Node reports reach every seed (see docs/protocol.md).
   */
  reportOnly: boolean
  /** Chosen at join: this peer stays registered with it (and re-registers after a reconnect). */
  member: boolean
  /** When to reconnect after the connection ended (after joining); doubles per failure. */
  retryAt: number | null
  retryDelay: number
  /** Parts of a list being received. */
  partial: { parts: number; got: Map<number, PeerEntry[]> } | null
  /** The list received in the current query; null while awaited. */
  list: PeerEntry[] | null
}

interface Query {
  purpose: 'join' | 'repair'
  seeds: NodeId[]
  deadline: number
  /** Repair only: neighbours lost since the previous repair. */
  lost: number
}

interface Link {
  id: NodeId
  address: Address
  /** null once the TCP connection broke: misses keep counting until the verdict. */
  conn: ConnId | null
  initiator: boolean
  misses: number
  /** ts of the newest request sent, and the newest one answered (ms since epoch). */
  lastSent: number | null
  lastAcked: number
  /** True while a request sent is unanswered. */
  awaiting: boolean
}

interface PeerConn {
  id: ConnId
  kind: 'seed' | 'dial' | 'in'
  /** Remote `IP:PORT`: the address dialed, or the source of an accepted connection. */
  remote: string
  /** Seed conns: the seed. Dial: the peer dialed. In: the peer once its Hello arrived. */
  node: NodeId | null
  bad: number
}

interface Linking {
  pool: PeerEntry[]
  /** Successful new links still wanted (dials in flight count towards it). */
  need: number
  /** Picks still to take as the best-connected peer known rather than by the topology rule. */
  anchors: number
}

export function createPeerMachine(deps: MachineDeps, options: PeerOptions): Machine {
  const selfId = formatAddress(deps.self)
  const selfIp = deps.self.ip
  const seeds = new Map<NodeId, SeedState>()
  for (const address of deps.seeds) {
    const id = formatAddress(address)
    seeds.set(id, {
      id,
      address,
      conn: null,
      connected: false,
      registered: false,
      reportOnly: false,
      member: false,
      retryAt: null,
      retryDelay: JOIN_RETRY_MS,
      partial: null,
      list: null,
    })
  }
  const needSeeds = majority(deps.seeds.length)
  const conns = new Map<ConnId, PeerConn>()
  const links = new Map<NodeId, Link>()
  const dialing = new Map<NodeId, ConnId>()
  const helloQueue = new DeadlineQueue<ConnId>()
  const messages = new MessageList()
  const deadReported = new Set<NodeId>()
  let phase: Phase = 'joining'
  let query: Query | null = null
  let linking: Linking | null = null
  let joinRetryAt: number | null = null
  let nextGossipAt: number | null = null
  let nextLivenessAt: number | null = null
  let gossipSeq = 0
  let lost = 0
  let degreeSent = 0
  let connCounter = 0
  let out: Effect[] = []

  const log = (text: string) => out.push({ type: 'log', text })
  const emit = (event: Extract<Effect, { type: 'event' }>['event']) => out.push({ type: 'event', event })
  const send = (conn: ConnId, message: WireMessage) => out.push({ type: 'send', conn, line: encodeMessage(message) })
  const warn = (message: string) => {
    log(`Warning: ${message}`)
    emit({ type: 'node.warning', message })
  }
  /** Seeds registered with and still connected: list queries and Degree updates go there. */
  const openSeeds = () => [...seeds.values()].filter((s) => s.registered && s.conn !== null)
  /** Every seed connected, registered or not: Dead Node reports go there. */
  const reachableSeeds = () => [...seeds.values()].filter((s) => s.connected && s.conn !== null)

  function handle(input: MachineInput): Effect[] {
    out = []
    if (phase === 'stopped') return out
    const now = input.now
    switch (input.type) {
      case 'start':
        log(`Peer ${selfId} started; registering with ${needSeeds} of ${seeds.size} seeds`)
        startJoin(now)
        break
      case 'tick':
        break
      case 'connected':
        onConnected(input.conn)
        break
      case 'connect-failed': {
        const conn = conns.get(input.conn)
        if (conn) gone(conn, `connect failed: ${input.reason}`, now)
        break
      }
      case 'accepted':
        conns.set(input.conn, { id: input.conn, kind: 'in', remote: formatAddress(input.remote), node: null, bad: 0 })
        helloQueue.push(now + HELLO_TIMEOUT_MS, input.conn)
        break
      case 'line': {
        const conn = conns.get(input.conn)
        if (conn) onLine(conn, input.line, now)
        break
      }
      case 'frame-error': {
        const conn = conns.get(input.conn)
        if (conn) refuse(conn, input.reason, /too.long|longer/i.test(input.reason), now)
        break
      }
      case 'closed': {
        const conn = conns.get(input.conn)
        if (conn) gone(conn, 'connection closed', now)
        break
      }
      case 'stop':
        stop()
        break
      default:
        assertNever(input)
    }
    // stop() may have changed the phase during this call.
    if ((phase as Phase) !== 'stopped') runTimers(now)
    return out
  }

  function runTimers(now: number): void {
    for (const id of helloQueue.popDue(now)) {
      const conn = conns.get(id)
      if (conn && awaitingHello(conn)) {
        log(`Closing connection ${conn.kind === 'dial' ? 'to' : 'from'} ${conn.remote}: no Hello within ${HELLO_TIMEOUT_MS} ms`)
        close(conn, 'no Hello in time', now)
      }
    }
    helloQueue.prune((id) => {
      const conn = conns.get(id)
      return conn !== undefined && awaitingHello(conn)
    })
    if (query && now >= query.deadline) finishQuery(now, true)
    if (phase !== 'joining') reconnectSeeds(now)
    if (joinRetryAt !== null && now >= joinRetryAt) {
      joinRetryAt = null
      startJoin(now)
    }
    if (nextGossipAt !== null && now >= nextGossipAt) {
      createGossip(now)
      nextGossipAt = gossipSeq < options.gossipCount ? Math.max(nextGossipAt + options.intervals.gossipMs, now + 1) : null
    }
    if (nextLivenessAt !== null && now >= nextLivenessAt) {
      livenessRound(now)
      nextLivenessAt = Math.max(nextLivenessAt + options.intervals.livenessMs, now + 1)
    }
  }

  function awaitingHello(conn: PeerConn): boolean {
    if (conn.kind === 'in') return conn.node === null
    return conn.kind === 'dial' && conn.node !== null && dialing.get(conn.node) === conn.id
  }

  function newConn(kind: 'seed' | 'dial', to: Address): PeerConn {
    const id = `o${++connCounter}`
    const remote = formatAddress(to)
    const conn: PeerConn = { id, kind, remote, node: remote, bad: 0 }
    conns.set(id, conn)
    out.push({ type: 'connect', conn: id, to })
    return conn
  }

  // ---- Joining and seed queries -------------------------------------------------------

  function startJoin(now: number): void {
    const ok = [...seeds.values()].filter((s) => s.registered && s.list !== null)
    const candidates = [...seeds.values()].filter((s) => !(s.registered && s.list !== null))
    const chosen = sample(candidates, needSeeds - ok.length, deps.random)
    for (const seed of chosen) {
      seed.partial = null
      seed.list = null
      seed.registered = false
      seed.conn = newConn('seed', seed.address).id
    }
    query = { purpose: 'join', seeds: chosen.map((s) => s.id), deadline: now + SEED_TIMEOUT_MS, lost: 0 }
    log(`Connecting to seeds ${query.seeds.join(', ')}`)
  }

  function startRepair(now: number): void {
    const open = openSeeds()
    if (open.length === 0) {
      warn('no seed connection is open; cannot look for new neighbours')
      return
    }
    for (const seed of open) {
      seed.partial = null
      seed.list = null
      send(seed.conn!, { kind: 'peer-list-request', peer: deps.self })
    }
    query = { purpose: 'repair', seeds: open.map((s) => s.id), deadline: now + SEED_TIMEOUT_MS, lost }
    lost = 0
    log(`Asking seeds ${query.seeds.join(', ')} for a fresh Peer List (degree ${links.size})`)
  }

  function seedAnswered(seed: SeedState, purpose: Query['purpose']): boolean {
    return seed.list !== null && (purpose === 'repair' || seed.registered)
  }

  /** Finishes the query once every seed in it answered or failed (or at its deadline). */
  function checkQuery(now: number): void {
    if (!query) return
    const q = query
    const pending = q.seeds.some((id) => {
      const seed = seeds.get(id)!
      return seed.conn !== null && !seedAnswered(seed, q.purpose)
    })
    if (!pending) finishQuery(now, false)
  }

  function finishQuery(now: number, timedOut: boolean): void {
    const q = query!
    query = null
    const answered: SeedState[] = []
    for (const id of q.seeds) {
      const seed = seeds.get(id)!
      if (seedAnswered(seed, q.purpose)) answered.push(seed)
      else {
        warn(`seed ${id} did not answer${timedOut ? ` within ${SEED_TIMEOUT_MS} ms` : ''}`)
        if (q.purpose === 'join' && seed.conn !== null) {
          const conn = conns.get(seed.conn)
          if (conn) close(conn, 'seed timed out', now)
        }
      }
    }
    if (q.purpose === 'join') {
      const ok = [...seeds.values()].filter((s) => seedAnswered(s, 'join'))
      if (ok.length < needSeeds) {
        warn(`registered with ${ok.length} of the ${needSeeds} seeds needed; retrying in ${JOIN_RETRY_MS} ms`)
        joinRetryAt = now + JOIN_RETRY_MS
        return
      }
      phase = 'linking'
      for (const seed of ok) seed.member = true
      openSeedChannels()
      startLinking(unionOf(ok), options.maxLinks, 0, now)
      return
    }
    if (answered.length === 0) {
      lost += q.lost // try again next liveness round
      return
    }
    const pool = unionOf(answered)
    const target = Math.min(options.maxLinks, pool.length + links.size)
    // Replacements go first to the best-connected peer known (highest degree, ties by
    // id): every peer cut off by the same death picks the same anchor, so the fragments
    // it left behind all join one component.
    const anchors = Math.max(q.lost, links.size === 0 ? 1 : 0)
    startLinking(pool, Math.max(q.lost, target - links.size), anchors, now)
  }

  /** Union of the seeds' lists: self, current neighbours and peers we reported dropped. */
  function unionOf(from: readonly SeedState[]): PeerEntry[] {
    const union = new Map<NodeId, PeerEntry>()
    for (const seed of from) {
      for (const entry of seed.list ?? []) {
        const id = formatAddress(entry)
        if (id === selfId || links.has(id) || dialing.has(id) || deadReported.has(id)) continue
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
  function openSeedChannels(): void {
    for (const seed of seeds.values()) {
      if (seed.conn !== null) continue
      if (!seed.member) seed.reportOnly = true
      seed.registered = false
      seed.conn = newConn('seed', seed.address).id
    }
  }

  function reconnectSeeds(now: number): void {
    for (const seed of seeds.values()) {
      if (seed.retryAt === null || now < seed.retryAt) continue
      seed.retryAt = null
      seed.conn = newConn('seed', seed.address).id
    }
  }

  function onSeedList(seed: SeedState, entries: PeerEntry[], now: number): void {
    const ids = entries.map(formatAddress)
    const shown = ids.slice(0, LOGGED_ENTRIES).join(', ')
    const more = ids.length > LOGGED_ENTRIES ? ` and ${ids.length - LOGGED_ENTRIES} more` : ''
    log(`Peer list from seed ${seed.id} (${ids.length} peers)${ids.length > 0 ? `: ${shown}${more}` : ''}`)
    emit({ type: 'peer.peer-list', seed: seed.id, peers: ids })
    seed.list = entries
    checkQuery(now)
  }

  // ---- Linking -------------------------------------------------------------------------

  function startLinking(pool: PeerEntry[], need: number, anchors: number, now: number): void {
    linking = { pool, need, anchors }
    fillLinks(now)
  }

  function fillLinks(now: number): void {
    const l = linking
    if (!l) return
    while (l.need > dialing.size) {
      const entry = l.anchors > 0 ? takeBestConnected(l.pool) : takeNeighbour(l.pool, options.topology, deps.random)
      if (l.anchors > 0) l.anchors--
      if (!entry) break
      const id = formatAddress(entry)
      if (links.has(id) || dialing.has(id) || id === selfId) continue
      const conn = newConn('dial', entry)
      dialing.set(id, conn.id)
      helloQueue.push(now + HELLO_TIMEOUT_MS, conn.id)
      log(`Linking to ${id} (degree ${entry.degree})`)
    }
    if (dialing.size === 0) {
      linking = null
      if (phase === 'linking') startRunning(now)
      else if (lost > 0) maybeRepair(now)
    }
  }

  function dialResolved(success: boolean, now: number): void {
    if (linking && success) linking.need--
    fillLinks(now)
  }

  function startRunning(now: number): void {
    phase = 'running'
    log(`Linked to ${links.size} neighbours; gossip starts in ${options.intervals.gossipMs} ms`)
    if (options.gossipCount > 0) nextGossipAt = now + options.intervals.gossipMs
    nextLivenessAt = now + options.intervals.livenessMs
  }

  function linkUp(conn: PeerConn, id: NodeId, address: Address, initiator: boolean): void {
    conn.node = id
    const existing = links.get(id)
    if (existing) {
      existing.conn = conn.id
      existing.misses = 0
      existing.awaiting = false
    } else {
      links.set(id, { id, address, conn: conn.id, initiator, misses: 0, lastSent: null, lastAcked: 0, awaiting: false })
    }
    deadReported.delete(id)
    log(`Link up with ${id} (${initiator ? 'dialed by us' : 'dialed by them'})`)
    emit({ type: 'peer.link-up', peer: id, initiator })
    degreeChanged()
  }

  function onHello(conn: PeerConn, address: Address, now: number): void {
    const id = formatAddress(address)
    if (conn.kind === 'seed') return refuse(conn, 'Hello on a seed connection', false, now)
    if (id === selfId) return refuse(conn, 'Hello with our own address', true, now)
    if (conn.kind === 'dial') {
      if (dialing.get(conn.node!) !== conn.id) return refuse(conn, 'second Hello on a link', false, now)
      if (id !== conn.node) return refuse(conn, `Hello from ${id} on a link dialed to ${conn.node}`, true, now)
      conn.bad = 0
      dialing.delete(id)
      if (links.get(id)?.conn != null) close(conn, 'duplicate link', now)
      else linkUp(conn, id, address, true)
      return dialResolved(true, now)
    }
    if (conn.node !== null) return refuse(conn, 'second Hello on a link', false, now)
    conn.bad = 0
    if (links.get(id)?.conn != null) {
      log(`Closing a second link from ${id}: already linked`)
      return close(conn, 'duplicate link', now)
    }
    const ours = dialing.get(id)
    if (ours !== undefined) {
      // Both sides dialed each other: the link dialed by the smaller id survives, and
      // both sides reach the same verdict without another message.
      if (selfId < id) {
        log(`Closing the link from ${id}: our own dial to it takes precedence`)
        return close(conn, 'crossed dials', now)
      }
      dialing.delete(id)
      const dial = conns.get(ours)
      if (dial) close(dial, 'crossed dials', now)
      send(conn.id, { kind: 'hello', peer: deps.self })
      linkUp(conn, id, address, false)
      return dialResolved(true, now)
    }
    send(conn.id, { kind: 'hello', peer: deps.self })
    linkUp(conn, id, address, false)
  }

  function degreeChanged(): void {
    if (links.size === degreeSent) return
    degreeSent = links.size
    for (const seed of openSeeds()) send(seed.conn!, { kind: 'degree', peer: deps.self, degree: degreeSent })
  }

  /** Removes a neighbour for good (dead, or closed for misbehaving) and seeks a replacement. */
  function dropLink(link: Link, reason: 'dead' | 'closed', now: number): void {
    links.delete(link.id)
    const conn = link.conn === null ? undefined : conns.get(link.conn)
    if (conn) close(conn, reason, now)
    emit({ type: 'peer.link-down', peer: link.id, reason })
    lost++
    degreeChanged()
    maybeRepair(now)
  }

  function maybeRepair(now: number): void {
    if (phase !== 'running' || query || linking) return
    if (lost > 0 || links.size === 0) startRepair(now)
  }

  // ---- Lines ---------------------------------------------------------------------------

  function onConnected(id: ConnId): void {
    const conn = conns.get(id)
    if (!conn) return
    if (conn.kind === 'seed') {
      const seed = seeds.get(conn.node!)
      if (!seed) return
      seed.connected = true
      if (seed.reportOnly) {
        seed.retryDelay = JOIN_RETRY_MS
        send(id, { kind: 'hello', peer: deps.self })
      } else {
        send(id, { kind: 'register', peer: deps.self })
        // After joining a reconnect only re-registers; lists are asked for when needed.
        if (phase === 'joining') send(id, { kind: 'peer-list-request', peer: deps.self })
      }
    } else if (conn.kind === 'dial') {
      send(id, { kind: 'hello', peer: deps.self })
    }
  }

  function onLine(conn: PeerConn, line: string, now: number): void {
    const decoded = decodeLine(line)
    if (!decoded.ok) return refuse(conn, decoded.reason, false, now)
    const message = decoded.message
    switch (message.kind) {
      case 'liveness-request':
        conn.bad = 0
        send(conn.id, { kind: 'liveness-reply', ts: message.ts, ip: message.ip, replierIp: selfIp })
        return
      case 'liveness-reply':
        return onLivenessReply(conn, Number(message.ts), message.ip, now)
      case 'gossip': {
        const link = conn.node === null ? undefined : links.get(conn.node)
        if (conn.kind === 'seed' || !link || link.conn !== conn.id) {
          return refuse(conn, 'gossip on a connection that is not a link', false, now)
        }
        conn.bad = 0
        return onGossip(link, message.text, now)
      }
      case 'hello':
        return onHello(conn, message.peer, now)
      case 'registered': {
        const seed = conn.kind === 'seed' ? seeds.get(conn.node!) : undefined
        if (!seed || formatAddress(message.peer) !== selfId) return refuse(conn, 'unexpected Registered', false, now)
        conn.bad = 0
        seed.retryDelay = JOIN_RETRY_MS
        if (!seed.registered) {
          seed.registered = true
          log(`Registered with seed ${seed.id}`)
          emit({ type: 'peer.registered', seed: seed.id })
          if (links.size > 0) send(conn.id, { kind: 'degree', peer: deps.self, degree: links.size })
        }
        checkQuery(now)
        return
      }
      case 'peer-list': {
        const seed = conn.kind === 'seed' ? seeds.get(conn.node!) : undefined
        if (!seed) return refuse(conn, 'Peer List from a peer', false, now)
        if (message.parts > MAX_PEER_LIST_PARTS) return refuse(conn, `Peer List of ${message.parts} parts`, true, now)
        conn.bad = 0
        if (!seed.partial || seed.partial.parts !== message.parts) seed.partial = { parts: message.parts, got: new Map() }
        seed.partial.got.set(message.part, message.entries)
        if (seed.partial.got.size < message.parts) return
        const entries: PeerEntry[] = []
        for (let i = 1; i <= message.parts; i++) entries.push(...seed.partial.got.get(i)!)
        seed.partial = null
        return onSeedList(seed, entries, now)
      }
      case 'register':
      case 'peer-list-request':
      case 'degree':
      case 'dead-node':
        return refuse(conn, `unexpected ${message.kind} message at a peer`, false, now)
      default:
        assertNever(message)
    }
  }

  function onLivenessReply(conn: PeerConn, ts: number, ip: string, now: number): void {
    const link = conn.node === null ? undefined : links.get(conn.node)
    if (conn.kind === 'seed' || !link || link.conn !== conn.id || ip !== selfIp) {
      return refuse(conn, 'Liveness Reply to no request of ours', false, now)
    }
    if (link.lastSent === null || ts > link.lastSent || ts <= link.lastAcked) {
      return refuse(conn, 'Liveness Reply with an unknown timestamp', false, now)
    }
    conn.bad = 0
    link.lastAcked = ts
    link.misses = 0
    link.awaiting = ts < link.lastSent
    emit({ type: 'liveness.ok', peer: link.id, rttMs: Math.max(0, now - ts) })
  }

  // ---- Gossip and liveness -------------------------------------------------------------

  function createGossip(now: number): void {
    gossipSeq++
    const text = gossipText(now, selfIp, gossipSeq)
    const id = deps.sha256(text)
    const record = messages.add(id, null)
    log(`Created gossip ${text}`)
    emit({ type: 'gossip.created', id, text, seq: gossipSeq })
    forward(id, text, record)
  }

  function onGossip(link: Link, text: string, now: number): void {
    const id = deps.sha256(text)
    const known = messages.get(id)
    if (known) {
      if (!known.peers.includes(link.id)) known.peers.push(link.id)
      emit({ type: 'gossip.duplicate', id, from: link.id })
      return
    }
    const record = messages.add(id, link.id)
    log(`${text} received from ${link.id} at ${localTime(now)}`)
    emit({ type: 'gossip.received', id, text, from: link.id })
    forward(id, text, record)
  }

  /** Sends to every open link the message has not crossed yet. */
  function forward(id: string, text: string, record: MessageRecord): void {
    for (const link of links.values()) {
      if (link.conn === null || record.peers.includes(link.id)) continue
      record.peers.push(link.id)
      // The gossip line is the text itself (already validated or created by us).
      out.push({ type: 'send', conn: link.conn, line: text })
      emit({ type: 'gossip.forwarded', id, to: link.id })
    }
  }

  function livenessRound(now: number): void {
    for (const link of [...links.values()]) {
      if (link.awaiting) {
        link.misses++
        emit({ type: 'liveness.missed', peer: link.id, count: link.misses })
        log(`No Liveness Reply from ${link.id} (${link.misses} of ${options.livenessMisses})`)
        if (link.misses >= options.livenessMisses) {
          reportDead(link, now)
          continue
        }
      }
      // A request into a broken link is never answered: it becomes a miss next round.
      link.lastSent = now
      link.awaiting = true
      if (link.conn !== null) {
        send(link.conn, { kind: 'liveness-request', ts: String(now), ip: selfIp })
        emit({ type: 'liveness.sent', peer: link.id })
      }
    }
    maybeRepair(now)
  }

  function reportDead(link: Link, now: number): void {
    const message: WireMessage = {
      kind: 'dead-node',
      dead: link.address,
      ts: String(now),
      reporterIp: selfIp,
      prefix: 'Dead Node',
    }
    const to = reachableSeeds()
    for (const seed of to) send(seed.conn!, message)
    const ids = to.map((s) => s.id)
    log(`${encodeMessage(message)} sent to seeds ${ids.length > 0 ? ids.join(', ') : '(none open)'}`)
    emit({ type: 'peer.dead-reported', peer: link.id, seeds: ids })
    if (deadReported.size >= DEAD_MEMORY) deadReported.delete(deadReported.values().next().value!)
    deadReported.add(link.id)
    dropLink(link, 'dead', now)
  }

  // ---- Errors, closing, stopping -------------------------------------------------------

  function refuse(conn: PeerConn, reason: string, fatal: boolean, now: number): void {
    out.push(...rejectionEffects(conn.remote, reason))
    conn.bad++
    if (fatal || conn.bad >= MAX_CONSECUTIVE_BAD_LINES) {
      log(`Closing connection with ${conn.remote} after ${fatal ? 'a fatal error' : `${conn.bad} bad lines`}`)
      close(conn, 'bad input', now)
    }
  }

  /** Closes a connection ourselves and does the bookkeeping its loss implies. */
  function close(conn: PeerConn, reason: string, now: number): void {
    if (!conns.has(conn.id)) return
    out.push({ type: 'close', conn: conn.id })
    conns.delete(conn.id)
    const link = conn.node === null ? undefined : links.get(conn.node)
    if (conn.kind !== 'seed' && link && link.conn === conn.id) {
      // We closed a live link on purpose (misbehaving neighbour): it is gone.
      link.conn = null
      dropLink(link, 'closed', now)
      return
    }
    lostConn(conn, reason, now)
  }

  /** A connection ended without us closing it. */
  function gone(conn: PeerConn, reason: string, now: number): void {
    conns.delete(conn.id)
    const link = conn.node === null ? undefined : links.get(conn.node)
    if (conn.kind !== 'seed' && link && link.conn === conn.id) {
      // A broken link is not a death: the liveness rounds decide.
      link.conn = null
      log(`Link with ${link.id} broken (${reason}); counting liveness misses`)
      return
    }
    lostConn(conn, reason, now)
  }

  function lostConn(conn: PeerConn, reason: string, now: number): void {
    if (conn.kind === 'seed') {
      const seed = seeds.get(conn.node!)
      if (!seed || seed.conn !== conn.id) return
      seed.conn = null
      seed.connected = false
      seed.partial = null
      if (phase === 'joining') {
        if (!seedAnswered(seed, 'join')) seed.registered = false
        warn(`connection to seed ${seed.id} ended (${reason})`)
      } else {
        // Keep seed connections open: reconnect (and re-register) with a growing delay,
        // warning once per outage. A restarted seed gets this peer back in its list.
        seed.registered = false
        if (seed.retryDelay === JOIN_RETRY_MS) warn(`connection to seed ${seed.id} ended (${reason}); reconnecting`)
        seed.retryAt = now + seed.retryDelay
        seed.retryDelay = Math.min(2 * seed.retryDelay, MAX_SEED_RETRY_MS)
      }
      checkQuery(now)
      return
    }
    if (conn.kind === 'dial' && conn.node !== null && dialing.get(conn.node) === conn.id) {
      dialing.delete(conn.node)
      log(`Could not link to ${conn.node}: ${reason}`)
      emit({ type: 'peer.link-failed', peer: conn.node, reason })
      dialResolved(false, now)
    }
  }

  function stop(): void {
    for (const link of links.values()) emit({ type: 'peer.link-down', peer: link.id, reason: 'shutdown' })
    for (const id of conns.keys()) out.push({ type: 'close', conn: id })
    conns.clear()
    links.clear()
    phase = 'stopped'
    log('Peer stopping')
    out.push({ type: 'exit', code: 0, reason: 'stopped' })
  }

  return {
    handle,
    nextWakeAt: () => {
      if (phase === 'stopped') return null
      let at: number | null = null
      for (const t of [helloQueue.peekAt(), query?.deadline ?? null, joinRetryAt, nextGossipAt, nextLivenessAt]) {
        if (t !== null && (at === null || t < at)) at = t
      }
      for (const seed of seeds.values()) {
        if (seed.retryAt !== null && (at === null || seed.retryAt < at)) at = seed.retryAt
      }
      return at
    },
  }
}
