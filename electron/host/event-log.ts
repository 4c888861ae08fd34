import { closeSync, createReadStream, openSync, writeSync } from 'node:fs'
import { createInterface } from 'node:readline'
import type { SessionEvent } from '../../shared/events'

/**
 * The session's events.ndjson, appended as events arrive. Lines are buffered in memory
 * and written by `flush()` (the intake flushes at least once per batch), so what the UI
 * has seen is always on disk. Writes are synchronous: a batch is small, and an export or
 * a replay that flushes first then reads a consistent file.
 */
export class EventLog {
  private fd: number | null
  private pending: string[] = []
  /** First write error, if any; recording stops there but the session goes on. */
  error: Error | null = null

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a')
  }

  append(event: SessionEvent): void {
    if (this.fd !== null) this.pending.push(JSON.stringify(event))
  }

  flush(): void {
    if (this.fd === null || this.pending.length === 0) return
    const text = `${this.pending.join('\n')}\n`
    this.pending = []
    try {
      writeSync(this.fd, text)
    } catch (error) {
      this.fail(error as Error)
    }
  }

  close(): void {
    this.flush()
    if (this.fd !== null) closeSync(this.fd)
    this.fd = null
  }

  /** Recorded events with fromSeq < seq < toSeq, read back from the file (our own lines). */
  async read(fromSeq: number, toSeq: number): Promise<SessionEvent[]> {
    this.flush()
    const events: SessionEvent[] = []
    const lines = createInterface({ input: createReadStream(this.path, 'utf8'), crlfDelay: Infinity })
    let lineSeq = 0
    for await (const line of lines) {
      // Line n holds seq n: skip the JSON work outside the range.
      lineSeq++
      if (lineSeq <= fromSeq || line === '') continue
      if (lineSeq >= toSeq) break
      events.push(JSON.parse(line) as SessionEvent)
    }
    lines.close()
    return events
  }

  private fail(error: Error): void {
    this.error ??= error
    if (this.fd !== null) closeSync(this.fd)
    this.fd = null
    this.pending = []
  }
}
