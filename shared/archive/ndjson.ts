import { parseEvent, MAX_EVENT_LINE, type AnyEvent, type SessionEvent } from '../events'

/**
 * Parsing of events files from outside (imported archives, dropped files, node log
 * directories). Never throws: every line that cannot be used becomes a problem naming the
 * file and the line, and the readable lines are kept.
 */

export interface ImportProblem {
  /** File name (path inside an archive). */
  file: string
  /** 1-based line number; null for whole-file problems. */
  line: number | null
  message: string
}

export interface ParsedEventsFile {
  file: string
  /** Valid events in file order; `seq` set when the file is a recorded session (else null). */
  events: Array<{ event: AnyEvent; seq: number | null }>
  /** True when most valid lines carry a session `seq` (a session events.ndjson). */
  sequenced: boolean
  problems: ImportProblem[]
  /** Lines that were not events (for the per-file problem cap). */
  badLines: number
  /** Reading stopped before the end (too many events, or nothing valid at its start). */
  stopped: boolean
}

/** At most this many problems are listed per file; the rest are counted in one more. */
export const MAX_PROBLEMS_PER_FILE = 20

const decoder = new TextDecoder('utf-8')

export function decodeText(bytes: Uint8Array): string {
  return decoder.decode(bytes)
}

/** Looks like text of JSON lines: no NUL bytes and the first non-blank character is `{`. */
export function looksLikeNdjson(text: string): boolean {
  const head = text.slice(0, 4096)
  if (head.includes('\u0000')) return false
  const first = head.trimStart()[0]
  return first === undefined || first === '{'
}

/**
 * Most events read from one file (about 600 MB of heap once parsed); the rest of a longer
 * file is not read, said in a problem, and the import is flagged incomplete.
 */
export const MAX_IMPORT_EVENTS = 5_000_000
/** A file whose first this-many non-blank lines hold no valid event is not read further. */
export const MAX_LEADING_BAD_LINES = 10_000
/**
 * Past MAX_LEADING_BAD_LINES unreadable lines, a file with more than this many unreadable
 * lines per valid event is not read further either (a few valid lines in front of millions
 * of junk ones must not make the guard above moot).
 */
export const MAX_BAD_LINES_PER_EVENT = 10

/** Progress of reading one events file: bytes of it parsed, lines seen, events kept. */
export interface ParseProgress {
  file: string
  bytes: number
  totalBytes: number
  lines: number
  events: number
}

/** Bytes decoded per step of `parseEventsBytes` (and between two progress reports). */
const CHUNK_BYTES = 1024 * 1024

/**
 * The line-by-line reading shared by `parseEventsText` and `parseEventsBytes`: `line`
 * takes one line (without its end), returns false when reading must stop.
 */
class EventsFileReader {
  readonly result: ParsedEventsFile
  lineNo = 0
  private withSeq = 0

  constructor(
    readonly file: string,
    private readonly maxEvents: number,
  ) {
    this.result = { file, events: [], sequenced: false, problems: [], badLines: 0, stopped: false }
  }

  /** Not JSON lines at all (checked on the first 4,096 characters): one problem, nothing read. */
  refuseUnlessNdjson(head: string): boolean {
    if (looksLikeNdjson(head)) return false
    this.result.problems.push({ file: this.file, line: null, message: 'not a Gossipscope events file (expected one JSON event per line)' })
    return true
  }

  private problem(message: string): void {
    this.result.badLines++
    if (this.result.problems.length < MAX_PROBLEMS_PER_FILE) this.result.problems.push({ file: this.file, line: this.lineNo, message })
  }

  /** One line; `last`: the file ends in it without a newline. `tooLong`: cut off, longer than MAX_EVENT_LINE. */
  line(raw: string, last: boolean, tooLong = false): boolean {
    this.lineNo++
    const result = this.result
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (!tooLong && line.trim() === '') return true
    if (result.events.length >= this.maxEvents) {
      result.stopped = true
      result.problems.push({ file: this.file, line: this.lineNo, message: `more than ${this.maxEvents.toLocaleString('en')} events: the rest of the file was not read` })
      return false
    }
    if (result.badLines >= MAX_LEADING_BAD_LINES && result.badLines > MAX_BAD_LINES_PER_EVENT * result.events.length) {
      result.stopped = true
      const message =
        result.events.length === 0
          ? `no valid event in the first ${MAX_LEADING_BAD_LINES.toLocaleString('en')} lines: the rest of the file was not read`
          : `${result.badLines.toLocaleString('en')} unreadable lines against ${result.events.length.toLocaleString('en')} events (over ${MAX_BAD_LINES_PER_EVENT} per event): the rest of the file was not read`
      result.problems.push({ file: this.file, line: this.lineNo, message })
      return false
    }
    if (tooLong || line.length > MAX_EVENT_LINE) {
      this.problem(`line longer than ${MAX_EVENT_LINE} characters`)
      return true
    }
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch {
      this.problem(last ? 'truncated: the file ends in the middle of this line' : 'not JSON')
      return true
    }
    const parsed = parseEvent(value)
    if (!parsed.ok) {
      this.problem(`not a valid event: ${parsed.reason}`)
      return true
    }
    const seq = (value as { seq?: unknown }).seq
    const sessionSeq = typeof seq === 'number' && Number.isInteger(seq) && seq >= 1 ? seq : null
    if (sessionSeq !== null) this.withSeq++
    result.events.push({ event: parsed.event, seq: sessionSeq })
    return true
  }

  finish(): ParsedEventsFile {
    const result = this.result
    // A node's own events file has no seq; a recorded session's lines all have one.
    result.sequenced = this.withSeq > 0 && this.withSeq >= result.events.length / 2
    if (result.badLines > result.problems.length) {
      result.problems.push({ file: this.file, line: null, message: `${result.badLines - result.problems.length} more unreadable lines` })
    }
    return result
  }
}

export function parseEventsText(file: string, text: string, maxEvents = MAX_IMPORT_EVENTS): ParsedEventsFile {
  const reader = new EventsFileReader(file, maxEvents)
  if (reader.refuseUnlessNdjson(text.slice(0, 4096))) return reader.result
  const endsWithNewline = text.endsWith('\n')
  let start = 0
  // Line by line without splitting the whole text: a hostile file stops early.
  while (start < text.length) {
    let end = text.indexOf('\n', start)
    if (end === -1) end = text.length
    const last = end === text.length && !endsWithNewline
    if (!reader.line(text.slice(start, end), last)) break
    start = end + 1
  }
  return reader.finish()
}

/**
 * `parseEventsText` on the file's bytes (UTF-8), decoded 1 MiB at a time: the file is
 * never one string, so its size is not bounded by the longest string a JavaScript engine
 * holds (2^29 - 24 characters in V8, where a 512 MiB TextDecoder result silently comes
 * back empty). A line longer than MAX_EVENT_LINE is skipped as it streams by.
 * `onProgress` is called after every chunk.
 */
export function parseEventsBytes(
  file: string,
  bytes: Uint8Array,
  maxEvents = MAX_IMPORT_EVENTS,
  onProgress?: (progress: ParseProgress) => void,
): ParsedEventsFile {
  const reader = new EventsFileReader(file, maxEvents)
  const streamDecoder = new TextDecoder('utf-8')
  let pending = ''
  let longLine = false
  let checked = false
  for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES) {
    const end = Math.min(bytes.length, offset + CHUNK_BYTES)
    const text = pending + streamDecoder.decode(bytes.subarray(offset, end), { stream: end < bytes.length })
    if (!checked) {
      checked = true
      if (reader.refuseUnlessNdjson(text.slice(0, 4096))) return reader.result
    }
    let start = 0
    for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', start)) {
      const more = reader.line(longLine ? '' : text.slice(start, newline), false, longLine)
      longLine = false
      start = newline + 1
      if (!more) return reader.finish()
    }
    pending = text.slice(start)
    if (pending.length > MAX_EVENT_LINE + 1) {
      longLine = true
      pending = ''
    }
    onProgress?.({ file, bytes: end, totalBytes: bytes.length, lines: reader.lineNo, events: reader.result.events.length })
  }
  if (longLine) reader.line('', true, true)
  else if (pending !== '') reader.line(pending, true)
  return reader.finish()
}

/**
 * The events of a recorded session file, in seq order. Lines without a seq or whose seq
 * is not after the previous one are reported and left out.
 */
export function sessionEventsOf(parsed: ParsedEventsFile): { events: SessionEvent[]; problems: ImportProblem[] } {
  const events: SessionEvent[] = []
  const problems: ImportProblem[] = []
  let last = 0
  let skipped = 0
  for (const { event, seq } of parsed.events) {
    if (seq === null || seq <= last) {
      skipped++
      continue
    }
    events.push({ ...event, seq })
    last = seq
  }
  if (skipped > 0) {
    problems.push({ file: parsed.file, line: null, message: `${skipped} events without a seq after the previous one were left out` })
  }
  return { events, problems }
}

export function formatProblem(p: ImportProblem): string {
  return p.line === null ? `${p.file}: ${p.message}` : `${p.file}:${p.line}: ${p.message}`
}
