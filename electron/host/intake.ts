import type { AnyEvent, SessionEvent } from '../../shared/events'
import type { EventLog } from './event-log'

/**
 * Event intake for one session: stamps each event with the session-wide `seq` (1, 2,
 * 3... in arrival order, no gaps), records it, and hands events on in batches: about
 * every `flushMs`, or at once when `maxBatch` are waiting. The newest `memoryLimit`
 * events stay in memory for replays to late subscribers; older ones are read back from
 * the log.
 */

export interface IntakeOptions {
  /** ms between a batch's first event and its delivery. */
  flushMs: number
  /** A batch this large is delivered at once. */
  maxBatch: number
  /** Events kept in memory (older ones are read from the file). */
  memoryLimit: number
}

export const DEFAULT_INTAKE: IntakeOptions = { flushMs: 50, maxBatch: 2000, memoryLimit: 100_000 }

export class Intake {
  private seq = 0
  private pending: SessionEvent[] = []
  private timer: ReturnType<typeof setTimeout> | null = null
  /** Delivered events still in memory; memory[i].seq === memoryFirstSeq + i. */
  private memory: SessionEvent[] = []
  private memoryFirstSeq = 1
  private closed = false

  constructor(
    private readonly log: EventLog,
    private readonly deliver: (batch: SessionEvent[]) => void,
    private readonly options: IntakeOptions = DEFAULT_INTAKE,
  ) {}

  /** Highest seq stamped. */
  get lastSeq(): number {
    return this.seq
  }

  /** Highest seq delivered (and written). */
  get deliveredSeq(): number {
    return this.seq - this.pending.length
  }

  push(event: AnyEvent): SessionEvent {
    const stamped: SessionEvent = { ...event, seq: ++this.seq }
    if (this.closed) return stamped
    this.log.append(stamped)
    this.pending.push(stamped)
    if (this.pending.length >= this.options.maxBatch) this.flush()
    else this.timer ??= setTimeout(() => this.flush(), this.options.flushMs)
    return stamped
  }

  /** Writes and delivers everything waiting. */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    this.log.flush()
    if (this.pending.length === 0) return
    const batch = this.pending
    this.pending = []
    for (const event of batch) this.memory.push(event)
    this.trimMemory()
    this.deliver(batch)
  }

  /** Delivered events with seq > fromSeq that are still in memory, or null if some are only on disk. */
  recent(fromSeq: number): SessionEvent[] | null {
    if (fromSeq + 1 < this.memoryFirstSeq) return null
    return this.memory.slice(Math.max(0, fromSeq + 1 - this.memoryFirstSeq))
  }

  /** Every delivered event with seq > fromSeq, reading older ones back from the file. */
  async since(fromSeq: number): Promise<SessionEvent[]> {
    let events: SessionEvent[] = []
    let from = fromSeq
    // Memory may be trimmed while the file is read: read again from where the file ended.
    for (let round = 0; round < 3; round++) {
      const recent = this.recent(from)
      if (recent) return events.concat(recent)
      const older = await this.log.read(from, this.memoryFirstSeq)
      if (older.length === 0) break
      events = events.concat(older)
      from = older[older.length - 1]!.seq
    }
    // Only if the file could not be read (see EventLog.error): the gap cannot be filled.
    return events.concat(this.recent(from) ?? this.memory)
  }

  close(): void {
    this.flush()
    this.closed = true
    this.log.close()
  }

  private trimMemory(): void {
    // Trim in steps of a quarter so the copy is amortised.
    const limit = this.options.memoryLimit
    if (this.memory.length <= limit + (limit >> 2)) return
    const drop = this.memory.length - limit
    this.memory = this.memory.slice(drop)
    this.memoryFirstSeq += drop
  }
}
