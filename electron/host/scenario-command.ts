import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { parseScenarioText } from '../../shared/scenario/parse'
import { judgeRun, type RunOutcome } from '../../shared/scenario/report'
import { runScenario, type FiredStep } from '../../shared/scenario/runner'
import type { Scenario } from '../../shared/scenario/schema'
import { SimBackend } from '../../shared/scenario/sim-backend'
import { expandCells, parseVary, sweepCsv, sweepMarkdown, sweepPlots, type CellRuns, type Variation } from '../../shared/scenario/sweep'
import { createHost, guardProcessExit } from './host'
import { HostBackend } from './scenario-backend'
import { adoptSession, verdictLines, writeRunReport, writeSimSession } from './scenario-output'

/**
 * `npm run scenario -- FILE --out DIR [--backend real|sim] [--vary NAME=V1,V2]... [--repeat N]`
 * Runs a scenario file (docs/scenarios.md) on real node processes or in the simulator and
 * writes the session, report.md with plots, and result.json into DIR; with --vary or
 * --repeat, one run folder per run under DIR/runs and sweep.csv, sweep.md and plots.
 * Exit codes: 0 every expectation held (in every run), 1 one failed (each failure printed
 * as "measured vs expected"), 2 a bad file or bad flags (nothing started).
 */

interface Flags {
  out: string
  backend: 'real' | 'sim'
  vary: Variation[]
  repeat: number
  basePort?: number
  nodesDir?: string
  quiet?: boolean
}

class UsageError extends Error {}

const collectVary = (spec: string, previous: Variation[] = []): Variation[] => {
  const parsed = parseVary(spec)
  if (typeof parsed === 'string') throw new InvalidArgumentError(parsed)
  if (previous.some((v) => v.path === parsed.path)) throw new InvalidArgumentError(`--vary ${parsed.name} given twice`)
  return [...previous, parsed]
}

const intFlag = (name: string, min: number, max: number) => (text: string): number => {
  const value = Number(text)
  if (!/^\d+$/.test(text.trim()) || value < min || value > max) throw new InvalidArgumentError(`${name}: expected an integer ${min}..${max}, got "${text}"`)
  return value
}

/** Folder holding the built seed.js and peer.js: next to this program when built, else out/main. */
function defaultNodesDir(): string {
  const here = dirname(fileURLToPath(import.meta.url))
  if (existsSync(join(here, 'seed.js'))) return here
  return resolve(here, '../../out/main')
}

/** Terminal progress: a line per step; on a TTY a live line with the run's clock. */
class Progress {
  private timer: NodeJS.Timeout | null = null
  constructor(private readonly quiet: boolean) {}

  line(text: string): void {
    if (this.quiet) return
    if (process.stdout.isTTY) process.stdout.write('\r\x1b[K')
    process.stdout.write(`${text}\n`)
  }

  live(status: () => string): void {
    if (this.quiet || !process.stdout.isTTY) return
    this.timer = setInterval(() => process.stdout.write(`\r\x1b[K${status()}`), 250)
  }

  end(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    if (!this.quiet && process.stdout.isTTY) process.stdout.write('\r\x1b[K')
  }
}

function describeStep(step: FiredStep): string {
  const who = step.name ?? step.node
  return `  step ${step.index + 1} ${step.do}${who ? ` ${who}` : ''} at ${step.atMs} ms${step.error ? ` FAILED: ${step.error}` : ''}`
}

/** One run of one scenario into `dir`. */
async function runOnce(scenario: Scenario, dir: string, flags: Flags, progress: Progress, label: string): Promise<RunOutcome> {
  mkdirSync(dir, { recursive: true })
  const s = scenario.network
  progress.line(`${label}"${scenario.name}" on ${flags.backend === 'sim' ? 'the simulator' : 'real nodes'}: ${s.seeds} seeds, ${s.peers} peers, rng seed ${s.rngSeed ?? 1}`)
  const wallStart = Date.now()
  const onStep = (step: FiredStep): void => progress.line(describeStep(step))
  let outcome: RunOutcome
  if (flags.backend === 'sim') {
    const backend = new SimBackend({ sha256: (text) => createHash('sha256').update(text).digest('hex') })
    const run = await runScenario(scenario, backend, { onStep })
    outcome = judgeRun(scenario, run, Date.now() - wallStart)
    const seeds = Object.entries(run.names).filter(([name]) => /^seed\d+$/.test(name)).map(([, id]) => id)
    writeSimSession(dir, outcome, backend.sim.logs, seeds)
  } else {
    const sessionsDir = join(dir, '.sessions')
    const controller = createHost({
      sessionsDir,
      nodesDir: flags.nodesDir ?? defaultNodesDir(),
      supervisor: { basePort: flags.basePort ?? 20000 + Math.floor(Math.random() * 9000), maxNodes: 1000 },
    })
    const unguard = guardProcessExit(controller)
    const backend = new HostBackend(controller)
    let events = 0
    backend.onEvent(() => events++)
    const scale = scenario.network.settings?.timeScale ?? 1
    progress.live(() => `  ${((Date.now() - wallStart) / scale / 1000).toFixed(1)} s of ${(scenario.durationMs / 1000).toFixed(0)} s protocol time, ${events} events`)
    try {
      const run = await runScenario(scenario, backend, { onStep })
      outcome = judgeRun(scenario, run, Date.now() - wallStart)
    } finally {
      progress.end()
      await controller.shutdown()
      unguard()
    }
    const id = controller.status().sessionId
    if (id) adoptSession(join(sessionsDir, id), dir)
    rmSync(sessionsDir, { recursive: true, force: true })
  }
  writeRunReport(dir, outcome, outcome.passed ? 0 : 1)
  for (const line of verdictLines(outcome)) progress.line(`  ${line}`)
  return outcome
}

async function runCommand(file: string, flags: Flags): Promise<number> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new UsageError(`${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`)
  }
  const parsed = parseScenarioText(text, file)
  if (!parsed.ok) throw new UsageError(parsed.error)
  const expanded = expandCells(parsed.scenario, flags.vary)
  if (!expanded.ok) throw new UsageError(expanded.error)
  if (existsSync(flags.out) && readdirSync(flags.out).length > 0) throw new UsageError(`--out ${flags.out}: exists and is not empty`)
  const progress = new Progress(flags.quiet ?? false)
  const sweep = flags.vary.length > 0 || flags.repeat > 1
  if (!sweep) {
    const outcome = await runOnce(parsed.scenario, flags.out, flags, progress, '')
    progress.line(`wrote ${join(flags.out, 'report.md')} and result.json`)
    if (!outcome.passed) for (const line of verdictLines(outcome).slice(1)) process.stderr.write(`${line.trim()}\n`)
    return outcome.passed ? 0 : 1
  }
  const results: CellRuns[] = []
  let failed = 0
  const total = expanded.cells.length * flags.repeat
  let done = 0
  for (const cell of expanded.cells) {
    const runs: RunOutcome[] = []
    const name = Object.entries(cell.params).map(([k, v]) => `${k}=${v}`).join('_') || 'base'
    for (let r = 0; r < flags.repeat; r++) {
      const scenario: Scenario = structuredClone(cell.scenario)
      scenario.network.rngSeed = (cell.scenario.network.rngSeed ?? 1) + r
      const dir = join(flags.out, 'runs', `${name.replace(/[^\w=.,-]/g, '_')}-r${r + 1}`)
      const outcome = await runOnce(scenario, dir, flags, progress, `[${++done}/${total}] ${name} repeat ${r + 1}: `)
      if (!outcome.passed) {
        failed++
        for (const line of verdictLines(outcome).slice(1)) process.stderr.write(`${name} repeat ${r + 1}: ${line.trim()}\n`)
      }
      runs.push(outcome)
    }
    results.push({ cell, runs })
  }
  mkdirSync(join(flags.out, 'plots'), { recursive: true })
  const plots = sweepPlots(flags.vary, results)
  for (const p of plots) writeFileSync(join(flags.out, 'plots', `${p.name}.svg`), p.svg)
  writeFileSync(join(flags.out, 'sweep.csv'), sweepCsv(flags.vary, results))
  const files = plots.map((p) => ({ file: `plots/${p.name}.svg`, caption: p.caption }))
  writeFileSync(join(flags.out, 'sweep.md'), sweepMarkdown(parsed.scenario, flags.backend, flags.vary, results, files))
  progress.line(`wrote ${join(flags.out, 'sweep.md')}, sweep.csv and ${total} run folders; ${failed} run(s) failed an expectation`)
  return failed === 0 ? 0 : 1
}

export function buildProgram(): Command {
  return new Command('gossipscope-scenario')
    .description('Run a scenario file on real nodes or in the simulator; report, result.json and exit code 0/1/2')
    .argument('<file>', 'scenario file (.json, .yaml or .yml; docs/scenarios.md)')
    .requiredOption('--out <dir>', 'output folder (created; must be empty)')
    .addOption(new Option('--backend <backend>', 'real: node processes on loopback; sim: the in-memory simulator, virtual clock').choices(['real', 'sim']).default('real'))
    .option('--vary <name=v1,v2>', 'run every value (repeatable: the product of all); e.g. peers=20,60 or topology=powerlaw,random', collectVary)
    .option('--repeat <n>', 'runs per cell, with rng seeds rngSeed, rngSeed+1, ...', intFlag('--repeat', 1, 100), 1)
    .option('--base-port <port>', 'real backend: first port for the nodes (default: random in 20000..28999)', intFlag('--base-port', 1024, 32000))
    .option('--nodes-dir <dir>', 'real backend: folder of the built seed.js and peer.js (default: out/main)')
    .option('--quiet', 'no progress lines')
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput({ writeErr: () => undefined })
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram()
  try {
    await program.parseAsync(argv, { from: 'user' })
    const [file] = program.args
    const o = program.opts()
    const flags: Flags = { out: o.out, backend: o.backend, vary: o.vary ?? [], repeat: o.repeat, basePort: o.basePort, nodesDir: o.nodesDir, quiet: o.quiet }
    if (flags.backend === 'real') {
      const dir = flags.nodesDir ?? defaultNodesDir()
      if (!existsSync(join(dir, 'seed.js')) || !existsSync(join(dir, 'peer.js'))) {
        throw new UsageError(`no built node programs in ${dir}: run npm run build first (or --backend sim)`)
      }
    }
    return await runCommand(file!, flags)
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.help' || error.code === 'commander.version') return 0
      process.stderr.write(`${error.message.replace(/^error: /, '')}\n`)
      return 2
    }
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n`)
      return 2
    }
    process.stderr.write(`scenario failed: ${(error as Error).message}\n`)
    return 1
  }
}
