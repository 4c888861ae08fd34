import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { isIpv4, parsePort } from '../../shared/address'
import { EVENTS_DETAILS, type EventsDetail } from './events-detail'
import { type LinkConditions, MAX_DELAY_MS } from '../../shared/net/conditions'
import {
  DEFAULT_SETTINGS,
  TOPOLOGIES,
  type ProtocolSettings,
  type Topology,
  defaultMaxLinks,
} from '../../shared/settings-core'

/**
 * Command-line flags of the seed and peer programs. Pure parsing: no file, socket or
 * terminal access here (resolve.ts does that), so every rule is unit-testable.
 */

export type Role = 'seed' | 'peer'

export interface NodeArgs {
  role: Role
  configPath: string
  ip: string
  /** False when --ip was left at its default (a seed may then take the IP from --index). */
  ipGiven: boolean
  /** null: seed takes it from config.txt, peer asks on a terminal. */
  port: number | null
  /** 0-based config.txt entry for a seed started without --port; null when not given. */
  index: number | null
  logDir: string
  /** `-` (stdout), `none`, a path, or null for the default path in logDir. */
  events: string | null
  /** What goes on the live event stream (IPC, stdout); the events file keeps everything. */
  eventsDetail: EventsDetail
  settings: ProtocolSettings
  /** Seed of the protocol rng; null = draw one (and log it). */
  rngSeed: number | null
  /** Emulated conditions on every link this node sends on (--latency, --jitter, --loss). */
  link: LinkConditions
}

export type ArgsResult =
  | { kind: 'ok'; args: NodeArgs }
  | { kind: 'help'; text: string }
  | { kind: 'error'; message: string }

function intParser(name: string, min: number, max: number) {
  return (text: string): number => {
    if (!/^-?\d+$/.test(text.trim())) throw new InvalidArgumentError(`${name} must be an integer, got "${text}"`)
    const value = Number(text)
    if (value < min || value > max) throw new InvalidArgumentError(`${name} must be in ${min}..${max}, got ${value}`)
    return value
  }
}

/** A decimal number: `40`, `0.05`, `.5`, `1e3`, `-2`. */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/

function numberParser(name: string, min: number, max: number) {
  return (text: string): number => {
    // Decimal only: Number() would also take 0x10, 0b11, 0o7 and Infinity.
    const value = DECIMAL.test(text.trim()) ? Number(text) : NaN
    if (!Number.isFinite(value)) throw new InvalidArgumentError(`${name} must be a decimal number, got "${text}"`)
    if (value < min || value > max) throw new InvalidArgumentError(`${name} must be in ${min}..${max}, got ${value}`)
    return value
  }
}

function ipParser(text: string): string {
  if (!isIpv4(text)) throw new InvalidArgumentError(`--ip must be an IPv4 address like 127.0.0.5, got "${text}"`)
  return text
}

function portParser(text: string): number {
  const port = parsePort(text)
  if (port === null) throw new InvalidArgumentError(`--port must be an integer in 1..65535, got "${text}"`)
  return port
}

function buildCommand(role: Role): Command {
  const d = DEFAULT_SETTINGS
  const program = new Command(role === 'seed' ? 'gossip-seed' : 'gossip-peer')
    .description(
      role === 'seed'
        ? 'Gossipscope seed node: keeps the peer list, answers registrations, removes dead peers.'
        : 'Gossipscope peer node: registers with a majority of seeds, links to peers, gossips and checks liveness.',
    )
    .option('--config <path>', 'seed list, one IP:PORT per line', './config.txt')
    .option('--ip <addr>', 'local IPv4 address to listen on (any 127.x.y.z works on Linux)', ipParser, '127.0.0.1')
    .option('--port <n>', role === 'seed' ? 'port to listen on (default: from config.txt, see --index)' : 'port to listen on (default: asked on a terminal)', portParser)
  if (role === 'seed') {
    program.option(
      '--index <i>',
      'without --port: listen on config.txt entry i (0-based; default: the entry whose IP is --ip)',
      intParser('--index', 0, 100_000),
    )
  }
  return program
    .option('--log-dir <dir>', `directory of ${role}_network.log and the events file`, '.')
    .option('--events <path>', `NDJSON event stream: a path, "-" for stdout (logs then go to stderr) or "none" (default: <log-dir>/${role}-<IP>_<PORT>.events.ndjson)`)
    .addOption(
      new Option('--events-detail <level>', 'events sent live (IPC to the app, or stdout with --events -); the events file keeps all: full, receipts (no per-hop forwards, duplicates or routine liveness) or lifecycle (no gossip)')
        .choices(EVENTS_DETAILS)
        .default('full'),
    )
    .option('--time-scale <x>', 'multiplies every interval (0.05 = 20x faster)', numberParser('--time-scale', 0.001, 100), d.timeScale)
    .option('--gossip-interval <ms>', 'ms between gossip messages, before scaling', intParser('--gossip-interval', 1, 3_600_000), d.gossipIntervalMs)
    .option('--gossip-count <n>', 'gossip messages each peer creates', intParser('--gossip-count', 0, 10_000), d.gossipCount)
    .option('--liveness-interval <ms>', 'ms between liveness rounds, before scaling', intParser('--liveness-interval', 1, 3_600_000), d.livenessIntervalMs)
    .option('--liveness-misses <n>', 'unanswered liveness requests before a neighbour is dead', intParser('--liveness-misses', 1, 100), d.livenessMisses)
    .option('--max-links <n>', `links a joining peer makes (default: ${defaultMaxLinks('powerlaw')} for powerlaw, ${defaultMaxLinks('random')} for random)`, intParser('--max-links', 1, 64))
    .addOption(new Option('--topology <kind>', 'how peers choose neighbours').choices(TOPOLOGIES).default(d.topology))
    .option('--latency <ms>', 'added one-way delay of every message this node sends, ms (emulated, see docs/network.md)', numberParser('--latency', 0, MAX_DELAY_MS), 0)
    .option('--jitter <ms>', 'each message\'s delay is drawn uniformly from latency ± jitter, ms (order per connection kept)', numberParser('--jitter', 0, MAX_DELAY_MS), 0)
    .option('--loss <p>', 'probability in 0..1 that a message this node sends is dropped (never retransmitted)', numberParser('--loss', 0, 1), 0)
    .option('--seed-rng <n>', 'seed of the random generator, for reproducible runs (default: random, logged)', intParser('--seed-rng', 0, 0xffff_ffff))
    .helpOption('-h, --help', 'show this help')
    .allowExcessArguments(false)
    .exitOverride()
}

/** Parses the flags after `node seed.js`. Never throws, never prints. */
export function parseNodeArgs(role: Role, argv: readonly string[]): ArgsResult {
  const program = buildCommand(role)
  let out = ''
  let err = ''
  program.configureOutput({
    writeOut: (s) => (out += s),
    writeErr: (s) => (err += s),
    outputError: (s) => (err += s),
  })
  try {
    program.parse([...argv], { from: 'user' })
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help') return { kind: 'help', text: out }
      const line = (err.trim() || e.message).split('\n')[0]!.replace(/^error: /, '')
      return { kind: 'error', message: line }
    }
    return { kind: 'error', message: e instanceof Error ? e.message : String(e) }
  }
  const o = program.opts<Record<string, unknown>>()
  const topology = o.topology as Topology
  // Each flag's parser enforces the bounds of protocolSettingsSchema (settings.ts); the
  // schema itself is not used here so that node processes start without loading zod.
  const settings: ProtocolSettings = {
    timeScale: o.timeScale as number,
    gossipIntervalMs: o.gossipInterval as number,
    gossipCount: o.gossipCount as number,
    livenessIntervalMs: o.livenessInterval as number,
    livenessMisses: o.livenessMisses as number,
    maxLinks: (o.maxLinks as number | undefined) ?? defaultMaxLinks(topology),
    topology,
  }
  const events = o.events as string | undefined
  if (events !== undefined && events.trim() === '') return { kind: 'error', message: '--events must not be empty' }
  return {
    kind: 'ok',
    args: {
      role,
      configPath: o.config as string,
      ip: o.ip as string,
      ipGiven: program.getOptionValueSource('ip') === 'cli',
      port: (o.port as number | undefined) ?? null,
      index: (o.index as number | undefined) ?? null,
      logDir: o.logDir as string,
      events: events ?? null,
      eventsDetail: o.eventsDetail as EventsDetail,
      settings,
      rngSeed: (o.seedRng as number | undefined) ?? null,
      link: { delayMs: o.latency as number, jitterMs: o.jitter as number, loss: o.loss as number },
    },
  }
}
