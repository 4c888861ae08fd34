import type { EventType, SessionEvent } from '../../../shared/events'

/**
 * The live log: every event, oldest first, in a bounded buffer. Entries have absolute
 * indices (`dropped` + position) so views built over it can be updated incrementally
 * after old entries are dropped. Mutable on purpose (10k events/s); readers watch
 * `logVersion` in the store.
 */
export interface LogBuffer {
  entries: SessionEvent[]
  /** Absolute index of entries[0]: how many entries were dropped from the front. */
  dropped: number
  /** Most entries kept; the oldest tenth is dropped at once when exceeded (amortized O(1)). */
  capacity: number
}

export function createLogBuffer(capacity = 20_000): LogBuffer {
  return { entries: [], dropped: 0, capacity }
}

export function appendLog(log: LogBuffer, events: readonly SessionEvent[]): void {
  for (const event of events) log.entries.push(event)
  if (log.entries.length > log.capacity) {
    const drop = log.entries.length - log.capacity + Math.floor(log.capacity / 10)
    log.entries.splice(0, drop)
    log.dropped += drop
  }
}

export interface LogFilter {
  /** Only events emitted by or about this node (null = all). */
  node: string | null
  /** Only these types (empty = all). */
  types: readonly EventType[]
  /** Only events with seq <= this (replay), null = all. */
  maxSeq: number | null
}

export const NO_FILTER: LogFilter = { node: null, types: [], maxSeq: null }

/** Node ids an event mentions: its emitter plus any peer/seed/from/to/reporter field. */
export function eventMentions(event: SessionEvent, node: string): boolean {
  if (event.node === node) return true
  const e = event as unknown as Record<string, unknown>
  return e.peer === node || e.seed === node || e.from === node || e.to === node || e.reporter === node
}

export function matchesFilter(event: SessionEvent, filter: LogFilter, types: ReadonlySet<string>): boolean {
  if (filter.maxSeq !== null && event.seq > filter.maxSeq) return false
  if (types.size > 0 && !types.has(event.type)) return false
  return filter.node === null || eventMentions(event, filter.node)
}

/**
 * Indices (absolute) of the entries that pass a filter, kept up to date incrementally:
 * `update` only looks at entries appended since the last call.
 */
export class FilteredLog {
  readonly indices: number[] = []
  private next = 0
  private readonly types: ReadonlySet<string>

  constructor(
    readonly filter: LogFilter,
    private readonly source: { entries: readonly SessionEvent[]; dropped: number },
  ) {
    this.types = new Set(filter.types)
  }

  /** Returns true when the indices changed. */
  update(): boolean {
    const { entries, dropped } = this.source
    let changed = false
    let firstKept = 0
    while (firstKept < this.indices.length && this.indices[firstKept]! < dropped) firstKept++
    if (firstKept > 0) {
      this.indices.splice(0, firstKept)
      changed = true
    }
    const end = dropped + entries.length
    for (let i = Math.max(this.next, dropped); i < end; i++) {
      if (matchesFilter(entries[i - dropped]!, this.filter, this.types)) {
        this.indices.push(i)
        changed = true
      }
    }
    this.next = end
    return changed
  }

  at(position: number): SessionEvent | undefined {
    const index = this.indices[position]
    return index === undefined ? undefined : this.source.entries[index - this.source.dropped]
  }
}
