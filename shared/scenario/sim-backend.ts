import type { Address, NodeId } from '../address'
import { NETWORK_NODE } from '../events'
import type { Machine } from '../protocol/machine'
import { createPeerMachine } from '../protocol/peer-machine'
import { seededRandom } from '../protocol/rng'
import { createSeedMachine } from '../protocol/seed-machine'
import { scaledIntervals, type ProtocolSettings } from '../settings'
import { healed, nextPartitionName, withPartition } from '../net/conditions'
import { SimNetwork } from '../sim/network'
import { linkOfScenario } from './conditions'
import { peerAddress, seedAddress } from '../sim/scenario'
import type { NetworkStart, ScenarioBackend, StartedNodes, StepNote } from './backend'
import { nodeRngSeed } from './runner'
import type { Conditions, PartitionDirection } from './schema'

/**
 * The simulator as a scenario backend: the same seed and peer machines as the node
 * programs, in shared/sim's in-memory network with a virtual clock (minutes of protocol
 * time in seconds of wall time). Nodes get the addresses createScenario uses and the rng
 * seeds the real backend gives (nodeRngSeed by start order), so a scenario's choices are
 * exactly reproducible here.
 */

export interface SimBackendOptions {
  /** SHA-256 hex of a UTF-8 string (the machines' Message List key). */
  sha256: (text: string) => string
  /** Virtual ms between two peers starting at launch (default 20). */
  joinSpacingMs?: number
  /** Virtual time of the start, ms since epoch. */
  startTime?: number
}

export class SimBackend implements ScenarioBackend {
  readonly kind = 'sim' as const
  readonly sim: SimNetwork
  private settings: ProtocolSettings | null = null
  private rngSeed = 1
  private started = 0
  private readonly seeds: Address[] = []
  private peers = 0
  private readonly roles = new Map<NodeId, { role: 'seed' | 'peer'; address: Address }>()

  constructor(private readonly options: SimBackendOptions) {
    this.sim = new SimNetwork({ startTime: options.startTime })
  }

  now(): number {
    return this.sim.now
  }

  onEvent(listener: Parameters<ScenarioBackend['onEvent']>[0]): void {
    this.sim.onEvent(listener)
  }

  async start(network: NetworkStart): Promise<StartedNodes> {
    this.settings = network.settings
    this.rngSeed = network.rngSeed
    this.sim.recordHost({
      type: 'host.action',
      node: NETWORK_NODE,
      by: 'scenario',
      action: 'start',
      seeds: network.seeds,
      peers: network.peers,
      settings: network.settings,
      rngSeed: network.rngSeed,
      ...(network.packing !== undefined ? { packing: network.packing } : {}),
    })
    if (network.conditions && Object.values(network.conditions).some((v) => v !== 0)) await this.setConditions(network.conditions)
    const seeds = await this.addSeeds(network.seeds)
    const peers: NodeId[] = []
    const spacing = this.options.joinSpacingMs ?? 20
    for (let i = 0; i < network.peers; i++) {
      this.sim.runFor(i === 0 ? 1 : spacing)
      peers.push(this.startPeer())
    }
    return { seeds, peers }
  }

  async addSeeds(count: number): Promise<NodeId[]> {
    const ids: NodeId[] = []
    for (let i = 0; i < count; i++) {
      const address = seedAddress(this.seeds.length)
      this.seeds.push(address)
      const id = this.sim.add(address, 'seed', this.seedMachine(address))
      this.roles.set(id, { role: 'seed', address })
      ids.push(id)
    }
    for (const id of ids) this.sim.start(id, this.seeds, this.settings!)
    // Running peers re-read config.txt: they hear of the new seeds.
    if (this.peers > 0) for (const id of this.sim.nodeIds('peer')) this.sim.setSeeds(id, this.seeds)
    return ids
  }

  async addPeers(count: number): Promise<NodeId[]> {
    const ids: NodeId[] = []
    for (let i = 0; i < count; i++) {
      if (i > 0) this.sim.runFor(this.options.joinSpacingMs ?? 20)
      ids.push(this.startPeer())
    }
    return ids
  }

  async kill(id: NodeId): Promise<void> {
    this.running(id)
    this.sim.kill(id)
  }

  async stopNode(id: NodeId): Promise<void> {
    this.running(id)
    this.sim.stop(id)
  }

  /** A new process at the same address (a new machine and incarnation); a running node is killed first. */
  async restart(id: NodeId): Promise<void> {
    const node = this.roles.get(id)
    if (!node) throw new Error(`no node ${id}`)
    const machine = node.role === 'seed' ? this.seedMachine(node.address) : this.peerMachine(node.address)
    this.sim.restart(id, machine, this.seeds, this.settings!)
  }

  /** SIGSTOP: the node keeps its connections but handles nothing until resumed. */
  async pause(id: NodeId): Promise<void> {
    this.running(id)
    if (this.sim.isPaused(id)) throw new Error(`${id} is already paused`)
    this.sim.pause(id)
  }

  async resume(id: NodeId): Promise<void> {
    if (!this.sim.isPaused(id)) throw new Error(`${id} is not paused`)
    this.sim.resume(id)
  }

  async partition(nodes: NodeId[], other: NodeId[] | null, direction: PartitionDirection): Promise<void> {
    const current = this.sim.conditions
    const side = [...new Set(nodes)]
    this.sim.setConditions(withPartition(current, { name: nextPartitionName(current), side, other: other ? [...new Set(other)] : null, direction }))
  }

  async heal(): Promise<void> {
    this.sim.setConditions(healed(this.sim.conditions))
  }

  async setConditions(conditions: Conditions): Promise<void> {
    const current = this.sim.conditions
    this.sim.setConditions({ ...current, defaults: linkOfScenario(conditions, current.defaults) })
  }

  async setSettings(settings: ProtocolSettings): Promise<void> {
    this.settings = settings
  }

  note(action: StepNote): void {
    const { node, step, action: kind, t, ...rest } = action
    this.sim.recordHost({ type: 'host.action', node: node ?? NETWORK_NODE, by: 'scenario', step, action: kind, ...rest }, t)
  }

  async advance(until: number, wake: () => boolean): Promise<boolean> {
    if (until > this.sim.now) this.sim.runUntilTrue(wake, until - this.sim.now)
    return true
  }

  async stop(): Promise<void> {
    for (const id of this.sim.nodeIds()) if (this.sim.isAlive(id)) this.sim.stop(id)
    // Let the stops' closes reach the neighbours.
    this.sim.runFor(10)
  }

  private running(id: NodeId): void {
    if (!this.sim.isAlive(id)) throw new Error(`${id} is not running`)
  }

  private startPeer(): NodeId {
    const address = peerAddress(this.peers++)
    const id = this.sim.add(address, 'peer', this.peerMachine(address))
    this.roles.set(id, { role: 'peer', address })
    this.sim.start(id, this.seeds, this.settings!)
    return id
  }

  private deps(self: Address) {
    return {
      self,
      seeds: [...this.seeds],
      random: seededRandom(nodeRngSeed(this.rngSeed, this.started++)),
      sha256: this.options.sha256,
    }
  }

  private seedMachine(address: Address): Machine {
    const verifyTimeoutMs = 2 * scaledIntervals(this.settings!).livenessMs
    return createSeedMachine(this.deps(address), { verifyTimeoutMs })
  }

  private peerMachine(address: Address): Machine {
    const s = this.settings!
    return createPeerMachine(this.deps(address), {
      intervals: scaledIntervals(s),
      gossipCount: s.gossipCount,
      livenessMisses: s.livenessMisses,
      maxLinks: s.maxLinks,
      topology: s.topology,
    })
  }
}
