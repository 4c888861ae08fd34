/**
 * The zod-free half of settings.ts: values and types the node programs need at run time.
 * Node processes import this file directly so that starting one does not load zod
 * (measured: ~125 ms of start-up and several MB per process). settings.ts re-exports
 * everything here and adds the schema; it checks that the two definitions agree.
 *
 * Protocol constants. Defaults are the assignment's; `timeScale` multiplies every
 * interval (0.05 makes 5 s gossip and 13 s liveness 20x shorter) so a network can be
 * watched or tested quickly.
 */
export const TOPOLOGIES = ['powerlaw', 'random'] as const
export type Topology = (typeof TOPOLOGIES)[number]

/** Field meanings and bounds: see protocolSettingsSchema in settings.ts. */
export interface ProtocolSettings {
  timeScale: number
  gossipIntervalMs: number
  gossipCount: number
  livenessIntervalMs: number
  livenessMisses: number
  maxLinks: number
  topology: Topology
}

export const DEFAULT_SETTINGS: ProtocolSettings = {
  timeScale: 1,
  gossipIntervalMs: 5000,
  gossipCount: 10,
  livenessIntervalMs: 13000,
  livenessMisses: 3,
  maxLinks: 2,
  topology: 'powerlaw',
}

/** Default links per joining peer: 2 for powerlaw (Barabasi-Albert m), 4 for random (the 2024 text). */
export function defaultMaxLinks(topology: Topology): number {
  return topology === 'random' ? 4 : 2
}

/** Intervals after scaling, in ms, as the machines use them. */
export interface ScaledIntervals {
  gossipMs: number
  livenessMs: number
}

export function scaledIntervals(settings: ProtocolSettings): ScaledIntervals {
  return {
    gossipMs: Math.max(1, Math.round(settings.gossipIntervalMs * settings.timeScale)),
    livenessMs: Math.max(1, Math.round(settings.livenessIntervalMs * settings.timeScale)),
  }
}

/**
 * How long (ms) a seed waits for its own liveness probe of a reported peer before it
 * accepts a Dead Node report: two scaled liveness intervals, long enough for any live
 * peer to answer even on a loaded machine. Seeds (electron/nodes/machines.ts), the
 * simulator and the failure analysis's detection window all use this one value.
 */
export function seedVerifyTimeoutMs(settings: ProtocolSettings): number {
  return verifyWindowMs(scaledIntervals(settings))
}

/**
 * The same window from scaled intervals (2 x livenessMs): what a seed may take to verify
 * an address, so also how long a joining peer waits for a seed that sent its Peer List
 * to confirm its registration (shared/protocol/peer-seeds.ts).
 */
export function verifyWindowMs(intervals: ScaledIntervals): number {
  return 2 * intervals.livenessMs
}

/** Default maximum wire line length in bytes (a longer line is rejected, never buffered). */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024
