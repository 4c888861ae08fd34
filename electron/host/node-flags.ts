import type { NodeRole } from '../../shared/ipc'
import type { ProtocolSettings } from '../../shared/settings'

/** What the supervisor tells one node program, rendered as the flags documented in the brief. */
export interface NodeLaunch {
  role: NodeRole
  ip: string
  port: number
  /** The session's config.txt. */
  configPath: string
  /** `<session>/logs/<IP>_<PORT>`: the node's log file and its own events file go here. */
  logDir: string
  settings: ProtocolSettings
  /** Seed of the node's random generator (`--seed-rng`); absent = the node draws one. */
  rngSeed?: number
}

export function nodeFlags(launch: NodeLaunch): string[] {
  const { settings } = launch
  return [
    '--config', launch.configPath,
    '--ip', launch.ip,
    '--port', String(launch.port),
    '--log-dir', launch.logDir,
    '--time-scale', String(settings.timeScale),
    '--gossip-interval', String(settings.gossipIntervalMs),
    '--gossip-count', String(settings.gossipCount),
    '--liveness-interval', String(settings.livenessIntervalMs),
    '--liveness-misses', String(settings.livenessMisses),
    '--max-links', String(settings.maxLinks),
    '--topology', settings.topology,
    ...(launch.rngSeed !== undefined ? ['--seed-rng', String(launch.rngSeed)] : []),
  ]
}

/** Folder name of a node's logs inside the session: `IP_PORT` (a colon is not portable in paths). */
export function nodeLogFolder(ip: string, port: number): string {
  return `${ip}_${port}`
}
