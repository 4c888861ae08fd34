import { z } from 'zod'

/**
 * Protocol constants. Defaults are the assignment's; `timeScale` multiplies every
 * interval (0.05 makes 5 s gossip and 13 s liveness 20x shorter) so a network can be
 * watched or tested quickly. The same object is passed as flags to every node the app
 * starts and recorded with every session.
 */
export const TOPOLOGIES = ['powerlaw', 'random'] as const
export type Topology = (typeof TOPOLOGIES)[number]

export const protocolSettingsSchema = z.object({
  /** Multiplier applied to every interval below; 1 = the assignment's real time. */
  timeScale: z.number().min(0.001).max(100),
  /** ms between two gossip messages of one peer, before scaling. */
  gossipIntervalMs: z.number().int().min(1).max(3_600_000),
  /** How many gossip messages each peer creates. */
  gossipCount: z.number().int().min(0).max(10_000),
  /** ms between two liveness rounds, before scaling. */
  livenessIntervalMs: z.number().int().min(1).max(3_600_000),
  /** Consecutive unanswered liveness requests after which a neighbour is reported dead. */
  livenessMisses: z.number().int().min(1).max(100),
  /**
   * How many existing peers a joining peer links to (incoming links are not capped, so
   * hubs can form under preferential attachment).
   */
  maxLinks: z.number().int().min(1).max(64),
  topology: z.enum(TOPOLOGIES),
})

export type ProtocolSettings = z.infer<typeof protocolSettingsSchema>

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

/** Default maximum wire line length in bytes (a longer line is rejected, never buffered). */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024
