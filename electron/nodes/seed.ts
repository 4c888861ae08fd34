import { MACHINES } from './machines'
import { runNode } from './run'

/** The seed program: one seed in its own process (see machines.ts for its rules). */
void runNode('seed', process.argv.slice(2), MACHINES.seed)
