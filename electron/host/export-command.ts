import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { analyzeSession } from '../../shared/analysis/analyze'
import { renderSummary } from '../../shared/analysis/summary'
import { describeProblems, describeSkipped } from '../../shared/archive/open'
import { exportRequestSchema, nodeIdSchema, type ExportRequest } from '../../shared/ipc'
import { exportSession } from './export'
import { importPath } from './import'

/**
 * The export/report command line (entry point: export-cli.ts). Command line for scripts:
 *   gossipscope-export export SESSION_DIR OUT [--from T] [--to T] [--nodes a,b] [--format zip|folder]
 *   gossipscope-export report SESSION_DIR|NODE_LOG_DIR|FILE      prints the Markdown summary
 * T is ms since epoch, an ISO 8601 time, or +SECONDS after the session start.
 * Bad input: one line on stderr and exit code 2. Import problems go to stderr as warnings.
 */

/** A time flag before the session start is known. */
type TimeFlag = { kind: 'absolute'; t: number } | { kind: 'offset'; seconds: number }

function parseTime(text: string): TimeFlag {
  const trimmed = text.trim()
  if (/^\+\d+(\.\d+)?$/.test(trimmed)) return { kind: 'offset', seconds: Number(trimmed.slice(1)) }
  if (/^\d+$/.test(trimmed)) return { kind: 'absolute', t: Number(trimmed) }
  const t = Date.parse(trimmed)
  if (Number.isNaN(t) || !/^\d{4}-\d\d-\d\d/.test(trimmed)) {
    throw new InvalidArgumentError(`expected ms since epoch, an ISO time (2026-11-24T03:00:00Z) or +SECONDS, got "${text}"`)
  }
  return { kind: 'absolute', t }
}

function parseNodes(text: string): string[] {
  const ids = text.split(',').map((s) => s.trim()).filter((s) => s !== '')
  for (const id of ids) if (!nodeIdSchema.safeParse(id).success) throw new InvalidArgumentError(`"${id}" is not a node id IP:PORT`)
  if (ids.length === 0) throw new InvalidArgumentError('expected a comma-separated list of IP:PORT')
  return ids
}

class UsageError extends Error {}

async function sessionStart(dir: string): Promise<number> {
  try {
    const meta = JSON.parse(await readFile(join(dir, 'session.json'), 'utf8')) as { startedAt?: unknown }
    if (typeof meta.startedAt === 'number') return meta.startedAt
  } catch {
    // Fall through: +SECONDS needs a start.
  }
  throw new UsageError(`${dir}/session.json has no startedAt; give --from/--to as absolute times`)
}

async function runExport(dir: string, out: string, opts: { from?: TimeFlag; to?: TimeFlag; nodes?: string[]; format: 'zip' | 'folder' }): Promise<void> {
  const resolve = async (flag: TimeFlag | undefined): Promise<number | undefined> =>
    flag === undefined ? undefined : flag.kind === 'absolute' ? flag.t : (await sessionStart(dir)) + flag.seconds * 1000
  const request: ExportRequest = { format: opts.format }
  const fromT = await resolve(opts.from)
  const toT = await resolve(opts.to)
  if (fromT !== undefined) request.fromT = fromT
  if (toT !== undefined) request.toT = toT
  if (opts.nodes) request.nodes = opts.nodes
  const checked = exportRequestSchema.safeParse(request)
  if (!checked.success) throw new UsageError(`invalid export request: ${checked.error.issues[0]?.message ?? 'invalid'}`)
  if (fromT !== undefined && toT !== undefined && toT < fromT) throw new UsageError('--to is before --from')
  try {
    if (!(await stat(join(dir, 'events.ndjson')).catch(() => null))?.isFile()) {
      throw new UsageError(`${dir} is not a session folder (no events.ndjson)`)
    }
    const result = await exportSession(dir, checked.data, out)
    process.stdout.write(`${result.path} (${result.bytes} bytes)\n`)
  } catch (error) {
    if (error instanceof UsageError) throw error
    throw new UsageError(`export failed: ${(error as Error).message}`)
  }
}

async function runReport(path: string): Promise<void> {
  const opened = await importPath(path)
  if (!opened.ok) throw new UsageError(opened.error)
  const session = opened.value
  if (session.problems.length > 0) process.stderr.write(`${describeProblems(session.problems)}\n`)
  if (session.skipped.length > 0) process.stderr.write(`${describeSkipped(session.skipped)}\n`)
  if (session.incomplete) process.stderr.write(`${path}: incomplete import: events are missing (see above)\n`)
  if (session.events.length === 0) throw new UsageError(`${path}: no readable events`)
  const source = { skipped: session.skipped, incomplete: session.incomplete, offsets: session.offsets }
  process.stdout.write(renderSummary(analyzeSession(session.events), { title: `Gossipscope summary: ${session.name}`, source }))
}

export function buildProgram(): Command {
  const program = new Command('gossipscope-export')
    .description('Export a recorded Gossipscope session, or print its summary report')
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput({ writeErr: () => undefined })
  program
    .command('export')
    .description('write SESSION_DIR as a zip or folder at OUT (events, logs, config, settings, summary + plots)')
    .argument('<sessionDir>', 'session folder (holds events.ndjson, session.json, config.txt, logs/)')
    .argument('<out>', 'output .zip file or folder')
    .option('--from <T>', 'keep events at or after T (ms since epoch, ISO time, or +SECONDS after the session start)', parseTime)
    .option('--to <T>', 'keep events at or before T', parseTime)
    .option('--nodes <ids>', 'keep only these nodes (comma-separated IP:PORT): their events and log lines', parseNodes)
    .addOption(new Option('--format <format>', 'zip or folder').choices(['zip', 'folder']).default('zip'))
    .action(async (dir: string, out: string, opts) => runExport(dir, out, opts))
  program
    .command('report')
    .description('print the Markdown summary of a session folder, a node log directory, an export zip or an events file')
    .argument('<path>', 'session folder, node log directory, .zip or .ndjson')
    .action(async (path: string) => runReport(path))
  return program
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' })
    return 0
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0
      process.stderr.write(`${error.message.replace(/^error: /, '')}\n`)
      return 2
    }
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n`)
      return 2
    }
    process.stderr.write(`unexpected error: ${(error as Error).message}\n`)
    return 1
  }
}

