import { type Address, type NodeId, formatAddress } from '../address'
import { type AnyEvent, EVENT_VERSION, type HostEvent, type SessionEvent } from '../events'
import type { ConnId, Effect, Machine, MachineInput } from '../protocol/machine'
import { assertNever } from '../protocol/wire'
import type { ProtocolSettings } from '../settings'
import { TimedHeap } from './heap'

/**
 * A deterministic in-memory network with a virtual clock. It drives seed and peer
 * machines exactly as the TCP driver does (same Machine interface, same event stamping)
 * but delivers connections and lines through a priority queue: `run*` jumps the clock to
 * the next delivery or wake-up, so minutes of protocol time take milliseconds. Same
 * inputs (machines built with the same rng seeds) give the same transcript.
 *
 * Connections are FIFO per direction; a line sent before a close arrives before the
 * close. `kill` makes a node vanish: every connection of it closes from the remote's
 * view one latency later, and nothing more is delivered to it. `pause` freezes a node as
 * SIGSTOP does: its connections stay open, connects to it still succeed (the kernel
 * accepts them), but it handles nothing and fires no timers; whatever reaches it waits,
 * in order, in its buffers until `resume` (SIGCONT) hands it over at the resume time.
 */

export interface SimOptions {
  /** Virtual time at creation, ms since epoch. */
  startTime?: number
  /** One-way delay in ms of every line on a connection between two nodes (default 1). */
  latency?: number | ((from: NodeId, to: NodeId) => number)
}

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
}

type Delivery =
  | { kind: 'input'; owner: string; input: MachineInput; end: End | null }
  | { kind: 'wake'; owner: string; version: number }

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
}

interface ClientState {
  client: SimClient & { received: string[]; connected: boolean; closed: boolean }
  address: Address
  conn: SimConn | null
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

/** More inputs than this at one virtual ms for one node means a machine never lets time pass. */
const BUSY_LIMIT = 100_000

export class SimNetwork {
  now: number
  /** Every node event (and host.kill) with `seq` from 1, as a session records them. */
  readonly events: SessionEvent[] = []
  readonly logs: SimLog[] = []
  private readonly nodes = new Map<NodeId, SimNode>()
  private readonly clients = new Map<string, ClientState>()
  private readonly queue = new TimedHeap<Item>()
  private seq = 0
  private clientCounter = 0
  private readonly latencyOf: (from: NodeId, to: NodeId) => number
  private listeners: Array<(event: SessionEvent) => void> = []

  constructor(options: SimOptions = {}) {
    this.now = options.startTime ?? 1_800_000_000_000
    const latency = options.latency ?? 1
    this.latencyOf = typeof latency === 'number' ? () => latency : latency
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
  }

  /** Gives a dead node a fresh machine at the same address (a restart); call `start` next. */
  revive(id: NodeId, machine: Machine): void {
    const node = this.node(id)
    if (node.alive) throw new Error(`node ${id} is still running`)
    node.machine = machine
    node.exitCode = null
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

  /** Records a host event (e.g. a scenario's host.action) at the current virtual time. */
  recordHost(body: DistributiveOmit<HostEvent, 'v' | 't'>): void {
    this.pushEvent({ v: EVENT_VERSION, t: this.now, ...body } as HostEvent)
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
    state.conn = this.open(id, from, 'c', to)
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

  private latency(from: string, to: string): number {
    return Math.max(0, this.latencyOf(formatAddress(this.addressOf(from)), formatAddress(this.addressOf(to))))
  }

  /** Opens a connection from `owner` (its conn id `conn`) to the node listening at `to`. */
  private open(owner: string, from: Address, conn: ConnId, to: Address): SimConn {
    const target = this.nodes.get(formatAddress(to))
    const end: End = { owner, conn, closed: false }
    const simConn: SimConn = { a: end, b: null, lastAB: this.now, lastBA: this.now }
    const ownerNode = this.nodes.get(owner)
    if (!target || !target.alive) {
      const delay = target ? this.latency(owner, target.id) : 1
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
    const delay = this.latency(owner, target.id)
    const accepted: End = { owner: target.id, conn: `i${++target.acceptCounter}`, closed: false }
    simConn.b = accepted
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
    const at = Math.max(this.now + this.latency(from.owner, to.owner), from === conn.a ? conn.lastAB : conn.lastBA)
    if (from === conn.a) conn.lastAB = at
    else conn.lastBA = at
    const input: MachineInput =
      payload.frameError !== undefined
        ? { type: 'frame-error', now: 0, conn: to.conn, reason: payload.frameError }
        : { type: 'line', now: 0, conn: to.conn, line: payload.line! }
    this.schedule(at, { kind: 'input', owner: to.owner, end: to, input })
  }

  /** `from` closed (or vanished): the other end learns it after pending lines. */
  private closeRemote(conn: SimConn, from: End): void {
    const to = from === conn.a ? conn.b : conn.a
    if (!to || to.closed) return
    const at = Math.max(this.now + this.latency(from.owner, to.owner), from === conn.a ? conn.lastAB : conn.lastBA)
    this.schedule(at, { kind: 'input', owner: to.owner, end: to, input: { type: 'closed', now: 0, conn: to.conn } })
  }

  private process(item: Item): void {
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
      if (item.kind === 'input') node.held.push(item)
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
