import { createSeedMachine } from '../../shared/protocol/seed-machine'
import { scaledIntervals } from '../../shared/settings-core'
import { DEFAULT_LIMITS } from './connection'
import { runNode } from './run'

/**
 * The seed program. A Dead Node report is verified by the seed's own liveness probe of
 * the reported peer: it is accepted only if the peer stays silent for two (scaled)
 * liveness intervals, long enough for any live peer to answer even on a loaded machine.
 */
void runNode('seed', process.argv.slice(2), (deps, settings) =>
  createSeedMachine(deps, {
    verifyTimeoutMs: 2 * scaledIntervals(settings).livenessMs,
    maxConnections: DEFAULT_LIMITS.maxAccepted,
  }),
)
