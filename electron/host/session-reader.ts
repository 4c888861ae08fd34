import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { parseEvent, MAX_EVENT_LINE, type SessionEvent } from '../../shared/events'
import { SESSION_CHUNK_EVENTS, type Result, type SessionChunk, type SessionCursor, type SessionSummary } from '../../shared/ipc'
import { EVENTS_FILE, SESSION_FILE, sessionMetaSchema, type SessionMeta } from './session-files'

/**
 * Reads recorded sessions back. Session files come from disk, so every line is validated
 * here (they may be truncated by a crash, edited, or copied from elsewhere): bad lines are
 * skipped and reported by line number, the readable part is returned.
 */

/** At most this many bad-line warnings are listed; the rest are counted. */
const MAX_WARNINGS = 20

export async function readSessionMeta(dir: string): Promise<SessionMeta | null> {
  try {
    const parsed = sessionMetaSchema.safeParse(JSON.parse(await readFile(join(dir, SESSION_FILE), 'utf8')))
    return parsed.success ? parsed.data : null
  } catch {
    return null
  }
}

/** Sessions under `sessionsDir`, newest first. Folders without a valid session.json are not sessions. */
export async function listSessions(sessionsDir: string): Promise<SessionSummary[]> {
  let names: string[]
  try {
    names = (await readdir(sessionsDir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name)
  } catch {
    return []
  }
  const summaries: SessionSummary[] = []
  for (const name of names) {
    const meta = await readSessionMeta(join(sessionsDir, name))
    if (!meta || meta.id !== name) continue
    const counts = await countEvents(join(sessionsDir, name, EVENTS_FILE))
    summaries.push({ id: meta.id, startedAt: meta.startedAt, events: counts.events, nodes: counts.nodes })
  }
  return summaries.sort((a, b) => b.startedAt - a.startedAt)
}

/** Lines and spawned nodes, counted without parsing (a listing must stay cheap). */
async function countEvents(path: string): Promise<{ events: number; nodes: number }> {
  let events = 0
  let nodes = 0
  try {
    for await (const line of createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity })) {
      if (line.trim() === '') continue
      events++
      if (line.includes('"type":"host.spawned"')) nodes++
    }
  } catch {
    // Missing or unreadable file: a session with no events.
  }
  return { events, nodes }
}

/**
 * One chunk of a session's events.ndjson: at most `maxEvents` valid events from the line
 * at `from` (the start when omitted), in seq order, and the cursor of the next chunk (null
 * at the end of the file). Reads only from `from.byte` on, so a 5-million-event session is
 * read once in all, never held whole. Bad lines are skipped and named in warnings.
 */
export async function loadSessionChunk(dir: string, from: SessionCursor | undefined, maxEvents = SESSION_CHUNK_EVENTS): Promise<Result<SessionChunk>> {
  const path = join(dir, EVENTS_FILE)
  const events: SessionEvent[] = []
  const warnings: string[] = []
  let bad = 0
  let lineNo = from?.line ?? 0
  let lastSeq = from?.seq ?? 0
  let byte = from?.byte ?? 0
  let bytes: number
  let next: SessionCursor | null = null
  const warn = (message: string): void => {
    bad++
    if (warnings.length < MAX_WARNINGS) warnings.push(`${EVENTS_FILE}:${lineNo}: ${message}`)
  }
  try {
    bytes = (await stat(path)).size
    if (byte < bytes) {
      // Lines are `\n`-terminated (the recorder writes whole lines); the offset counts UTF-8 bytes.
      for await (const line of createInterface({ input: createReadStream(path, { encoding: 'utf8', start: byte }), crlfDelay: Infinity })) {
        if (events.length >= maxEvents) {
          next = { byte, line: lineNo, seq: lastSeq }
          break
        }
        lineNo++
        byte += Buffer.byteLength(line) + 1
        if (line.trim() === '') continue
        const event = parseSessionLine(line)
        if (typeof event === 'string') warn(event)
        else if (event.seq <= lastSeq) warn(`seq ${event.seq} is not after ${lastSeq}`)
        else {
          events.push(event)
          lastSeq = event.seq
        }
      }
    }
  } catch (error) {
    return { ok: false, error: `cannot read ${path}: ${(error as Error).message}` }
  }
  if (bad > warnings.length) warnings.push(`${bad - warnings.length} more bad lines`)
  const value: SessionChunk = { events, next, bytes, read: Math.min(byte, bytes) }
  return warnings.length > 0 ? { ok: true, value, warnings } : { ok: true, value }
}

/** One recorded line: an event plus its positive integer `seq`; a string says what is wrong. */
export function parseSessionLine(line: string): SessionEvent | string {
  if (line.length > MAX_EVENT_LINE) return `line longer than ${MAX_EVENT_LINE} characters`
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    return 'not JSON'
  }
  const seq = (value as { seq?: unknown } | null)?.seq
  if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 1) return 'missing or invalid seq'
  const parsed = parseEvent(value)
  return parsed.ok ? { ...parsed.event, seq } : parsed.reason
}
