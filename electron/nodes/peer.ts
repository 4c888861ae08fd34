import { MACHINES } from './machines'
import { runNode } from './run'

/** The peer program: one peer in its own process. */
void runNode('peer', process.argv.slice(2), MACHINES.peer)
