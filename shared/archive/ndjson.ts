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

export function parseEventsText(file: string, text: string, maxEvents = MAX_IMPORT_EVENTS): ParsedEventsFile {
  const result: ParsedEventsFile = { file, events: [], sequenced: false, problems: [], badLines: 0, stopped: false }
  if (!looksLikeNdjson(text)) {
    result.problems.push({ file, line: null, message: 'not a Gossipscope events file (expected one JSON event per line)' })
    return result
  }
  const problem = (line: number, message: string): void => {
    result.badLines++
    if (result.problems.length < MAX_PROBLEMS_PER_FILE) result.problems.push({ file, line, message })
  }
  const endsWithNewline = text.endsWith('\n')
  let withSeq = 0
  let start = 0
  // Line by line without splitting the whole text: a hostile file stops early.
  for (let lineNo = 1; start < text.length; lineNo++) {
    let end = text.indexOf('\n', start)
    if (end === -1) end = text.length
    const raw = text.slice(start, end)
    const last = end === text.length && !endsWithNewline
    start = end + 1
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (line.trim() === '') continue
    if (result.events.length >= maxEvents) {
      result.stopped = true
      result.problems.push({ file, line: lineNo, message: `more than ${maxEvents.toLocaleString('en')} events: the rest of the file was not read` })
      break
    }
    if (result.events.length === 0 && result.badLines >= MAX_LEADING_BAD_LINES) {
      result.stopped = true
      result.problems.push({ file, line: lineNo, message: `no valid event in the first ${MAX_LEADING_BAD_LINES.toLocaleString('en')} lines: the rest of the file was not read` })
      break
    }
    if (line.length > MAX_EVENT_LINE) {
      problem(lineNo, `line longer than ${MAX_EVENT_LINE} characters`)
      continue
    }
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch {
      problem(lineNo, last ? 'truncated: the file ends in the middle of this line' : 'not JSON')
      continue
    }
    const parsed = parseEvent(value)
    if (!parsed.ok) {
      problem(lineNo, `not a valid event: ${parsed.reason}`)
      continue
    }
    const seq = (value as { seq?: unknown }).seq
    const sessionSeq = typeof seq === 'number' && Number.isInteger(seq) && seq >= 1 ? seq : null
    if (sessionSeq !== null) withSeq++
    result.events.push({ event: parsed.event, seq: sessionSeq })
  }
  // A node's own events file has no seq; a recorded session's lines all have one.
  result.sequenced = withSeq > 0 && withSeq >= result.events.length / 2
  if (result.badLines > result.problems.length) {
    result.problems.push({ file, line: null, message: `${result.badLines - result.problems.length} more unreadable lines` })
  }
  return result
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
