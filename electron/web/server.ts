import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEFAULT_SETTINGS } from '../../shared/settings'
import { parseWebFlags } from './web-flags'
import { startWebHost } from './web-host'
import { PushStats } from './push-stats'
import { DEFAULT_HOP_SUMMARY } from '../host/hop-summary'

/**
 * `node out/main/web.js [--port 7420] [--host 127.0.0.1] [--sessions DIR] [--seeds N --peers N]`
 * Bad flags or a port in use: one line on stderr, exit code 2. SIGINT/SIGTERM stop every
 * node before exiting.
 */

const here = dirname(fileURLToPath(import.meta.url))

async function main(): Promise<void> {
  const parsed = parseWebFlags(process.argv.slice(2))
  if (parsed.kind === 'help') {
    process.stdout.write(parsed.text)
    return
  }
  if (parsed.kind === 'error') {
    process.stderr.write(`gossipscope-web: ${parsed.message}\n`)
    process.exitCode = 2
    return
  }
  const flags = parsed.flags
  const stats = flags.statsMs !== null ? new PushStats() : undefined
  let host
  try {
    host = await startWebHost({
      port: flags.port,
      host: flags.host,
      sessionsDir: flags.sessions,
      rendererDir: resolve(here, '../renderer'),
      nodesDir: here,
      hostConfig: {
        supervisor: { maxNodes: flags.maxNodes, basePort: flags.basePort },
        hopSummary: { ...DEFAULT_HOP_SUMMARY, aboveNodes: flags.summariseAbove, aboveHopsPerSecond: flags.summariseHops },
      },
      stats,
    })
    if (stats) stats.start(flags.statsMs!, (line) => process.stdout.write(line))
  } catch (error) {
    const e = error as NodeJS.ErrnoException
    const why = e.code === 'EADDRINUSE' ? `${flags.host}:${flags.port} is already in use (try --port)` : e.message
    process.stderr.write(`gossipscope-web: cannot listen: ${why}\n`)
    process.exit(2)
  }
  const web = host
  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    process.stdout.write(`gossipscope-web: ${signal}, stopping every node\n`)
    void web.close().finally(() => process.exit(0))
  }
  // Every rejection is handled where it happens; one that is not must not end the host
  // (its exit would kill every node it runs): it is reported in one line instead.
  process.on('unhandledRejection', (reason) => {
    process.stderr.write(`gossipscope-web: internal error (still running): ${reason instanceof Error ? reason.message : String(reason)}\n`)
  })
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.stdout.write(`Gossipscope web host on ${web.url} (sessions in ${resolve(flags.sessions)})\n`)
  if (web.token !== null) {
    process.stdout.write(`Bound beyond loopback: every request needs the access token; open the URL above (it carries it)\n`)
  }
  if (flags.seeds !== null) {
    const started = await web.controller.startNetwork({
      seeds: flags.seeds,
      peers: flags.peers ?? 0,
      settings: { ...DEFAULT_SETTINGS, timeScale: flags.timeScale },
    })
    process.stdout.write(started.ok ? `started ${flags.seeds} seeds and ${flags.peers ?? 0} peers\n` : `gossipscope-web: autostart failed: ${started.error}\n`)
  }
}

void main()
