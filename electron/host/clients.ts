import type { SessionEvent } from '../../shared/events'
import type { EventBatch, HostStatus } from '../../shared/ipc'
import { isHop, summariseHops } from '../../shared/model/coverage'

/**
 * Subscribers to a host: the Electron window, each WebSocket, in-process listeners.
 * A client gets nothing until it calls `ready(fromSeq)` (messages are not lost: they are
 * in the intake); then it gets the current status, every recorded event with
 * seq > fromSeq, and from then on every live batch, each event exactly once and in order.
 *
 * A page client (opened with `{ summarise: true }`) of a large or busy network gets hop
 * events folded per message instead (shared/model/coverage.ts): while `HopSummary.active()`
 * its live events are held for `windowMs` and sent as one batch in which every hop is
 * inside a `gossip.coverage` item, and its backlog is summarised chunk by chunk. Nothing
 * is lost: every seq is either sent or folded into an item that says so. In-process
 * listeners (scenarios) always get every event; the session file records every event.
 */

export interface PushTarget {
  events(batch: EventBatch): void
  status(status: HostStatus): void
}

/** What clients read recorded events from: the current session's intake. */
export interface EventSource {
  readonly deliveredSeq: number
  recent(fromSeq: number): SessionEvent[] | null
  since(fromSeq: number): Promise<SessionEvent[]>
}

/** Events per pushed batch during a replay (a whole session in one IPC message would stall). */
export const REPLAY_CHUNK = 5000

/** When and how often page clients get hops folded per message (see HopSummaryPolicy). */
export interface HopSummary {
  /** True while hops are summarised for page clients. */
  active(): boolean
  /** ms a summarising client holds live events before sending them as one batch. */
  readonly windowMs: number
  /** Sees every delivered batch (to measure the hop rate). */
  observe(batch: readonly SessionEvent[]): void
}

/** A hub whose clients never summarise. */
export const NEVER_SUMMARISE: HopSummary = { active: () => false, windowMs: 200, observe: () => undefined }

export interface ClientOptions {
  /** Fold hops per message while the hub's HopSummary is active (page clients). */
  summarise?: boolean
}

export class ClientHub {
  private readonly clients = new Set<HostClient>()

  constructor(
    /** The current session's events, or null before the first session. */
    readonly source: () => EventSource | null,
    readonly status: () => HostStatus,
    readonly summary: HopSummary = NEVER_SUMMARISE,
  ) {}

  open(target: PushTarget, options: ClientOptions = {}): HostClient {
    const client = new HostClient(this, target, options.summarise ?? false)
    this.clients.add(client)
    return client
  }

  remove(client: HostClient): void {
    this.clients.delete(client)
  }

  get size(): number {
    return this.clients.size
  }

  /** A new session began: its events start again from seq 1 for every client. */
  sessionChanged(): void {
    for (const client of this.clients) client.restart()
  }

  broadcast(batch: SessionEvent[]): void {
    this.summary.observe(batch)
    for (const client of this.clients) client.live(batch)
  }

  broadcastStatus(status: HostStatus): void {
    for (const client of this.clients) client.pushStatus(status)
  }
}

export class HostClient {
  private state: 'waiting' | 'replaying' | 'live' | 'closed' = 'waiting'
  /** Highest seq this client has been sent. */
  private sentSeq = 0
  /** Bumped by every ready(): an older replay still awaiting a file read gives way. */
  private generation = 0
  /** Live events held for the summary window (seq <= sentSeq, not yet pushed). */
  private held: SessionEvent[] = []
  private heldTimer: ReturnType<typeof setTimeout> | null = null

  constructor(
    private readonly hub: ClientHub,
    private readonly target: PushTarget,
    /** Fold hops per message while the hub's summary is active. */
    readonly summarise: boolean = false,
  ) {}

  get closed(): boolean {
    return this.state === 'closed'
  }

  get isReady(): boolean {
    return this.state === 'live' || this.state === 'replaying'
  }

  async ready(fromSeq: number): Promise<void> {
    if (this.closed) return
    const generation = ++this.generation
    this.dropHeld()
    this.state = 'replaying'
    this.target.status(this.hub.status())
    let source = this.hub.source()
    // A fromSeq past the session's end belongs to another session: send this one whole.
    this.sentSeq = source && fromSeq > source.deliveredSeq ? 0 : fromSeq
    for (;;) {
      if (!source) break
      const recent = source.recent(this.sentSeq)
      if (recent) {
        this.send(recent)
        break
      }
      const older = await source.since(this.sentSeq)
      if (generation !== this.generation || this.closed) return
      if (this.hub.source() !== source) {
        source = this.hub.source()
        this.sentSeq = 0
        continue
      }
      this.send(older.filter((event) => event.seq > this.sentSeq))
    }
    this.state = 'live'
  }

  close(): void {
    this.state = 'closed'
    this.dropHeld()
    this.hub.remove(this)
  }

  /** @internal */
  restart(): void {
    this.dropHeld()
    this.sentSeq = 0
  }

  /** @internal A delivered batch (consecutive seqs). */
  live(batch: SessionEvent[]): void {
    if (this.state !== 'live' || batch.length === 0) return
    const skip = this.sentSeq + 1 - batch[0]!.seq
    const fresh = skip > 0 ? batch.slice(skip) : batch
    if (fresh.length === 0) return
    if (!this.summarising()) {
      // Back below the threshold: what was held goes first, in order.
      this.flushHeld()
      this.send(fresh)
      return
    }
    for (const event of fresh) this.held.push(event)
    this.sentSeq = fresh[fresh.length - 1]!.seq
    this.heldTimer ??= setTimeout(() => this.flushHeld(), this.hub.summary.windowMs)
  }

  /** @internal Sends the held window now (one batch, hops folded). */
  flushHeld(): void {
    if (this.heldTimer !== null) clearTimeout(this.heldTimer)
    this.heldTimer = null
    if (this.held.length === 0) return
    const held = this.held
    this.held = []
    // Held because summaries were on: folded even if they have just turned off.
    this.push(held, true)
  }

  /** @internal */
  pushStatus(status: HostStatus): void {
    if (this.isReady) this.target.status(status)
  }

  private summarising(): boolean {
    return this.summarise && this.hub.summary.active()
  }

  private dropHeld(): void {
    if (this.heldTimer !== null) clearTimeout(this.heldTimer)
    this.heldTimer = null
    this.held = []
  }

  private send(events: SessionEvent[]): void {
    for (let i = 0; i < events.length; i += REPLAY_CHUNK) {
      const chunk = i === 0 && events.length <= REPLAY_CHUNK ? events : events.slice(i, i + REPLAY_CHUNK)
      this.push(chunk, this.summarising())
      this.sentSeq = chunk[chunk.length - 1]!.seq
    }
  }

  /** One batch to the target, hops folded per message when `fold` (and there are any). */
  private push(events: SessionEvent[], fold: boolean): void {
    this.target.events({ events: fold && events.some(isHop) ? summariseHops(events) : events })
  }
}
