import { type Address, type NodeId, formatAddress } from '../address'
import { majority } from '../config'
import type { NodeEventBody } from '../events'
import { DeadlineQueue } from './deadline-queue'
import { RateLimitedLog } from './edge'
import type { ConnId, Effect, MachineDeps, PeerOptions } from './machine'
import { MessageList } from './message-list'
import { type PeerEntry, type WireMessage, encodeMessage } from './wire'

/**
 * The peer machine's state, shared by its parts (peer-seeds, peer-links, peer-gossip,
 * peer-machine). One PeerContext per peer; every handler appends effects to `out`.
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

export type Phase = 'joining' | 'linking' | 'running' | 'stopped'

export interface SeedState {
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
  /** ms since epoch the current connection opened; null while not connected. */
  connectedAt: number | null
  /** Parts of a list being received. */
  partial: { parts: number; got: Map<number, PeerEntry[]> } | null
  /** The list received in the current query; null while awaited, and once the query finished (peer-seeds `forgetLists`). */
  list: PeerEntry[] | null
  /** ms since epoch the current list was asked for (a report sent by then reached this seed first). */
  askedAt: number
}

export interface Query {
  purpose: 'join' | 'repair'
  seeds: NodeId[]
  /** ms since epoch. */
  deadline: number
  /** ms since epoch the query began. */
  startedAt: number
  /** Repair only: neighbours lost since the previous repair. */
  lost: number
  /** Join only: the deadline passed once and the query waits on (peer-seeds extendJoin). */
  extended: boolean
}

export interface Link {
  id: NodeId
  address: Address
  /** null once the TCP connection broke: misses keep counting until the verdict. */
  conn: ConnId | null
  initiator: boolean
  /** Consecutive liveness rounds that found a request unanswered. */
  misses: number
  /** ts of the newest request sent, and of the newest one answered (ms since epoch). */
  lastSent: number | null
  lastAcked: number
  /** True while a request sent is unanswered. */
  awaiting: boolean
  /** Gossip lines this link may still carry now (token bucket, see peer-gossip.ts). */
  tokens: number
  /** ms since epoch the bucket was last refilled. */
  refilledAt: number
  /** The neighbour's incarnation from its Hello (null: an older node that sends none). */
  incarnation: number | null
}

export interface PeerConn {
  id: ConnId
  kind: 'seed' | 'dial' | 'in'
  /** Remote `IP:PORT`: the address dialed, or the source of an accepted connection. */
  remote: string
  /** Seed conns: the seed. Dial: the peer dialed. In: the peer once its Hello arrived. */
  node: NodeId | null
  /** Consecutive refused lines. */
  bad: number
}

export interface Linking {
  pool: PeerEntry[]
  /** Successful new links still wanted (dials in flight count towards it). */
  need: number
  /** Picks still to take as the best-connected peer known rather than by the topology rule. */
  anchors: number
}

/** A message a handler refuses: the edge logs it, emits frame.rejected, maybe closes. */
export interface Refusal {
  reason: string
  /** Close the connection at once rather than after repeated refusals. */
  fatal: boolean
}

export const refusal = (reason: string, fatal = false): Refusal => ({ reason, fatal })

export class PeerContext {
  readonly selfId: NodeId
  readonly selfIp: string
  /** floor(n/2)+1 of the config's seeds at start (seeds added later do not change it). */
  readonly needSeeds: number
  readonly seeds = new Map<NodeId, SeedState>()
  readonly conns = new Map<ConnId, PeerConn>()
  /** Neighbours whose Hello arrived, including broken links awaiting their verdict. */
  readonly links = new Map<NodeId, Link>()
  /** Dials in flight (no Hello yet), by the peer dialed. */
  readonly dialing = new Map<NodeId, ConnId>()
  /** Of those, dials that re-open a broken link (they do not count towards a repair's need). */
  readonly redials = new Set<ConnId>()
  /** Hello deadlines of dials and accepted connections. */
  readonly helloQueue = new DeadlineQueue<ConnId>()
  readonly messages = new MessageList()
  /**
   * Peers this peer reported dead, with when (ms since epoch): not dialed again until
   * they say Hello or a seed lists them in a list asked for after the report (the seeds
   * kept them, or they registered again: see peer-seeds `clearDeadMarks`).
   */
  readonly deadReported = new Map<NodeId, number>()
  /** This process's incarnation (ms since epoch at start), sent in Register and Hello. */
  incarnation = 0
  phase: Phase = 'joining'
  query: Query | null = null
  linking: Linking | null = null
  joinRetryAt: number | null = null
  /** Wait before the next join attempt: JOIN_RETRY_MS, doubled per failed join up to the seeds' verification window. */
  joinRetryDelay = JOIN_RETRY_MS
  nextGossipAt: number | null = null
  nextLivenessAt: number | null = null
  gossipSeq = 0
  /** Neighbours lost since the last repair started. */
  lost = 0
  /** A liveness round found no links: ask the seeds for peers. */
  repairDue = false
  /**
   * When to ask the seeds again because the last linking ended with fewer than maxLinks
   * links dialed by this peer (a short list: peers joining together are hidden from each
   * other while the seeds verify them); null when not scheduled. See peer-links `relist`.
   */
  relistAt: number | null = null
  /** Wait before the next such request: JOIN_RETRY_MS, doubled each time up to a liveness interval. */
  relistDelay = JOIN_RETRY_MS
  degreeSent = 0
  /** Largest network seen: 1 + the longest list a seed sent (sizes the links' gossip budget). */
  networkSize = 1
  /** Log lines a remote can trigger at will go through here (per cause, with counts). */
  readonly limiter = new RateLimitedLog()
  out: Effect[] = []
  private connCounter = 0

  constructor(
    readonly deps: MachineDeps,
    readonly options: PeerOptions,
  ) {
    this.selfId = formatAddress(deps.self)
    this.selfIp = deps.self.ip
    this.needSeeds = majority(deps.seeds.length)
    for (const address of deps.seeds) this.addSeed(address)
  }

  /** Adds a seed not known yet (no connection); returns it. */
  addSeed(address: Address): SeedState {
    const id = formatAddress(address)
    const seed: SeedState = {
      id,
      address,
      conn: null,
      connected: false,
      registered: false,
      reportOnly: false,
      member: false,
      retryAt: null,
      retryDelay: JOIN_RETRY_MS,
      connectedAt: null,
      partial: null,
      list: null,
      askedAt: 0,
    }
    this.seeds.set(id, seed)
    return seed
  }

  log(text: string): void {
    this.out.push({ type: 'log', text })
  }

  emit(event: NodeEventBody): void {
    this.out.push({ type: 'event', event })
  }

  /** Hello with this peer's address and incarnation. */
  hello(conn: ConnId): void {
    this.send(conn, { kind: 'hello', peer: this.deps.self, incarnation: this.incarnation })
  }

  send(conn: ConnId, message: WireMessage): void {
    this.out.push({ type: 'send', conn, line: encodeMessage(message) })
  }

  warn(message: string): void {
    this.log(`Warning: ${message}`)
    this.emit({ type: 'node.warning', message })
  }

  /** Dials `to`; outgoing connection ids are `o<n>`, never reused. */
  newConn(kind: 'seed' | 'dial', to: Address): PeerConn {
    const id = `o${++this.connCounter}`
    const remote = formatAddress(to)
    const conn: PeerConn = { id, kind, remote, node: remote, bad: 0 }
    this.conns.set(id, conn)
    this.out.push({ type: 'connect', conn: id, to })
    return conn
  }

  /** Closes a connection and forgets it; the caller did any bookkeeping its loss implies. */
  closeConn(id: ConnId): void {
    if (!this.conns.delete(id)) return
    this.out.push({ type: 'close', conn: id })
  }

  /** Seeds registered with and still connected: list queries and Degree updates go there. */
  openSeeds(): SeedState[] {
    return [...this.seeds.values()].filter((s) => s.registered && s.conn !== null)
  }

  /** Every seed connected, registered or not: Dead Node reports go there. */
  reachableSeeds(): SeedState[] {
    return [...this.seeds.values()].filter((s) => s.connected && s.conn !== null)
  }
}

/** Links this peer dialed itself (the `initiator` side). */
export function outboundLinks(ctx: PeerContext): number {
  let n = 0
  for (const link of ctx.links.values()) if (link.initiator) n++
  return n
}
