import { Gunzip, unzipSync } from 'fflate'
import { z } from 'zod'
import { groupSkipped } from './skipped'
import { SESSION_ID_RE } from '../ipc'
import type { SessionEvent } from '../events'
import { inferCrashes } from '../model/infer-crashes'
import { mergeNodeEvents } from '../model/merge'
import { protocolSettingsSchema } from '../settings'
import { decodeText, formatProblem, parseEventsBytes, sessionEventsOf, type ImportProblem, type ParseProgress } from './ndjson'

/**
 * Opens what a user hands the app (drag-and-drop, file dialog, `import`/`report` CLI): a
 * session export (zip), a session's events.ndjson, or one or several node events files
 * (`<role>-<IP>_<PORT>.events.ndjson`, merged into one timeline with clock skew handled
 * by shared/model/merge). Events files may be gzipped (`.ndjson.gz`, as log rotation
 * leaves them). Pure: works on bytes, in the renderer and in Node alike. Nothing throws:
 * problems name the file and line, every file handed in but not read is listed in
 * `skipped` with why, and whatever is readable opens; `incomplete` says events were lost.
 */

export interface ArchiveFile {
  /** Name or path (`a/b/events.ndjson` inside an archive or folder). */
  name: string
  bytes: Uint8Array
}

/** session.json of a session folder (written by electron/host/session-files.ts). */
export const sessionMetaSchema = z.object({
  version: z.literal(1),
  id: z.string().regex(SESSION_ID_RE),
  /** ms since epoch */
  startedAt: z.number().min(0),
  settings: protocolSettingsSchema,
  seeds: z.array(z.string()),
})
export type SessionMeta = z.infer<typeof sessionMetaSchema>

export interface OpenedSession {
  /** 'session': one recorded events.ndjson; 'merged': node events files merged. */
  kind: 'session' | 'merged'
  /** What was opened, for titles (file name or session id). */
  name: string
  events: SessionEvent[]
  meta: SessionMeta | null
  config: string | null
  /** Merged files: node id -> ms added to its clock. */
  offsets: Map<string, number> | null
  /** Merged files: nodes found crashed (silent, then reported dead); see inferCrashes. */
  inferredCrashes: string[]
  problems: ImportProblem[]
  /** Every file handed in (or inside a zip) that was not read, with why. */
  skipped: SkippedFile[]
  /**
   * True when events may be missing: an events file could not be read (a broken gzip or
   * zip, over the size limit, not events) or lines of one were unreadable. Every view of
   * the figures says so.
   */
  incomplete: boolean
}

export interface SkippedFile {
  file: string
  why: string
  /** The file could have held events (so the import is incomplete without it). */
  events: boolean
}

/**
 * Zip archives and gzipped files are at most this large once unpacked (a bomb is refused,
 * not inflated). 512 MiB: past it a browser cannot hold the text as one string.
 */
export const MAX_UNPACKED_BYTES = 512 * 1024 ** 2

const base = (path: string): string => path.slice(path.lastIndexOf('/') + 1)
const dirOf = (path: string): string => path.slice(0, path.lastIndexOf('/') + 1)
const isZip = (bytes: Uint8Array): boolean => bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 3 && bytes[3] === 4
const isGzip = (bytes: Uint8Array): boolean => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b
/** Names of files that can hold events: `*.ndjson`, `*.jsonl`, and the same gzipped. */
export const EVENTS_NAME = /\.(ndjson|jsonl)(\.gz)?$/i
const isEventsName = (name: string): boolean => EVENTS_NAME.test(name)
const isWanted = (name: string): boolean => isEventsName(name) || base(name) === 'session.json' || base(name) === 'config.txt'
const NOT_WANTED = 'not an events, session.json or config.txt file'

/** Entries of a zip worth reading: events files (gzipped or not), session.json and config.txt. */
function unzip(file: ArchiveFile, skipped: SkippedFile[], limit: number): ArchiveFile[] {
  let total = 0
  try {
    const entries = unzipSync(file.bytes, {
      filter: (entry) => {
        const name = `${file.name}/${entry.name}`
        if (entry.name.endsWith('/')) return false
        if (!isWanted(entry.name)) {
          skipped.push({ file: name, why: NOT_WANTED, events: false })
          return false
        }
        total += entry.originalSize
        if (total <= limit) return true
        skipped.push({ file: name, why: `over the ${limit / 1024 ** 2} MiB unpacked limit of one import`, events: isEventsName(entry.name) })
        return false
      },
    })
    return Object.entries(entries).map(([name, bytes]) => ({ name: `${file.name}/${name}`, bytes }))
  } catch (error) {
    skipped.push({ file: file.name, why: `not a readable zip archive (${(error as Error).message})`, events: true })
    return []
  }
}

/**
 * A gzipped file's contents, or why not. Inflated as a stream that stops as soon as the
 * output passes `budget` bytes, so a gzip bomb is refused without being held.
 */
function gunzip(file: ArchiveFile, budget: number, limit: number): { ok: true; file: ArchiveFile } | { ok: false; why: string } {
  const tooBig = `over the ${limit / 1024 ** 2} MiB unpacked limit of one import`
  const chunks: Uint8Array[] = []
  let total = 0
  let over = false
  const inflate = new Gunzip((chunk) => {
    total += chunk.length
    if (total > budget) over = true
    else chunks.push(chunk)
  })
  try {
    // Fed in slices so that a bomb stops early.
    for (let i = 0; i < file.bytes.length && !over; i += 64 * 1024) {
      inflate.push(file.bytes.subarray(i, i + 64 * 1024), i + 64 * 1024 >= file.bytes.length)
    }
  } catch (error) {
    return { ok: false, why: `not a readable gzip file (${(error as Error).message})` }
  }
  if (over) return { ok: false, why: tooBig }
  if (total === 0 && file.bytes.length > 0 && chunks.length === 0) {
    // fflate reports a cut stream by producing nothing more; a valid empty file has a trailer.
    if (file.bytes.length < 20) return { ok: false, why: 'not a readable gzip file (unexpected end of file)' }
  }
  const bytes = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.length
  }
  return { ok: true, file: { name: file.name.replace(/\.gz$/i, ''), bytes } }
}

export interface OpenOptions {
  /** What zip entries and gzipped files may unpack to in all (MAX_UNPACKED_BYTES; smaller in tests). */
  maxUnpackedBytes?: number
  /** Called as events files are parsed (after every MiB), for a progress bar. */
  onProgress?: (progress: ParseProgress) => void
}

export function openFiles(input: readonly ArchiveFile[], name?: string, options: OpenOptions = {}): OpenedSession {
  const maxUnpackedBytes = options.maxUnpackedBytes ?? MAX_UNPACKED_BYTES
  const problems: ImportProblem[] = []
  const skipped: SkippedFile[] = []
  const files: ArchiveFile[] = []
  let unpacked = 0
  for (const file of input) {
    if (isZip(file.bytes)) {
      for (const entry of unzip(file, skipped, maxUnpackedBytes)) files.push(entry)
      continue
    }
    if (!isGzip(file.bytes)) {
      files.push(file)
      continue
    }
    const opened = gunzip(file, maxUnpackedBytes - unpacked, maxUnpackedBytes)
    if (!opened.ok) skipped.push({ file: file.name, why: opened.why, events: true })
    else if (isZip(opened.file.bytes)) for (const entry of unzip(opened.file, skipped, maxUnpackedBytes)) files.push(entry)
    else {
      unpacked += opened.file.bytes.length
      files.push(opened.file)
    }
  }
  // gzipped entries of a zip
  for (let i = 0; i < files.length; i++) {
    const file = files[i]!
    if (!isGzip(file.bytes)) continue
    const opened = gunzip(file, maxUnpackedBytes - unpacked, maxUnpackedBytes)
    if (opened.ok) {
      unpacked += opened.file.bytes.length
      files[i] = opened.file
    } else {
      skipped.push({ file: file.name, why: opened.why, events: true })
      files.splice(i--, 1)
    }
  }
  const title = name ?? (input.length === 1 ? base(input[0]!.name) : `${input.length} files`)
  // A session's events.ndjson (the shallowest one) wins; its folder gives session.json and config.txt.
  const sessionFile = files
    .filter((f) => base(f.name) === 'events.ndjson')
    .sort((a, b) => a.name.split('/').length - b.name.split('/').length)[0]
  const folder = sessionFile ? dirOf(sessionFile.name) : ''
  const metaFile = files.find((f) => f.name === `${folder}session.json`) ?? files.find((f) => base(f.name) === 'session.json')
  const meta = readMeta(metaFile, problems)
  const configFile = files.find((f) => f.name === `${folder}config.txt`) ?? files.find((f) => base(f.name) === 'config.txt')
  const config = configFile ? decodeText(configFile.bytes) : null
  const done = (session: Omit<OpenedSession, 'problems' | 'skipped' | 'incomplete'>, linesLost: boolean): OpenedSession => ({
    ...session,
    problems,
    skipped,
    incomplete: linesLost || skipped.some((s) => s.events),
  })

  const isSetup = (f: ArchiveFile): boolean => base(f.name) === 'session.json' || base(f.name) === 'config.txt'
  const candidates = sessionFile ? [sessionFile] : files.filter((f) => !isSetup(f))
  for (const f of files) {
    if (candidates.includes(f) || f === metaFile || f === configFile) continue
    const why = sessionFile && isEventsName(f.name) ? `${sessionFile.name} already holds the session's events` : 'another session.json or config.txt'
    skipped.push({ file: f.name, why, events: false })
  }
  if (candidates.length === 0) {
    if (problems.length === 0 && skipped.length === 0) problems.push({ file: title, line: null, message: 'no events file found (events.ndjson or *.events.ndjson)' })
    return done({ kind: 'session', name: title, events: [], meta, config, offsets: null, inferredCrashes: [] }, false)
  }
  const parsed = candidates.map((f) => parseEventsBytes(f.name, f.bytes, undefined, options.onProgress))
  for (const p of parsed) for (const problem of p.problems) problems.push(problem)
  const linesLost = parsed.some((p) => p.badLines > 0 || p.stopped || (p.events.length === 0 && p.problems.length > 0))
  const single = parsed.length === 1 ? parsed[0]! : undefined
  if (single && single.sequenced) {
    const session = sessionEventsOf(single)
    for (const problem of session.problems) problems.push(problem)
    return done({ kind: 'session', name: meta?.id ?? title, events: session.events, meta, config, offsets: null, inferredCrashes: [] }, linesLost || session.problems.length > 0)
  }
  const usable = parsed.filter((p) => p.events.length > 0)
  const merged = mergeNodeEvents(usable.map((p) => ({ name: p.file, events: p.events.map((e) => e.event) })))
  if (merged.violations > 0) {
    problems.push({ file: title, line: null, message: `${merged.violations} receipts still precede their send after clock adjustment` })
  }
  // Node files know nothing of kills: a node that fell silent and was then reported dead crashed.
  const inferred = inferCrashes(merged.events)
  return done({ kind: 'merged', name: title, events: inferred.events, meta, config, offsets: merged.offsets, inferredCrashes: inferred.crashed }, linesLost)
}

/** One line per file not read, for stderr or a notice: `file: not read (why)`. */
export function describeSkipped(skipped: readonly SkippedFile[]): string {
  return groupSkipped(skipped)
    .map((g) => (g.files.length === 1 ? `${g.files[0]}: not read (${g.why})` : `${g.files.length} files not read (${g.why}): ${g.files.join(', ')}`))
    .join('\n')
}


function readMeta(file: ArchiveFile | undefined, problems: ImportProblem[]): SessionMeta | null {
  if (!file) return null
  let value: unknown
  try {
    value = JSON.parse(decodeText(file.bytes))
  } catch {
    problems.push({ file: file.name, line: null, message: 'not JSON; session settings unknown' })
    return null
  }
  const meta = sessionMetaSchema.safeParse(value)
  if (meta.success) return meta.data
  const issue = meta.error.issues[0]
  problems.push({ file: file.name, line: null, message: `not a session.json (${issue?.message ?? 'invalid'} at ${issue?.path.join('.') ?? ''})` })
  return null
}

/** One line per problem, for a message box or stderr. */
export function describeProblems(problems: readonly ImportProblem[]): string {
  return problems.map(formatProblem).join('\n')
}
