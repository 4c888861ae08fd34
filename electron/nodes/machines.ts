import { createPeerMachine } from '../../shared/protocol/peer-machine'
import { createSeedMachine } from '../../shared/protocol/seed-machine'
import { scaledIntervals, seedVerifyTimeoutMs } from '../../shared/settings-core'
import type { Role } from './cli'
import { DEFAULT_LIMITS } from './connection'
import type { MachineFactory } from './node-runtime'

/**
 * The protocol machine of each role, as the seed and peer programs and the node host
 * build it.
 *
 * A seed verifies a Dead Node report by its own liveness probe of the reported peer: it
 * is accepted only if the peer stays silent for two (scaled) liveness intervals, long
 * enough for any live peer to answer even on a loaded machine.
 */
export const MACHINES: Record<Role, MachineFactory> = {
  seed: (deps, settings) =>
    createSeedMachine(deps, {
      verifyTimeoutMs: seedVerifyTimeoutMs(settings),
      maxConnections: DEFAULT_LIMITS.maxAccepted,
    }),
  peer: (deps, settings) =>
    createPeerMachine(deps, {
      intervals: scaledIntervals(settings),
      gossipCount: settings.gossipCount,
      livenessMisses: settings.livenessMisses,
      maxLinks: settings.maxLinks,
      topology: settings.topology,
    }),
}
