import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { strToU8, zipSync } from 'fflate'
import { analyzeSession } from '../../shared/analysis/analyze'
import { renderSummary } from '../../shared/analysis/summary'
import { formatProblem, parseEventsText, sessionEventsOf } from '../../shared/archive/ndjson'
import type { SessionEvent } from '../../shared/events'
import type { ExportRequest, ExportResult } from '../../shared/ipc'
import { sessionPlots } from '../../shared/plots/session-plots'
import { scenarioFileText, scenarioFromSession } from '../../shared/scenario/record'

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
 * line at the moment of export, so a half-written line never lands in the archive.
 */

/** Bytes of a file up to and including its last newline ('' when missing). */
export async function readCompleteLines(path: string): Promise<Uint8Array> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Uint8Array(0)
    throw error
  }
  const end = bytes.lastIndexOf(0x0a)
  return bytes.subarray(0, end + 1)
}

/** `127.0.0.5_7001` -> `127.0.0.5:7001`. */
export function nodeIdOfLogDir(name: string): string {
  const i = name.lastIndexOf('_')
  return i < 0 ? name : `${name.slice(0, i)}:${name.slice(i + 1)}`
}

function filterEvents(events: SessionEvent[], request: ExportRequest): SessionEvent[] {
  const nodes = request.nodes ? new Set(request.nodes) : null
  const from = request.fromT ?? -Infinity
  const to = request.toT ?? Infinity
  const kept = events.filter((e) => e.t >= from && e.t <= to && (!nodes || nodes.has(e.node)))
  return kept.map((e, i) => ({ ...e, seq: i + 1 }))
}

/** Log lines of the selected nodes, by their `[IP:PORT]` tag (non-log files are kept whole). */
function filterLogLines(text: string, nodes: ReadonlySet<string>): string {
  const tag = /\[(\d{1,3}(?:\.\d{1,3}){3}:\d{1,5})\]/
  return text
    .split('\n')
    .filter((line) => {
      const match = tag.exec(line)
      return match === null ? line.trim() === '' || !line.includes('[') : nodes.has(match[1]!)
    })
    .join('\n')
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

/** Every file of the export, by relative path. */
export async function buildExport(sessionDir: string, request: ExportRequest): Promise<Map<string, Uint8Array>> {
  const info = await stat(sessionDir).catch(() => null)
  if (!info?.isDirectory()) throw new Error(`${sessionDir} is not a session folder`)
  const files = new Map<string, Uint8Array>()
  const eventsBytes = await readCompleteLines(join(sessionDir, 'events.ndjson'))
  const parsed = parseEventsText('events.ndjson', new TextDecoder().decode(eventsBytes))
  const recorded = sessionEventsOf(parsed)
  const events = filterEvents(recorded.events, request)
  files.set('events.ndjson', strToU8(events.map((e) => JSON.stringify(e)).join('\n') + (events.length > 0 ? '\n' : '')))

  for (const name of ['session.json', 'config.txt']) {
    const bytes = await readFile(join(sessionDir, name)).catch(() => null)
    if (bytes) files.set(name, bytes)
  }
  const nodes = request.nodes ? new Set(request.nodes) : null
  const logsDir = join(sessionDir, 'logs')
  for (const dir of (await readdir(logsDir, { withFileTypes: true }).catch(() => [])).filter((d) => d.isDirectory())) {
    if (nodes && !nodes.has(nodeIdOfLogDir(dir.name))) continue
    for (const rel of await listFiles(join(logsDir, dir.name))) {
      const bytes = await readCompleteLines(join(logsDir, dir.name, rel))
      const isLog = rel.endsWith('.log')
      files.set(`logs/${dir.name}/${rel}`, nodes && isLog ? strToU8(filterLogLines(new TextDecoder().decode(bytes), nodes)) : bytes)
    }
  }

  const analysis = analyzeSession(events)
  const plots = sessionPlots(analysis, 'auto')
  for (const p of plots) files.set(`plots/${p.name}.svg`, strToU8(p.svg))
  const title = `Gossipscope session ${basename(sessionDir)}`
  files.set('summary.md', strToU8(renderSummary(analysis, { title, plots: plots.map((p) => ({ file: `plots/${p.name}.svg`, caption: p.caption })) })))
  const saved = scenarioFromSession(recorded.events, `Session ${basename(sessionDir)}`)
  if (saved.ok) files.set('scenario.json', strToU8(scenarioFileText(saved.scenario)))
  const problems = [...parsed.problems, ...recorded.problems].map(formatProblem)
  const manifest = { version: 1, session: basename(sessionDir), request, events: events.length, recordedEvents: recorded.events.length, problems }
  files.set('export.json', strToU8(`${JSON.stringify(manifest, null, 2)}\n`))
  return files
}

export async function exportSession(sessionDir: string, request: ExportRequest, outPath: string): Promise<ExportResult> {
  const files = await buildExport(sessionDir, request)
  await mkdir(dirname(outPath), { recursive: true })
  if (request.format === 'zip') {
    // One top folder inside the zip, so unpacking does not spill files.
    const root = basename(outPath).replace(/\.zip$/i, '') || 'session'
    const entries: Record<string, Uint8Array> = {}
    for (const [path, bytes] of files) entries[`${root}/${path}`] = bytes
    const zipped = zipSync(entries, { level: 6, mtime: new Date() })
    const temp = `${outPath}.partial`
    await writeFile(temp, zipped)
    await rename(temp, outPath)
    return { path: outPath, bytes: zipped.length }
  }
  const existing = await readdir(outPath).catch(() => null)
  if (existing && existing.length > 0) throw new Error(`${outPath} exists and is not empty`)
  let bytes = 0
  for (const [path, data] of files) {
    await mkdir(dirname(join(outPath, path)), { recursive: true })
    await writeFile(join(outPath, path), data)
    bytes += data.length
  }
  return { path: outPath, bytes }
}
