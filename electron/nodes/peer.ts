import { createPeerMachine } from '../../shared/protocol/peer-machine'
import { scaledIntervals } from '../../shared/settings-core'
import { runNode } from './run'

/** The peer program. */
void runNode('peer', process.argv.slice(2), (deps, settings) =>
  createPeerMachine(deps, {
    intervals: scaledIntervals(settings),
    gossipCount: settings.gossipCount,
    livenessMisses: settings.livenessMisses,
    maxLinks: settings.maxLinks,
    topology: settings.topology,
  }),
)
