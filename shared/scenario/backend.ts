import type { NodeId } from '../address'
import type { SessionEvent } from '../events'
import type { Packing } from '../packing'
import type { ProtocolSettings } from '../settings'
import type { Conditions, PartitionDirection } from './schema'

/**
 * What the scenario runner needs from a network: real processes through the host's
 * controller (electron/host/scenario-backend.ts) or the simulator (shared/scenario/
 * sim-backend.ts). One method per step kind; a backend that cannot do something rejects
 * with an Error whose message says so, and the runner records the step as failed.
 */

export interface NetworkStart {
  seeds: number
  peers: number
  settings: ProtocolSettings
  /** Node k (start order, seeds first) gets rng seed rngSeed x 1009 + k. */
  rngSeed: number
  packing?: Packing
  conditions?: Conditions
}

export interface StartedNodes {
  /** In start order: their names are seed1.., peer1... */
  seeds: NodeId[]
  peers: NodeId[]
}

export interface ScenarioBackend {
  readonly kind: 'real' | 'sim'
  /** The backend's clock, ms since epoch (virtual in the simulator). */
  now(): number
  /** Every recorded event, in seq order, as it is recorded. */
  onEvent(listener: (event: SessionEvent) => void): void
  /** Starts a new session with these nodes and resolves once they listen. */
  start(network: NetworkStart): Promise<StartedNodes>
  addSeeds(count: number): Promise<NodeId[]>
  addPeers(count: number): Promise<NodeId[]>
  kill(id: NodeId): Promise<void>
  stopNode(id: NodeId): Promise<void>
  pause(id: NodeId): Promise<void>
  resume(id: NodeId): Promise<void>
  restart(id: NodeId): Promise<void>
  /** Cuts `nodes` off from `other` (null: every other node), both ways or one way. */
  partition(nodes: NodeId[], other: NodeId[] | null, direction: PartitionDirection): Promise<void>
  heal(): Promise<void>
  setConditions(conditions: Conditions): Promise<void>
  /** Settings for nodes started from now on. */
  setSettings(settings: ProtocolSettings): Promise<void>
  /** Records a step (or its failure) into the session, for the timeline and for saving. */
  note(action: StepNote): void
  /**
   * Lets time pass until the clock reaches `until` or `wake()` holds (checked after each
   * recorded event). The simulator jumps its virtual clock; real nodes wait. Resolves
   * false when the network is gone (stopped from outside): the run ends there.
   */
  advance(until: number, wake: () => boolean): Promise<boolean>
  /** Stops every node cleanly and waits until they are gone. */
  stop(): Promise<void>
}

export interface StepNote {
  /** Backend ms at which the step fired (the action is noted once done, stamped with this). */
  t: number
  step: number
  action: import('./schema').StepKind
  /** Node acted on (id and scenario name). */
  node?: NodeId
  name?: string
  count?: number
  nodes?: NodeId[]
  other?: NodeId[]
  direction?: PartitionDirection
  conditions?: Conditions
  settings?: ProtocolSettings
  error?: string
}
