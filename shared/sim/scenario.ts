import { type Address, type NodeId, parseAddress } from '../address'
import { foldEvents, type NetworkState } from '../model/network'
import { createPeerMachine } from '../protocol/peer-machine'
import { seededRandom } from '../protocol/rng'
import { createSeedMachine } from '../protocol/seed-machine'
import { DEFAULT_SETTINGS, type ProtocolSettings, scaledIntervals } from '../settings'
import { seedVerifyTimeoutMs } from '../settings-core'
import { SimNetwork, type SimOptions } from './network'

/**
 * Builds and runs whole networks on the simulator: S seeds and N peers, each on its own
 * 127.x address as in the app, every machine with its own rng seed derived from one
 * scenario seed (so one number replays the run).
 */

export interface ScenarioSpec {
  seeds: number
  peers: number
  /** SHA-256 hex of a UTF-8 string (Node's crypto in tests and benchmarks). */
  sha256: (text: string) => string
  settings?: Partial<ProtocolSettings>
  /** Scenario seed: machine i gets seededRandom(rngSeed * 1009 + i). */
  rngSeed?: number
  /** Virtual ms between two peers starting (default 20: each sees the ones before). */
  joinSpacingMs?: number
  /** ms a seed waits for a reported peer's own liveness reply (default: two liveness intervals, as the node programs). */
  verifyTimeoutMs?: number
  /** The network's conditions (default: the simulator's 1 ms on every link). */
  conditions?: SimOptions['conditions']
  /** Seed of the network's jitter and loss draws (default: rngSeed). */
  netSeed?: number
  startTime?: number
}

export interface Scenario {
  sim: SimNetwork
  settings: ProtocolSettings
  seeds: Address[]
  peers: Address[]
  /** Adds and starts one more peer now (to grow a network after the initial ones). */
  addPeer(address: Address): NodeId
  /** Restarts a killed seed with a fresh machine (an empty Peer List) at the same address. */
  restartSeed(id: NodeId): void
  /**
   * Restarts a peer at the same address as a new process (killed first if running): a
   * fresh machine, a new incarnation (the current virtual time), a new rng stream.
   */
  restartPeer(id: NodeId): void
  /**
   * Adds and starts one more seed now, as the app's "Add seed" does: it joins the config,
   * so peers started afterwards (and restarted seeds) see it. Running peers learn of it
   * only from `announceSeeds`.
   */
  addSeed(): NodeId
  /** Feeds every running peer the current seed list, as each driver does when config.txt changes. */
  announceSeeds(): void
}

export function seedAddress(i: number): Address {
  return { ip: `127.0.0.${i + 1}`, port: 6000 }
}

export function peerAddress(i: number): Address {
  return { ip: `127.1.${Math.floor(i / 250)}.${(i % 250) + 1}`, port: 7000 }
}

/** Creates the network and starts the seeds at once and the peers `joinSpacingMs` apart. */
export function createScenario(spec: ScenarioSpec): Scenario {
  const settings: ProtocolSettings = { ...DEFAULT_SETTINGS, ...spec.settings }
  const intervals = scaledIntervals(settings)
  const sim = new SimNetwork({ conditions: spec.conditions, netSeed: spec.netSeed ?? spec.rngSeed, startTime: spec.startTime })
  const seeds = Array.from({ length: spec.seeds }, (_, i) => seedAddress(i))
  const rngSeed = spec.rngSeed ?? 1
  let machineIndex = 0
  const deps = (self: Address) => ({
    self,
    seeds: [...seeds],
    random: seededRandom(rngSeed * 1009 + machineIndex++),
    sha256: spec.sha256,
  })
  const verifyTimeoutMs = spec.verifyTimeoutMs ?? seedVerifyTimeoutMs(settings)
  for (const address of seeds) {
    const id = sim.add(address, 'seed', createSeedMachine(deps(address), { verifyTimeoutMs }))
    sim.start(id, seeds, settings)
  }
  const restartSeed = (id: NodeId) => {
    const address = seeds.find((s) => `${s.ip}:${s.port}` === id)
    if (!address) throw new Error(`no seed ${id}`)
    sim.revive(id, createSeedMachine(deps(address), { verifyTimeoutMs }))
    sim.start(id, seeds, settings)
  }
  const peerOptions = {
    intervals,
    gossipCount: settings.gossipCount,
    livenessMisses: settings.livenessMisses,
    maxLinks: settings.maxLinks,
    topology: settings.topology,
  }
  const addPeer = (address: Address): NodeId => {
    const id = sim.add(address, 'peer', createPeerMachine(deps(address), peerOptions))
    sim.start(id, seeds, settings)
    return id
  }
  const restartPeer = (id: NodeId): void => {
    const address = parseAddress(id)
    if (!address || !sim.nodeIds('peer').includes(id)) throw new Error(`no peer ${id}`)
    sim.restart(id, createPeerMachine(deps(address), peerOptions), seeds, settings)
  }
  const peers = Array.from({ length: spec.peers }, (_, i) => peerAddress(i))
  const spacing = spec.joinSpacingMs ?? 20
  peers.forEach((address, i) => {
    sim.runFor(i === 0 ? 1 : spacing)
    addPeer(address)
  })
  const addSeed = (): NodeId => {
    const address = seedAddress(seeds.length)
    seeds.push(address)
    const id = sim.add(address, 'seed', createSeedMachine(deps(address), { verifyTimeoutMs }))
    sim.start(id, seeds, settings)
    return id
  }
  const announceSeeds = (): void => {
    for (const id of sim.nodeIds('peer')) sim.setSeeds(id, seeds)
  }
  return { sim, settings, seeds, peers, addPeer, restartSeed, restartPeer, addSeed, announceSeeds }
}

/** Creates a scenario and runs it for `runMs` of virtual time after the last peer started. */
export function runScenario(spec: ScenarioSpec & { runMs: number }): Scenario {
  const scenario = createScenario(spec)
  scenario.sim.runFor(spec.runMs)
  return scenario
}

/** The network as the events describe it (the same fold the app uses). */
export function networkOf(sim: SimNetwork): NetworkState {
  return foldEvents(sim.events)
}

/** Undirected overlay among live peers, from the events. */
export function overlay(sim: SimNetwork): Map<NodeId, Set<NodeId>> {
  const state = networkOf(sim)
  const graph = new Map<NodeId, Set<NodeId>>()
  for (const id of sim.nodeIds('peer')) if (sim.isAlive(id)) graph.set(id, new Set())
  for (const link of state.links.values()) {
    if (graph.has(link.a) && graph.has(link.b)) {
      graph.get(link.a)!.add(link.b)
      graph.get(link.b)!.add(link.a)
    }
  }
  return graph
}

/** Number of connected components of a graph (0 for an empty one). */
export function componentCount(graph: Map<NodeId, Set<NodeId>>): number {
  const seen = new Set<NodeId>()
  let components = 0
  for (const start of graph.keys()) {
    if (seen.has(start)) continue
    components++
    const stack = [start]
    seen.add(start)
    while (stack.length > 0) {
      for (const next of graph.get(stack.pop()!) ?? []) {
        if (!seen.has(next)) {
          seen.add(next)
          stack.push(next)
        }
      }
    }
  }
  return components
}

export function edgeCount(graph: Map<NodeId, Set<NodeId>>): number {
  let sum = 0
  for (const neighbours of graph.values()) sum += neighbours.size
  return sum / 2
}

