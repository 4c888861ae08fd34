import { closeSync, mkdirSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { parseAddress } from '../../shared/address'
import { formatConfig } from '../../shared/config'
import type { SimLog } from '../../shared/sim/network'
import { failureLines, renderScenarioReport, reportPlots, resultJson, type RunOutcome } from '../../shared/scenario/report'
import { formatLogLine } from '../nodes/format'
import { nodeLogFolder } from './node-flags'
import { CONFIG_FILE, EVENTS_FILE, LOGS_DIR, SESSION_FILE, SESSION_VERSION, sessionIdAt } from './session-files'

/**
 * Files of one scenario run in its output folder:
 *   session/      the recorded session (events.ndjson, session.json, config.txt, logs/<IP>_<PORT>/)
 *   report.md     verdict, expectations, steps, and the session summary, with plots/*.svg
 *   result.json   checks, measures, steps, names, overlay (resultJson)
 *   scenario.json the scenario as run (after --vary)
 */

/** Writes report.md, plots/, result.json and scenario.json into `dir`. */
export function writeRunReport(dir: string, outcome: RunOutcome, exitCode: number): void {
  mkdirSync(join(dir, 'plots'), { recursive: true })
  const plots = reportPlots(outcome)
  for (const p of plots) writeFileSync(join(dir, 'plots', `${p.name}.svg`), p.svg)
  const files = plots.map((p) => ({ file: `plots/${p.name}.svg`, caption: p.caption }))
  writeFileSync(join(dir, 'report.md'), renderScenarioReport(outcome, files))
  writeFileSync(join(dir, 'result.json'), `${JSON.stringify(resultJson(outcome, exitCode), null, 2)}\n`)
  writeFileSync(join(dir, 'scenario.json'), `${JSON.stringify(outcome.scenario, null, 2)}\n`)
}

/** Moves a real run's session folder to `<dir>/session`. */
export function adoptSession(sessionDir: string, dir: string): void {
  renameSync(sessionDir, join(dir, 'session'))
}

/**
 * A simulated run's session in the same layout as a real one: events, session.json,
 * config.txt, and each node's log lines (from the machines' log effects) in its log folder,
 * so the app opens it and `npm run report` reads it.
 */
export function writeSimSession(dir: string, outcome: RunOutcome, logs: readonly SimLog[], seeds: string[]): void {
  const session = join(dir, 'session')
  mkdirSync(join(session, LOGS_DIR), { recursive: true })
  const events = outcome.run.events
  writeLines(join(session, EVENTS_FILE), events, (e) => JSON.stringify(e))
  const meta = { version: SESSION_VERSION, id: sessionIdAt(outcome.run.startT), startedAt: outcome.run.startT, settings: outcome.run.settings, seeds }
  writeFileSync(join(session, SESSION_FILE), `${JSON.stringify(meta, null, 2)}\n`)
  writeFileSync(join(session, CONFIG_FILE), formatConfig(seeds.map((s) => parseAddress(s)!)))
  const roleOf = new Map<string, 'seed' | 'peer'>()
  for (const e of events) if (e.type === 'node.started') roleOf.set(e.node, e.role)
  const byNode = new Map<string, string[]>()
  for (const log of logs) {
    const lines = byNode.get(log.node) ?? []
    lines.push(formatLogLine(new Date(log.t), log.node, log.text))
    byNode.set(log.node, lines)
  }
  for (const [node, lines] of byNode) {
    const address = parseAddress(node)!
    const folder = join(session, LOGS_DIR, nodeLogFolder(address.ip, address.port))
    mkdirSync(folder, { recursive: true })
    const file = roleOf.get(node) === 'seed' ? 'seed_network.log' : 'peer_network.log'
    writeLines(join(folder, file), lines, (line) => line)
  }
}

/** Bytes gathered before each write: a whole file as one string fails past ~512 MB (V8's string limit). */
const WRITE_CHUNK_CHARS = 1 << 20

/** Writes one line per item, `\n`-terminated, in chunks of about WRITE_CHUNK_CHARS characters. */
export function writeLines<T>(path: string, items: readonly T[], line: (item: T) => string): void {
  const fd = openSync(path, 'w')
  try {
    let chunk: string[] = []
    let size = 0
    for (const item of items) {
      const text = line(item)
      chunk.push(text)
      size += text.length + 1
      if (size >= WRITE_CHUNK_CHARS) {
        writeSync(fd, `${chunk.join('\n')}\n`)
        chunk = []
        size = 0
      }
    }
    if (chunk.length > 0) writeSync(fd, `${chunk.join('\n')}\n`)
  } finally {
    closeSync(fd)
  }
}

/** The lines a terminal shows at the end of a run. */
export function verdictLines(outcome: RunOutcome): string[] {
  if (outcome.passed) return [`PASS: ${outcome.checks.length} check(s) held`]
  return ['FAIL:', ...failureLines(outcome).map((line) => `  ${line}`)]
}
