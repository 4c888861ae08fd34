import { readdir, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { analyzeSession } from '../../shared/analysis/analyze'
import { renderSummary } from '../../shared/analysis/summary'
import { MAX_PROBLEMS_PER_FILE } from '../../shared/archive/ndjson'
import { MAX_EVENT_LINE, parseEvent, type SessionEvent } from '../../shared/events'
import type { ExportRequest, ExportResult } from '../../shared/ipc'
import { sessionPlots } from '../../shared/plots/session-plots'
import { scenarioFileText, scenarioFromSession } from '../../shared/scenario/record'
import { completeLength, folderSink, readChunks, readLineBatches, zipSink, CHUNK_BYTES, type ChunkWriter, type ExportSink } from './export-stream'

/**
 * Session export: a zip (or a folder) holding
 *   events.ndjson      the session's events, filtered by time range and node set, seq renumbered 1..n
 *   session.json       as recorded; config.txt as recorded
 *   logs/<IP>_<PORT>/  every selected node's files as the node wrote them (lines of other
 *                      nodes dropped by their `[IP:PORT]` tag only when a node filter is given)
 *   summary.md         the analysis report, with plots/<name>.svg next to it
 *   scenario.json      a scenario reproducing the recorded actions (docs/scenarios.md), when
 *                      the session recorded its start
 *   export.json        what was exported: the request, counts, problems
 * A running session is exported consistently: every file is read up to its last complete
 * line at the moment it is opened, so a half-written line never lands in the archive.
 *
 * Streaming (export-stream.ts): files are read in chunks of 256 KiB (the events file line
 * by line) and written into the archive as they are read, so memory does not grow with the
 * session's size; the analysis (summary.md, plots) holds at most `analysisMaxEvents`
 * exported events (ANALYSIS_MAX_EVENTS, the replay's bound in the app), and says so in
 * summary.md and export.json when the export has more.
 */

/** Most exported events the summary and plots are computed from (the first ones, in seq order). */
export const ANALYSIS_MAX_EVENTS = 1_000_000

export interface ExportOptions {
  /** Bound of the analysis (default ANALYSIS_MAX_EVENTS). */
  analysisMaxEvents?: number
  /** Aborts the export: it rejects and leaves nothing at the output path. */
  signal?: AbortSignal
}

/** `127.0.0.5_7001` -> `127.0.0.5:7001`. */
export function nodeIdOfLogDir(name: string): string {
  const i = name.lastIndexOf('_')
  return i < 0 ? name : `${name.slice(0, i)}:${name.slice(i + 1)}`
}

const LOG_TAG = /\[(\d{1,3}(?:\.\d{1,3}){3}:\d{1,5})\]/

/** Is a log line kept under a node filter? Lines tagged `[IP:PORT]` by their tag; untagged ones kept. */
function keepLogLine(line: string, nodes: ReadonlySet<string>): boolean {
  const match = LOG_TAG.exec(line)
  return match === null ? line.trim() === '' || !line.includes('[') : nodes.has(match[1]!)
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  let entries
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch {
    return []
  }
  const out: string[] = []
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.isDirectory()) out.push(...(await listFiles(join(dir, e.name), `${prefix}${e.name}/`)))
    else if (e.isFile()) out.push(`${prefix}${e.name}`)
  }
  return out
}

const encoder = new TextEncoder()

/** Collects text and writes it in chunks of about CHUNK_BYTES. */
class TextChunker {
  private parts: string[] = []
  private size = 0
  constructor(private readonly write: ChunkWriter) {}
  async add(text: string): Promise<void> {
    this.parts.push(text)
    this.size += text.length
    if (this.size >= CHUNK_BYTES) await this.flush()
  }
  async flush(): Promise<void> {
    if (this.size === 0) return
    const bytes = encoder.encode(this.parts.join(''))
    this.parts = []
    this.size = 0
    await this.write(bytes)
  }
}

/** Events that "Save as scenario" reads (scenarioFromSession): the rest is not needed for it. */
const SCENARIO_TYPES = new Set(['host.action', 'host.spawned', 'node.started'])

/** What reading the events file found, besides the events it wrote. */
interface EventsPass {
  exported: number
  recorded: number
  /** The first exported events, for the analysis (at most the bound). */
  analysed: SessionEvent[]
  /** Recorded events scenarioFromSession needs, in seq order, plus the latest event after the last start. */
  forScenario: SessionEvent[]
  problems: string[]
}

/**
 * Reads events.ndjson line by line, validates each line as the import does (a line that is
 * not an event, or whose seq is not after the previous one, is left out and counted), keeps
 * the requested ones with seq renumbered 1..n, and writes them as it goes.
 */
async function passEvents(path: string, request: ExportRequest, write: ChunkWriter, analysisMax: number, signal?: AbortSignal): Promise<EventsPass> {
  const nodes = request.nodes ? new Set(request.nodes) : null
  const from = request.fromT ?? -Infinity
  const to = request.toT ?? Infinity
  const file = 'events.ndjson'
  const result: EventsPass = { exported: 0, recorded: 0, analysed: [], forScenario: [], problems: [] }
  const out = new TextChunker(write)
  let badLines = 0
  let unordered = 0
  let lastSeq = 0
  let lineNo = 0
  let latest: SessionEvent | null = null
  for await (const lines of readLineBatches(path, await completeLength(path))) {
    signal?.throwIfAborted()
    for (const raw of lines) {
      lineNo++
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
      if (line.trim() === '') continue
      let value: unknown = undefined
      let reason = `line longer than ${MAX_EVENT_LINE} characters`
      if (line.length <= MAX_EVENT_LINE) {
        try {
          value = JSON.parse(line)
        } catch {
          reason = 'not JSON'
        }
      }
      const parsed = value === undefined ? ({ ok: false, reason } as const) : parseEvent(value)
      if (!parsed.ok) {
        if (badLines++ < MAX_PROBLEMS_PER_FILE) result.problems.push(`${file}:${lineNo}: ${value === undefined ? parsed.reason : `not a valid event: ${parsed.reason}`}`)
        continue
      }
      // The schema keeps event fields only; the session's seq is read from the line itself.
      const seq = (value as { seq?: unknown }).seq
      if (typeof seq !== 'number' || !Number.isInteger(seq) || seq <= lastSeq) {
        unordered++
        continue
      }
      lastSeq = seq
      const event = { ...parsed.event, seq } as SessionEvent
      result.recorded++
      if (event.type === 'host.action' && event.action === 'start') latest = null
      if (latest === null || event.t > latest.t) latest = event
      if (SCENARIO_TYPES.has(event.type)) result.forScenario.push(event)
      if (event.t < from || event.t > to || (nodes && !nodes.has(event.node))) continue
      const kept = { ...event, seq: ++result.exported }
      if (result.analysed.length < analysisMax) result.analysed.push(kept)
      await out.add(`${JSON.stringify(kept)}\n`)
    }
  }
  await out.flush()
  if (latest && result.forScenario.at(-1) !== latest) {
    // Keeps seq order: the latest event is after every kept one or is one of them.
    const i = result.forScenario.findIndex((e) => e.seq > latest!.seq)
    if (i < 0) result.forScenario.push(latest)
    else if (result.forScenario[i - 1] !== latest) result.forScenario.splice(i, 0, latest)
  }
  if (badLines > MAX_PROBLEMS_PER_FILE) result.problems.push(`${file}: ${badLines - MAX_PROBLEMS_PER_FILE} more unreadable lines`)
  if (unordered > 0) result.problems.push(`${file}: ${unordered} events without a seq after the previous one were left out`)
  return result
}

/** A file copied up to its last complete line, chunk by chunk. */
async function copyFile(path: string, write: ChunkWriter, signal?: AbortSignal): Promise<void> {
  for await (const chunk of readChunks(path, await completeLength(path))) {
    signal?.throwIfAborted()
    await write(chunk)
  }
}

/** A log file copied line by line, keeping the lines of the selected nodes. */
async function copyLogLines(path: string, nodes: ReadonlySet<string>, write: ChunkWriter, signal?: AbortSignal): Promise<void> {
  const out = new TextChunker(write)
  for await (const lines of readLineBatches(path, await completeLength(path))) {
    signal?.throwIfAborted()
    for (const line of lines) if (keepLogLine(line, nodes)) await out.add(`${line}\n`)
  }
  await out.flush()
}

const text = (value: string) => async (write: ChunkWriter) => write(encoder.encode(value))

/** Writes every file of the export into `sink`, in archive order. */
async function writeExport(sessionDir: string, request: ExportRequest, sink: ExportSink, options: ExportOptions): Promise<void> {
  const { signal } = options
  const analysisMax = options.analysisMaxEvents ?? ANALYSIS_MAX_EVENTS
  let pass: EventsPass | null = null
  await sink.file('events.ndjson', async (write) => {
    pass = await passEvents(join(sessionDir, 'events.ndjson'), request, write, analysisMax, signal)
  })
  const events = pass! as EventsPass
  for (const name of ['session.json', 'config.txt']) {
    const path = join(sessionDir, name)
    if ((await stat(path).catch(() => null))?.isFile()) await sink.file(name, (write) => copyFile(path, write, signal))
  }
  const nodes = request.nodes ? new Set(request.nodes) : null
  const logsDir = join(sessionDir, 'logs')
  const dirs = (await readdir(logsDir, { withFileTypes: true }).catch(() => [])).filter((d) => d.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))
  for (const dir of dirs) {
    if (nodes && !nodes.has(nodeIdOfLogDir(dir.name))) continue
    for (const rel of await listFiles(join(logsDir, dir.name))) {
      const path = join(logsDir, dir.name, rel)
      await sink.file(`logs/${dir.name}/${rel}`, (write) =>
        nodes && rel.endsWith('.log') ? copyLogLines(path, nodes, write, signal) : copyFile(path, write, signal),
      )
    }
  }

  signal?.throwIfAborted()
  const bounded = events.exported > events.analysed.length
  const analysis = analyzeSession(events.analysed)
  const plots = sessionPlots(analysis, 'auto')
  for (const p of plots) await sink.file(`plots/${p.name}.svg`, text(p.svg))
  const title = `Gossipscope session ${basename(sessionDir)}`
  let summary = renderSummary(analysis, { title, plots: plots.map((p) => ({ file: `plots/${p.name}.svg`, caption: p.caption })) })
  if (bounded) {
    const note =
      `**Bounded analysis: the figures and plots below are computed from the first ${events.analysed.length.toLocaleString('en')} ` +
      `of the ${events.exported.toLocaleString('en')} exported events** (up to ${new Date(events.analysed.at(-1)!.t).toISOString()}); ` +
      'events.ndjson holds them all (docs/replay.md, Export).'
    const cut = summary.indexOf('\n\n')
    summary = cut < 0 ? `${summary}\n\n${note}\n` : `${summary.slice(0, cut)}\n\n${note}${summary.slice(cut)}`
  }
  await sink.file('summary.md', text(summary))
  const saved = scenarioFromSession(events.forScenario, `Session ${basename(sessionDir)}`)
  if (saved.ok) await sink.file('scenario.json', text(scenarioFileText(saved.scenario)))
  const manifest = {
    version: 1,
    session: basename(sessionDir),
    request,
    events: events.exported,
    recordedEvents: events.recorded,
    analysedEvents: events.analysed.length,
    problems: events.problems,
  }
  await sink.file('export.json', text(`${JSON.stringify(manifest, null, 2)}\n`))
}

/**
 * Writes the export of `sessionDir` to `outPath` (a .zip file, or a folder that must not
 * exist or be empty). Written under `<outPath>.partial` and renamed when complete: on any
 * failure (or `signal` aborted) that is removed and nothing is left at `outPath`.
 * Errors: not a session folder, output not writable, a zip past 4 GiB (export-stream.ts).
 */
export async function exportSession(sessionDir: string, request: ExportRequest, outPath: string, options: ExportOptions = {}): Promise<ExportResult> {
  const info = await stat(sessionDir).catch(() => null)
  if (!info?.isDirectory()) throw new Error(`${sessionDir} is not a session folder`)
  const sink = request.format === 'zip' ? await zipSink(outPath, basename(outPath).replace(/\.zip$/i, '') || 'session') : await folderSink(outPath)
  try {
    await writeExport(sessionDir, request, sink, options)
    return { path: outPath, bytes: await sink.close() }
  } catch (error) {
    await sink.discard()
    throw error
  }
}
