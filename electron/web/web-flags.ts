import { Command, CommanderError, InvalidArgumentError } from 'commander'
import { DEFAULT_HOP_SUMMARY } from '../host/hop-summary'

/** Flags of `node out/main/web.js` (`npm run serve -- FLAGS`). */
export interface WebFlags {
  port: number
  host: string
  sessions: string
  /** Autostart a network with this many seeds and peers; null = start none. */
  seeds: number | null
  peers: number | null
  timeScale: number
  maxNodes: number
  basePort: number
  /** Pages get gossip per message above this many nodes alive (electron/host/hop-summary.ts). */
  summariseAbove: number
  /** ...or after a second with more hop events than this. */
  summariseHops: number
  /** Print push bytes and event-loop delay every this many ms; null = never. */
  statsMs: number | null
}

export type WebFlagsResult = { kind: 'ok'; flags: WebFlags } | { kind: 'help'; text: string } | { kind: 'error'; message: string }

const int = (name: string, min: number, max: number) => (text: string): number => {
  const value = Number(text)
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new InvalidArgumentError(`${name} must be an integer in ${min}..${max}, got "${text}"`)
  }
  return value
}

const scale = (text: string): number => {
  const value = Number(text)
  if (text.trim() === '' || !Number.isFinite(value) || value < 0.001 || value > 100) {
    throw new InvalidArgumentError(`--time-scale must be a number in 0.001..100, got "${text}"`)
  }
  return value
}

export function parseWebFlags(argv: readonly string[]): WebFlagsResult {
  let help = ''
  const program = new Command('gossipscope-web')
    .description('Gossipscope web host: serves the app and runs its nodes, for browsers.')
    .option('--port <n>', 'HTTP port', int('--port', 1, 65535), 7420)
    .option('--host <addr>', 'address to listen on (keep it on loopback unless you mean it)', '127.0.0.1')
    .option('--sessions <dir>', 'where sessions are recorded', './sessions')
    .option('--seeds <n>', 'start a network with this many seeds at launch (2..16)', int('--seeds', 2, 16))
    .option('--peers <n>', 'and this many peers (needs --seeds, default 3 seeds; seeds + peers at most --max-nodes)', int('--peers', 0, 2000))
    .option('--time-scale <x>', 'time scale of the autostarted network', scale, 0.1)
    .option('--max-nodes <n>', 'most nodes alive at once', int('--max-nodes', 2, 2000), 1000)
    .option('--base-port <n>', 'first port given to nodes (ports stay below 32768)', int('--base-port', 1024, 32000), 20001)
    .option('--summarise-above <n>', 'pages get gossip per message, not per hop, while more nodes than this are alive', int('--summarise-above', 0, 100_000), DEFAULT_HOP_SUMMARY.aboveNodes)
    .option('--summarise-hops <n>', '...or for a while after a second with more hop events than this', int('--summarise-hops', 1, 10_000_000), DEFAULT_HOP_SUMMARY.aboveHopsPerSecond)
    .option('--stats <ms>', 'print bytes pushed to pages and event-loop delay as a JSON line every <ms>', int('--stats', 100, 3_600_000))
    .exitOverride()
    .configureOutput({ writeOut: (text) => (help += text), writeErr: () => undefined })
  try {
    program.parse([...argv], { from: 'user' })
  } catch (error) {
    if (error instanceof CommanderError && (error.code === 'commander.helpDisplayed' || error.code === 'commander.help')) {
      return { kind: 'help', text: help }
    }
    return { kind: 'error', message: (error as Error).message.replace(/^error: /, '') }
  }
  const o = program.opts<{ port: number; host: string; sessions: string; seeds?: number; peers?: number; timeScale: number; maxNodes: number; basePort: number; summariseAbove: number; summariseHops: number; stats?: number }>()
  const seeds = o.seeds ?? (o.peers !== undefined ? 3 : null)
  return {
    kind: 'ok',
    flags: { port: o.port, host: o.host, sessions: o.sessions, seeds, peers: seeds === null ? null : (o.peers ?? 0), timeScale: o.timeScale, maxNodes: o.maxNodes, basePort: o.basePort, summariseAbove: o.summariseAbove, summariseHops: o.summariseHops, statsMs: o.stats ?? null },
  }
}
