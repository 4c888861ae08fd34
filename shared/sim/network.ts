import { type Address, type NodeId, formatAddress } from '../address'
import {
  type EffectiveLink,
  type NetConditions,
  effectiveLink,
  endpointOf,
  planSend,
  sampleDelay,
} from '../net/conditions'
import { DropTally } from '../net/drop-tally'
import { type AnyEvent, EVENT_VERSION, type HostEvent, type SessionEvent } from '../events'
import type { ConnId, Effect, Machine, MachineInput } from '../protocol/machine'
import { seededRandom } from '../protocol/rng'
import { assertNever, isGossipLine } from '../protocol/wire'
import type { ProtocolSettings } from '../settings'
import { TimedHeap } from './heap'

/**
 * A deterministic in-memory network with a virtual clock. It drives seed and peer
 * machines exactly as the TCP driver does (same Machine interface, same event stamping)
 * but delivers connections and lines through a priority queue: `run*` jumps the clock to
 * the next delivery or wake-up, so minutes of protocol time take milliseconds. Same
 * inputs (machines built with the same rng seeds) give the same transcript.
 *
 * The network's conditions are the one model of shared/net/conditions.ts, applied exactly
 * as the TCP driver's shaper applies them: per directed link a delay (uniform jitter),
 * a loss probability per line, and partitions that hold lines back (in order, released on
 * heal) and keep dials across the cut pending until heal or `connectTimeoutMs`. Jitter and
 * loss draw from the network's own seeded rng (`netSeed`), never from the machines'.
 *
 * Connections are FIFO per direction; a line sent before a close arrives before the
 * close. `kill` makes a node vanish: every connection of it closes from the remote's
 * view one link delay later (held like a line across a partition), and nothing more is
 * delivered to it. `pause` freezes a node as
 * SIGSTOP does: its connections stay open, connects to it still succeed (the kernel
 * accepts them), but it handles nothing and fires no timers; whatever reaches it waits,
 * in order, in its buffers until `resume` (SIGCONT) hands it over at the resume time.
 */

export interface SimOptions {
  /** Virtual time at creation, ms since epoch. */
  startTime?: number
  /** The network's conditions at creation (default SIM_CONDITIONS: 1 ms on every link). */
  conditions?: NetConditions
  /** Seed of the rng that draws jitter and loss (default 1). */
  netSeed?: number
  /** ms a dial across a partition waits before it fails (default 3000, as the driver). */
  connectTimeoutMs?: number
}

/** The simulator's default network: every line takes 1 ms, nothing is lost or blocked. */
export const SIM_CONDITIONS: NetConditions = { defaults: { delayMs: 1, jitterMs: 0, loss: 0 }, links: [], partitions: [] }

export interface SimLog {
  t: number
  node: NodeId
  text: string
}

/** A raw TCP client the test controls: it sends lines of its choice and records what comes back. */
export interface SimClient {
  readonly id: string
  readonly received: string[]
  readonly connected: boolean
  readonly closed: boolean
  send(line: string): void
  /** Delivers a framing error to the node, as the driver's framer would. */
  sendFrameError(reason: string): void
  close(): void
}

interface End {
  owner: string
  conn: ConnId
  closed: boolean
}

interface SimConn {
  a: End
  b: End | null
  /** ms of the last delivery scheduled in each direction, to keep lines FIFO. */
  lastAB: number
  lastBA: number
  /** Inputs held back by a partition in each direction, released in order on heal. */
  heldAB: MachineInput[]
  heldBA: MachineInput[]
}

/** A dial across a partition: it completes on heal, or fails at `deadline`. */
interface PendingDial {
  owner: string
  from: Address
  conn: ConnId
  to: Address
  deadline: number
  done: boolean
}

type Delivery =
  | { kind: 'input'; owner: string; input: MachineInput; end: End | null }
  | { kind: 'wake'; owner: string; version: number }
  | { kind: 'drops'; owner: string }
  | { kind: 'dial-timeout'; owner: string; dial: PendingDial }

/** A scheduled delivery; built once and stamped in place (the hot path allocates little). */
type Item = Delivery & { time: number; seq: number }

interface SimNode {
  id: NodeId
  address: Address
  role: 'seed' | 'peer'
  machine: Machine
  alive: boolean
  /** Frozen (SIGSTOP): deliveries wait in `held`, in arrival order, until resumed. */
  paused: boolean
  held: Item[]
  /** Exit code once the machine exited (after `stop`). */
  exitCode: number | null
  /** Connection id -> connection, for this node's side of it. */
  conns: Map<ConnId, SimConn>
  wakeAt: number | null
  wakeVersion: number
  acceptCounter: number
  /** Inputs handled at the current virtual ms: a runaway guard. */
  busyAt: number
  busyCount: number
  /** Lines this node's sends lost to loss or a partition, reported as net.dropped. */
  drops: DropTally
}

interface ClientState {
  client: SimClient & { received: string[]; connected: boolean; closed: boolean }
  address: Address
  conn: SimConn | null
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

/** More inputs than this at one virtual ms for one node means a machine never lets time pass. */
const BUSY_LIMIT = 100_000
/** Lines held per connection direction behind a partition; later ones are dropped (as the driver's byte cap). */
const MAX_HELD_LINES = 10_000

export class SimNetwork {
  now: number
  /** Every node event (and host.kill) with `seq` from 1, as a session records them. */
  readonly events: SessionEvent[] = []
  readonly logs: SimLog[] = []
  /** Lines sent on connections (nodes and clients), and what the conditions did to them. */
  readonly lineStats = { sent: 0, lost: 0, held: 0, heldDropped: 0 }
  private readonly nodes = new Map<NodeId, SimNode>()
  private readonly clients = new Map<string, ClientState>()
  private readonly queue = new TimedHeap<Item>()
  private seq = 0
  private clientCounter = 0
  private conditionsValue: NetConditions
  /** True once `setConditions` was called: nodes then report what they apply (net.conditions). */
  private conditionsSet = false
  private readonly netRandom: () => number
  private readonly connectTimeoutMs: number
  private readonly allConns = new Set<SimConn>()
  private pendingDials: PendingDial[] = []
  private listeners: Array<(event: SessionEvent) => void> = []

  constructor(options: SimOptions = {}) {
    this.now = options.startTime ?? 1_800_000_000_000
    this.conditionsValue = options.conditions ?? SIM_CONDITIONS
    this.netRandom = seededRandom(options.netSeed ?? 1)
    this.connectTimeoutMs = options.connectTimeoutMs ?? 3000
  }

  /** The conditions in force. */
  get conditions(): NetConditions {
    return this.conditionsValue
  }

  /**
   * Applies new conditions now, as every node's driver does on the host's command: each
   * running node records `net.conditions`; lines held by a partition that no longer blocks
   * their direction are released in order (each with a fresh delay); pending dials whose
   * cut healed complete. Lines already in flight keep their delivery time.
   */
  setConditions(conditions: NetConditions): void {
    this.conditionsValue = conditions
    this.conditionsSet = true
    for (const node of this.nodes.values()) {
      if (node.alive) this.record(node, { type: 'net.conditions', conditions })
    }
    for (const conn of this.allConns) {
      if (!conn.b || (conn.a.closed && conn.b.closed && conn.heldAB.length === 0 && conn.heldBA.length === 0)) {
        this.allConns.delete(conn)
        continue
      }
      this.release(conn, conn.a, conn.b)
      this.release(conn, conn.b, conn.a)
    }
    const dials = this.pendingDials
    this.pendingDials = []
    for (const dial of dials) {
      if (dial.done) continue
      const owner = this.nodes.get(dial.owner)
      if (owner && !owner.alive) continue
      if (this.dialBlocked(dial.owner, dial.to)) this.pendingDials.push(dial)
      else {
        dial.done = true
        this.openNow(dial.owner, dial.from, dial.conn, dial.to)
      }
    }
  }

  /** Adds a node; it does nothing until `start`. */
  add(address: Address, role: 'seed' | 'peer', machine: Machine): NodeId {
    const id = formatAddress(address)
    if (this.nodes.has(id)) throw new Error(`node ${id} already exists`)
    this.nodes.set(id, {
      id,
      address,
      role,
      machine,
      alive: false,
      paused: false,
      held: [],
      exitCode: null,
      conns: new Map(),
      wakeAt: null,
      wakeVersion: 0,
      acceptCounter: 0,
      busyAt: -1,
      busyCount: 0,
      drops: new DropTally(),
    })
    return id
  }

  /**
   * Starts a node now, emitting `node.started` as the driver does once listening. Its
   * incarnation is `now` (machines built without one take the `start` input's time).
   */
  start(id: NodeId, seeds: readonly Address[], settings: ProtocolSettings): void {
    const node = this.node(id)
    node.alive = true
    this.record(node, { type: 'node.started', role: node.role, seeds: seeds.map(formatAddress), settings, incarnation: this.now })
    if (this.conditionsSet) this.record(node, { type: 'net.conditions', conditions: this.conditionsValue })
    this.deliver(node, { type: 'start', now: this.now })
  }

  /** SIGSTOP: the node keeps its connections but handles nothing until `resume`. Records `node.paused`. */
  pause(id: NodeId): void {
    const node = this.node(id)
    if (!node.alive || node.paused) return
    node.paused = true
    this.pushEvent({ v: EVENT_VERSION, t: this.now, node: id, type: 'node.paused' })
  }

  /** SIGCONT: everything that arrived while paused is handled now, in order, then its overdue timers. Records `node.resumed`. */
  resume(id: NodeId): void {
    const node = this.node(id)
    if (!node.paused) return
    node.paused = false
    this.pushEvent({ v: EVENT_VERSION, t: this.now, node: id, type: 'node.resumed' })
    const held = node.held
    node.held = []
    for (const item of held) this.schedule(this.now, item)
    // Timers that fell due while frozen fire once the buffered input is read.
    node.wakeVersion++
    const wake = node.machine.nextWakeAt()
    node.wakeAt = wake
    if (wake !== null) this.schedule(Math.max(wake, this.now), { kind: 'wake', owner: node.id, version: node.wakeVersion })
  }

  isPaused(id: NodeId): boolean {
    return this.nodes.get(id)?.paused ?? false
  }

  /** The process vanishes (SIGKILL): its connections close from the remote's view. */
  kill(id: NodeId): void {
    const node = this.node(id)
    if (!node.alive) return
    node.alive = false
    node.paused = false
    node.held = []
    this.pushEvent({ v: EVENT_VERSION, t: this.now, node: id, type: 'host.kill', signal: 'SIGKILL' })
    for (const [connId, conn] of node.conns) {
      const mine = conn.a.owner === id && conn.a.conn === connId ? conn.a : conn.b!
      mine.closed = true
      this.closeRemote(conn, mine)
    }
    node.conns.clear()
    for (const dial of this.pendingDials) if (dial.owner === id) dial.done = true
  }

  /** Gives a dead node a fresh machine at the same address (a restart); call `start` next. */
  revive(id: NodeId, machine: Machine): void {
    const node = this.node(id)
    if (node.alive) throw new Error(`node ${id} is still running`)
    node.machine = machine
    node.exitCode = null
    node.drops = new DropTally()
    node.conns.clear()
    node.wakeAt = null
    node.wakeVersion++
  }

  /**
   * A restart at the same address, as the app's Restart: a running (or paused) node is
   * killed first (SIGKILL), then `machine` starts now as a new process (a new incarnation).
   */
  restart(id: NodeId, machine: Machine, seeds: readonly Address[], settings: ProtocolSettings): void {
    this.kill(id)
    this.revive(id, machine)
    this.start(id, seeds, settings)
  }

  /** A clean stop (SIGTERM): the machine gets `stop` and closes its links itself. */
  stop(id: NodeId): void {
    const node = this.node(id)
    if (!node.alive) return
    this.pushEvent({ v: EVENT_VERSION, t: this.now, node: id, type: 'node.stopping', reason: 'SIGTERM' })
    this.deliver(node, { type: 'stop', now: this.now })
  }

  /** config.txt changed: the node (if running) gets the new seed list now, as from its driver. */
  setSeeds(id: NodeId, seeds: readonly Address[]): void {
    const node = this.node(id)
    if (node.alive) this.deliver(node, { type: 'seeds', now: this.now, seeds: seeds.map((s) => ({ ...s })) })
  }

  /** Records a host event (e.g. a scenario's host.action) stamped `t` (default: the current virtual time). */
  recordHost(body: DistributiveOmit<HostEvent, 'v' | 't'>, t: number = this.now): void {
    this.pushEvent({ v: EVENT_VERSION, t, ...body } as HostEvent)
  }

  isAlive(id: NodeId): boolean {
    return this.nodes.get(id)?.alive ?? false
  }

  exitCode(id: NodeId): number | null {
    return this.node(id).exitCode
  }

  nodeIds(role?: 'seed' | 'peer'): NodeId[] {
    return [...this.nodes.values()].filter((n) => role === undefined || n.role === role).map((n) => n.id)
  }

  onEvent(listener: (event: SessionEvent) => void): void {
    this.listeners.push(listener)
  }

  /** Opens a raw connection from `from` (any address) to a node. */
  connectClient(to: Address, from: Address = { ip: '127.9.9.9', port: 40000 + this.clientCounter }): SimClient {
    const id = `client${++this.clientCounter}`
    const sim = this
    const state: ClientState = {
      address: from,
      conn: null,
      client: {
        id,
        received: [],
        connected: false,
        closed: false,
        send(line) {
          if (state.conn && !state.conn.a.closed) sim.transmit(state.conn, state.conn.a, { line })
        },
        sendFrameError(reason) {
          if (state.conn && !state.conn.a.closed) sim.transmit(state.conn, state.conn.a, { frameError: reason })
        },
        close() {
          if (!state.conn || state.conn.a.closed) return
          state.conn.a.closed = true
          state.client.closed = true
          sim.closeRemote(state.conn, state.conn.a)
        },
      },
    }
    this.clients.set(id, state)
    this.open(id, from, 'c', to)
    return state.client
  }

  /** Processes everything due up to and including `time`, then sets the clock to it. */
  runUntil(time: number): void {
    for (;;) {
      const next = this.queue.peek()
      if (!next || next.time > time) break
      this.queue.pop()
      this.now = Math.max(this.now, next.time)
      this.process(next)
    }
    this.now = Math.max(this.now, time)
  }

  runFor(ms: number): void {
    this.runUntil(this.now + ms)
  }

  /**
   * Runs until `done()` holds (checked after every step) or `limitMs` of virtual time
   * passed. Returns whether `done()` held.
   */
  runUntilTrue(done: () => boolean, limitMs: number): boolean {
    const end = this.now + limitMs
    while (!done()) {
      const next = this.queue.peek()
      if (!next || next.time > end) {
        this.now = Math.max(this.now, end)
        return done()
      }
      this.queue.pop()
      this.now = Math.max(this.now, next.time)
      this.process(next)
    }
    return true
  }

  // ---- internals -----------------------------------------------------------------------

  private node(id: NodeId): SimNode {
    const node = this.nodes.get(id)
    if (!node) throw new Error(`no node ${id}`)
    return node
  }

  private schedule(time: number, delivery: Delivery): void {
    const item = delivery as Item
    item.time = time
    item.seq = ++this.seq
    this.queue.push(item)
  }

  private addressOf(owner: string): Address {
    return this.nodes.get(owner)?.address ?? this.clients.get(owner)!.address
  }

  /** The directed link between two owners (nodes or clients) under the conditions in force. */
  private link(from: string, to: string): EffectiveLink {
    return effectiveLink(this.conditionsValue, endpointOf(this.addressOf(from)), endpointOf(this.addressOf(to)))
  }

  /** A TCP handshake needs both directions: a dial is held while either is blocked. */
  private dialBlocked(owner: string, to: Address): boolean {
    const link = effectiveLink(this.conditionsValue, endpointOf(this.addressOf(owner)), endpointOf(to))
    return link.blocked || link.blockedBack
  }

  /**
   * Opens a connection from `owner` (its conn id `conn`) to the node listening at `to`;
   * across a partition the dial waits for the heal or fails at the connect timeout.
   */
  private open(owner: string, from: Address, conn: ConnId, to: Address): SimConn | null {
    if (!this.dialBlocked(owner, to)) return this.openNow(owner, from, conn, to)
    const dial: PendingDial = { owner, from, conn, to, deadline: this.now + this.connectTimeoutMs, done: false }
    this.pendingDials.push(dial)
    this.schedule(dial.deadline, { kind: 'dial-timeout', owner, dial })
    return null
  }

  private openNow(owner: string, from: Address, conn: ConnId, to: Address): SimConn {
    const target = this.nodes.get(formatAddress(to))
    const end: End = { owner, conn, closed: false }
    const simConn: SimConn = { a: end, b: null, lastAB: this.now, lastBA: this.now, heldAB: [], heldBA: [] }
    const ownerNode = this.nodes.get(owner)
    const client = this.clients.get(owner)
    if (client) client.conn = simConn
    if (!target || !target.alive) {
      const delay = target ? sampleDelay(this.link(owner, target.id), this.netRandom) : 1
      end.closed = true
      if (ownerNode) {
        this.schedule(this.now + delay, {
          kind: 'input',
          owner,
          end: null,
          input: { type: 'connect-failed', now: 0, conn, reason: 'connection refused' },
        })
      } else this.clients.get(owner)!.client.closed = true
      return simConn
    }
    const delay = sampleDelay(this.link(owner, target.id), this.netRandom)
    const accepted: End = { owner: target.id, conn: `i${++target.acceptCounter}`, closed: false }
    simConn.b = accepted
    this.allConns.add(simConn)
    target.conns.set(accepted.conn, simConn)
    ownerNode?.conns.set(conn, simConn)
    const at = this.now + delay
    this.schedule(at, { kind: 'input', owner: target.id, end: accepted, input: { type: 'accepted', now: 0, conn: accepted.conn, remote: from } })
    if (ownerNode) this.schedule(at, { kind: 'input', owner, end, input: { type: 'connected', now: 0, conn } })
    else this.clients.get(owner)!.client.connected = true
    simConn.lastAB = at
    simConn.lastBA = at
    return simConn
  }

  private transmit(conn: SimConn, from: End, payload: { line?: string; frameError?: string }): void {
    const to = from === conn.a ? conn.b : conn.a
    if (!to || to.closed) return
    const input: MachineInput =
      payload.frameError !== undefined
        ? { type: 'frame-error', now: 0, conn: to.conn, reason: payload.frameError }
        : { type: 'line', now: 0, conn: to.conn, line: payload.line! }
    this.carry(conn, from, to, input)
  }

  /** `from` closed (or vanished): the other end learns it after pending lines. */
  private closeRemote(conn: SimConn, from: End): void {
    const to = from === conn.a ? conn.b : conn.a
    if (!to || to.closed) return
    this.carry(conn, from, to, { type: 'closed', now: 0, conn: to.conn })
  }

  /**
   * Sends one input from one end to the other under the link's conditions: lines may be
   * lost (a close never is); behind a partition, or behind inputs already held, it is held.
   */
  private carry(conn: SimConn, from: End, to: End, input: MachineInput): void {
    const link = this.link(from.owner, to.owner)
    const held = from === conn.a ? conn.heldAB : conn.heldBA
    const lastAt = from === conn.a ? conn.lastAB : conn.lastBA
    const plan = input.type === 'line'
      ? planSend(link, this.now, lastAt, this.netRandom)
      : link.blocked
        ? { kind: 'hold' as const }
        : { kind: 'at' as const, time: Math.max(this.now + sampleDelay(link, this.netRandom), lastAt) }
    if (input.type === 'line') this.lineStats.sent++
    if (plan.kind === 'drop' || (plan.kind === 'hold' && input.type === 'line' && held.length >= MAX_HELD_LINES)) {
      if (plan.kind === 'drop') this.lineStats.lost++
      else this.lineStats.heldDropped++
      this.dropped(from.owner, to.owner, plan.kind === 'drop' ? 'loss' : 'partition', input)
      return
    }
    if (plan.kind === 'hold' || held.length > 0) {
      if (plan.kind === 'hold' && input.type === 'line') this.lineStats.held++
      held.push(input)
      return
    }
    this.scheduleOn(conn, from, to, input, plan.time)
  }

  private scheduleOn(conn: SimConn, from: End, to: End, input: MachineInput, at: number): void {
    if (from === conn.a) conn.lastAB = at
    else conn.lastBA = at
    this.schedule(at, { kind: 'input', owner: to.owner, end: to, input })
  }

  /** Releases, in order, what a partition held from `from` to `to`, if it no longer blocks. */
  private release(conn: SimConn, from: End, to: End): void {
    const held = from === conn.a ? conn.heldAB : conn.heldBA
    if (held.length === 0) return
    const link = this.link(from.owner, to.owner)
    if (link.blocked) return
    for (const input of held.splice(0)) {
      const lastAt = from === conn.a ? conn.lastAB : conn.lastBA
      this.scheduleOn(conn, from, to, input, Math.max(this.now + sampleDelay(link, this.netRandom), lastAt))
    }
  }

  /** Counts a dropped line for the sender's next net.dropped report. */
  private dropped(owner: string, toOwner: string, reason: 'loss' | 'partition', input: MachineInput): void {
    const node = this.nodes.get(owner)
    if (!node) return
    const to = formatAddress(this.addressOf(toOwner))
    const due = node.drops.add(to, reason, input.type === 'line' && isGossipLine(input.line), this.now)
    if (due !== null) this.schedule(due, { kind: 'drops', owner })
  }

  private process(item: Item): void {
    if (item.kind === 'dial-timeout') {
      const dial = item.dial
      if (dial.done) return
      dial.done = true
      this.pendingDials = this.pendingDials.filter((d) => d !== dial)
      const input: MachineInput = { type: 'connect-failed', now: this.now, conn: dial.conn, reason: `no answer within ${this.connectTimeoutMs} ms`, timedOut: true }
      const node = this.nodes.get(item.owner)
      if (node?.alive) this.deliver(node, input)
      const client = this.clients.get(item.owner)
      if (client) client.client.closed = true
      return
    }
    const client = this.clients.get(item.owner)
    if (client) {
      if (item.kind !== 'input' || !item.end || item.end.closed) return
      const input = item.input
      if (input.type === 'line') client.client.received.push(input.line)
      else if (input.type === 'closed') {
        item.end.closed = true
        client.client.closed = true
      }
      return
    }
    const node = this.nodes.get(item.owner)
    if (!node || !node.alive) return
    if (node.paused) {
      // A drop report due while frozen goes out on resume, like everything else.
      if (item.kind === 'input' || item.kind === 'drops') node.held.push(item)
      return
    }
    if (item.kind === 'drops') {
      for (const count of node.drops.drain()) this.record(node, { type: 'net.dropped', ...count })
      return
    }
    if (item.kind === 'wake') {
      if (item.version === node.wakeVersion) {
        node.wakeAt = null
        this.deliver(node, { type: 'tick', now: this.now })
      }
      return
    }
    if (item.end) {
      if (item.end.closed) return
      if (item.input.type === 'closed') {
        item.end.closed = true
        node.conns.delete(item.end.conn)
      }
    }
    // Each input object is made for one delivery, so it is stamped in place.
    item.input.now = this.now
    this.deliver(node, item.input)
  }

  private deliver(node: SimNode, input: MachineInput): void {
    if (node.busyAt === this.now) {
      if (++node.busyCount > BUSY_LIMIT) throw new Error(`${node.id} handled ${BUSY_LIMIT} inputs at one instant`)
    } else {
      node.busyAt = this.now
      node.busyCount = 0
    }
    const effects = node.machine.handle(input)
    for (const effect of effects) this.perform(node, effect)
    if (!node.alive) return
    const wake = node.machine.nextWakeAt()
    if (wake !== node.wakeAt) {
      node.wakeAt = wake
      node.wakeVersion++
      if (wake !== null) this.schedule(Math.max(wake, this.now), { kind: 'wake', owner: node.id, version: node.wakeVersion })
    }
  }

  private perform(node: SimNode, effect: Effect): void {
    switch (effect.type) {
      case 'connect':
        if (node.conns.has(effect.conn)) throw new Error(`${node.id} reused connection id ${effect.conn}`)
        this.open(node.id, node.address, effect.conn, effect.to)
        return
      case 'send': {
        const conn = node.conns.get(effect.conn)
        if (!conn) return
        const mine = conn.a.owner === node.id && conn.a.conn === effect.conn ? conn.a : conn.b!
        if (!mine.closed) this.transmit(conn, mine, { line: effect.line })
        return
      }
      case 'close': {
        const conn = node.conns.get(effect.conn)
        if (!conn) return
        const mine = conn.a.owner === node.id && conn.a.conn === effect.conn ? conn.a : conn.b!
        if (mine.closed) return
        mine.closed = true
        node.conns.delete(effect.conn)
        this.closeRemote(conn, mine)
        // The close completed: the machine hears `closed` for it, as from a socket.
        this.schedule(this.now, { kind: 'input', owner: node.id, end: null, input: { type: 'closed', now: 0, conn: effect.conn } })
        return
      }
      case 'log':
        this.logs.push({ t: this.now, node: node.id, text: effect.text })
        return
      case 'event':
        this.record(node, effect.event)
        return
      case 'exit':
        node.exitCode = effect.code
        node.alive = false
        return
      default:
        assertNever(effect)
    }
  }

  private record(node: SimNode, body: object): void {
    this.pushEvent({ v: EVENT_VERSION, t: this.now, node: node.id, ...body, seq: 0 } as SessionEvent)
  }

  /** Numbers the event (in place: it was built for this call) and hands it to listeners. */
  private pushEvent(event: AnyEvent | SessionEvent): void {
    const stamped = event as SessionEvent
    stamped.seq = this.events.length + 1
    this.events.push(stamped)
    for (const listener of this.listeners) listener(stamped)
  }
}
