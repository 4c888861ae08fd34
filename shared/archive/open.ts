import { unzipSync } from 'fflate'
import { z } from 'zod'
import { SESSION_ID_RE } from '../ipc'
import type { SessionEvent } from '../events'
import { inferCrashes } from '../model/infer-crashes'
import { mergeNodeEvents } from '../model/merge'
import { protocolSettingsSchema } from '../settings'
import { decodeText, formatProblem, parseEventsText, sessionEventsOf, type ImportProblem } from './ndjson'

/**
 * Opens what a user hands the app (drag-and-drop, file dialog, `import`/`report` CLI): a
 * session export (zip), a session's events.ndjson, or one or several node events files
 * (`<role>-<IP>_<PORT>.events.ndjson`, merged into one timeline with clock skew handled
 * by shared/model/merge). Pure: works on bytes, in the renderer and in Node alike.
 * Nothing throws: problems name the file and line, and whatever is readable opens.
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
}

/** Zip archives are at most this large once unpacked (a bomb is refused, not inflated). */
const MAX_UNZIPPED_BYTES = 2 * 1024 ** 3

const base = (path: string): string => path.slice(path.lastIndexOf('/') + 1)
const dirOf = (path: string): string => path.slice(0, path.lastIndexOf('/') + 1)
const isZip = (bytes: Uint8Array): boolean => bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 3 && bytes[3] === 4
const isEventsName = (name: string): boolean => /\.(ndjson|jsonl)$/i.test(name)

/** Entries of a zip worth reading: events files, session.json and config.txt. */
function unzip(file: ArchiveFile, problems: ImportProblem[]): ArchiveFile[] {
  let total = 0
  try {
    const entries = unzipSync(file.bytes, {
      filter: (entry) => {
        const wanted = isEventsName(entry.name) || base(entry.name) === 'session.json' || base(entry.name) === 'config.txt'
        if (!wanted) return false
        total += entry.originalSize
        return total <= MAX_UNZIPPED_BYTES
      },
    })
    if (total > MAX_UNZIPPED_BYTES) problems.push({ file: file.name, line: null, message: 'archive too large once unpacked; only part was read' })
    return Object.entries(entries).map(([name, bytes]) => ({ name: `${file.name}/${name}`, bytes }))
  } catch (error) {
    problems.push({ file: file.name, line: null, message: `not a readable zip archive (${(error as Error).message})` })
    return []
  }
}

export function openFiles(input: readonly ArchiveFile[], name?: string): OpenedSession {
  const problems: ImportProblem[] = []
  const files: ArchiveFile[] = []
  for (const file of input) {
    if (isZip(file.bytes)) files.push(...unzip(file, problems))
    else files.push(file)
  }
  const title = name ?? (input.length === 1 ? base(input[0]!.name) : `${input.length} files`)
  // A session's events.ndjson (the shallowest one) wins; its folder gives session.json and config.txt.
  const sessionFile = files
    .filter((f) => base(f.name) === 'events.ndjson')
    .sort((a, b) => a.name.split('/').length - b.name.split('/').length)[0]
  const folder = sessionFile ? dirOf(sessionFile.name) : ''
  const meta = readMeta(files.find((f) => f.name === `${folder}session.json`) ?? files.find((f) => base(f.name) === 'session.json'), problems)
  const configFile = files.find((f) => f.name === `${folder}config.txt`) ?? files.find((f) => base(f.name) === 'config.txt')
  const config = configFile ? decodeText(configFile.bytes) : null

  const candidates = sessionFile ? [sessionFile] : files.filter((f) => base(f.name) !== 'session.json' && base(f.name) !== 'config.txt')
  if (candidates.length === 0) {
    if (problems.length === 0) problems.push({ file: title, line: null, message: 'no events file found (events.ndjson or *.events.ndjson)' })
    return { kind: 'session', name: title, events: [], meta, config, offsets: null, inferredCrashes: [], problems }
  }
  const parsed = candidates.map((f) => parseEventsText(f.name, decodeText(f.bytes)))
  for (const p of parsed) problems.push(...p.problems)
  const single = parsed.length === 1 ? parsed[0]! : undefined
  if (single && single.sequenced) {
    const session = sessionEventsOf(single)
    problems.push(...session.problems)
    return { kind: 'session', name: meta?.id ?? title, events: session.events, meta, config, offsets: null, inferredCrashes: [], problems }
  }
  const usable = parsed.filter((p) => p.events.length > 0)
  const merged = mergeNodeEvents(usable.map((p) => ({ name: p.file, events: p.events.map((e) => e.event) })))
  if (merged.violations > 0) {
    problems.push({ file: title, line: null, message: `${merged.violations} receipts still precede their send after clock adjustment` })
  }
  // Node files know nothing of kills: a node that fell silent and was then reported dead crashed.
  const inferred = inferCrashes(merged.events)
  return { kind: 'merged', name: title, events: inferred.events, meta, config, offsets: merged.offsets, inferredCrashes: inferred.crashed, problems }
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
