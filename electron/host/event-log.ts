import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import type { SessionEvent } from '../../shared/events'
import { AppendFile, type AppendFs } from '../nodes/append-file'

/**
 * The session's events.ndjson, appended as events arrive. Lines are buffered in memory
 * and written by `flush()` (the intake flushes at least once per batch), so what the UI
 * has seen is always on disk. Writes are synchronous: a batch is small, and an export or
 * a replay that flushes first then reads a consistent file. A full disk never leaves a
 * torn line (AppendFile truncates back), is told at once (`onChange`, then `problem`
 * holds the message the host shows), and recording resumes when space returns; the events
 * lost meanwhile are counted in `lost`.
 */
export class EventLog {
  private file: AppendFile | null
  private pending: string[] = []
  /** What went wrong with the recording (disk full...), or after an outage what was lost; null when all is well. */
  problem: string | null = null
  /** Events that could not be recorded this session. */
  lost = 0

  constructor(
    readonly path: string,
    /** Called when `problem` changes (the host pushes its status). */
    private readonly onChange: () => void = () => undefined,
    fs?: AppendFs,
  ) {
    this.file = new AppendFile(
      path,
      {
        onProblem: (message) => this.changed(`Recording paused: ${message}`),
        onResumed: (_message, lost) => {
          this.lost += lost
          this.changed(`Recording resumed after a write failure; ${this.lost} events could not be recorded, so this session's file is incomplete`)
        },
      },
      fs,
    )
  }

  append(event: SessionEvent): void {
    if (this.file !== null) this.pending.push(JSON.stringify(event))
  }

  flush(): void {
    if (this.file === null || this.pending.length === 0) return
    const text = `${this.pending.join('\n')}\n`
    const lines = this.pending.length
    this.pending = []
    this.file.write(text, lines)
  }

  close(): void {
    this.flush()
    this.file?.close()
    this.file = null
  }

  /** Recorded events with fromSeq < seq < toSeq, read back from the file (our own lines). */
  async read(fromSeq: number, toSeq: number): Promise<SessionEvent[]> {
    this.flush()
    const events: SessionEvent[] = []
    const lines = createInterface({ input: createReadStream(this.path, 'utf8'), crlfDelay: Infinity })
    // Line n holds seq n, unless a write failure dropped lines: then each line's seq is read.
    const exact = this.lost === 0 && this.problem === null
    let lineSeq = 0
    for await (const line of lines) {
      lineSeq++
      if (line === '') continue
      if (exact) {
        // Skip the JSON work outside the range.
        if (lineSeq <= fromSeq) continue
        if (lineSeq >= toSeq) break
        events.push(JSON.parse(line) as SessionEvent)
        continue
      }
      const event = JSON.parse(line) as SessionEvent
      if (event.seq >= toSeq) break
      if (event.seq > fromSeq) events.push(event)
    }
    lines.close()
    return events
  }

  private changed(problem: string): void {
    this.problem = problem
    this.onChange()
  }
}
