import type { SessionEvent } from '../../shared/events'
import type { EventBatch, HostStatus } from '../../shared/ipc'

/**
 * Subscribers to a host: the Electron window, each WebSocket, in-process listeners.
 * A client gets nothing until it calls `ready(fromSeq)` (messages are not lost: they are
 * in the intake); then it gets the current status, every recorded event with
 * seq > fromSeq, and from then on every live batch, each event exactly once and in order.
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

export class ClientHub {
  private readonly clients = new Set<HostClient>()

  constructor(
    /** The current session's events, or null before the first session. */
    readonly source: () => EventSource | null,
    readonly status: () => HostStatus,
  ) {}

  open(target: PushTarget): HostClient {
    const client = new HostClient(this, target)
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

  constructor(
    private readonly hub: ClientHub,
    private readonly target: PushTarget,
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
    this.hub.remove(this)
  }

  /** @internal */
  restart(): void {
    this.sentSeq = 0
  }

  /** @internal A delivered batch (consecutive seqs). */
  live(batch: SessionEvent[]): void {
    if (this.state !== 'live' || batch.length === 0) return
    const skip = this.sentSeq + 1 - batch[0]!.seq
    this.send(skip > 0 ? batch.slice(skip) : batch)
  }

  /** @internal */
  pushStatus(status: HostStatus): void {
    if (this.isReady) this.target.status(status)
  }

  private send(events: SessionEvent[]): void {
    for (let i = 0; i < events.length; i += REPLAY_CHUNK) {
      const chunk = i === 0 && events.length <= REPLAY_CHUNK ? events : events.slice(i, i + REPLAY_CHUNK)
      this.target.events({ events: chunk })
      this.sentSeq = chunk[chunk.length - 1]!.seq
    }
  }
}
