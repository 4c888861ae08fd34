import { z } from 'zod'
import { TOPOLOGIES, type ProtocolSettings as CoreSettings } from './settings-core'

/**
 * Protocol settings: the values live in settings-core.ts (zod-free, so node processes
 * start without loading zod); this file re-exports them and adds the schema. The same
 * object is passed as flags to every node the app starts and recorded with every session.
 */
export * from './settings-core'

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

/** Compile-time check that the schema and settings-core's interface describe the same object. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const settingsAgree: Same<ProtocolSettings, CoreSettings> = true
void settingsAgree

