import { linkOfScenario } from '../../shared/scenario/conditions'
import type { NodeId } from '../../shared/address'
import { NETWORK_NODE, type SessionEvent } from '../../shared/events'
import type { NodeInfo, Result } from '../../shared/ipc'
import type { NetworkStart, ScenarioBackend, StartedNodes, StepNote } from '../../shared/scenario/backend'
import type { Conditions, PartitionDirection } from '../../shared/scenario/schema'
import type { ProtocolSettings } from '../../shared/settings'
import type { HostController } from './controller'

/**
 * Real seed and peer processes as a scenario backend: every step goes through the host
 * controller's verbs, exactly as a click in the app does, so a scenario run is an ordinary
 * session (recorded, exported, replayed). Steps are noted as host.action events by
 * 'scenario'; the controller stops noting its own verbs as the user's while this runs.
 */
export class HostBackend implements ScenarioBackend {
  readonly kind = 'real' as const
  private readonly listeners: Array<(event: SessionEvent) => void> = []
  private readonly detach: () => void
  /** The session this run started; another one (a New network by the user) ends the run. */
  private sessionId: string | null = null

  constructor(private readonly controller: HostController) {
    // A client of its own: it gets every event of the session it starts, from seq 1, in order.
    const client = controller.openClient({
      events: (batch) => {
        for (const event of batch.events) for (const listener of [...this.listeners]) listener(event)
      },
      status: () => undefined,
    })
    void client.ready(0)
    this.detach = () => client.close()
  }

  now(): number {
    return Date.now()
  }

  onEvent(listener: (event: SessionEvent) => void): void {
    this.listeners.push(listener)
  }

  async start(network: NetworkStart): Promise<StartedNodes> {
    const started = await this.controller.startScenarioNetwork({
      seeds: network.seeds,
      peers: network.peers,
      settings: network.settings,
      rngSeed: network.rngSeed,
      ...(network.packing ? { packing: network.packing } : {}),
    })
    if (!started.ok) throw new Error(started.error)
    this.sessionId = started.value.sessionId
    if (network.conditions && Object.values(network.conditions).some((v) => v !== 0)) await this.setConditions(network.conditions)
    const nodes = started.value.nodes
    return { seeds: nodes.filter((n) => n.role === 'seed').map((n) => n.id), peers: nodes.filter((n) => n.role === 'peer').map((n) => n.id) }
  }

  async addSeeds(count: number): Promise<NodeId[]> {
    const ids: NodeId[] = []
    for (let i = 0; i < count; i++) ids.push(unwrap(await this.controller.addSeed()).id)
    return ids
  }

  async addPeers(count: number): Promise<NodeId[]> {
    return unwrap(await this.controller.addPeers(count)).map((n: NodeInfo) => n.id)
  }

  async kill(id: NodeId): Promise<void> {
    unwrap(await this.controller.killNode(id))
  }

  async stopNode(id: NodeId): Promise<void> {
    unwrap(await this.controller.stopNode(id))
  }

  async pause(id: NodeId): Promise<void> {
    unwrap(await this.controller.pauseNode(id))
  }

  async resume(id: NodeId): Promise<void> {
    unwrap(await this.controller.resumeNode(id))
  }

  async restart(id: NodeId): Promise<void> {
    unwrap(await this.controller.restartNode(id))
  }

  async partition(nodes: NodeId[], other: NodeId[] | null, direction: PartitionDirection): Promise<void> {
    unwrap(await this.controller.partition({ side: nodes, ...(other ? { other } : {}), direction }))
  }

  async heal(): Promise<void> {
    unwrap(await this.controller.heal({}))
  }

  async setConditions(conditions: Conditions): Promise<void> {
    unwrap(await this.controller.setConditions({ defaults: linkOfScenario(conditions, this.controller.status().conditions.defaults) }))
  }

  async setSettings(settings: ProtocolSettings): Promise<void> {
    unwrap(await this.controller.setSettings(settings))
  }

  note(action: StepNote): void {
    const { node, t, ...rest } = action
    this.controller.recordAction({ node: node ?? NETWORK_NODE, by: 'scenario', ...rest }, t)
  }

  advance(until: number, wake: () => boolean): Promise<boolean> {
    return new Promise((resolve) => {
      let done = false
      const finish = (value: boolean): void => {
        if (done) return
        done = true
        clearTimeout(timer)
        clearInterval(watch)
        this.listeners.splice(this.listeners.indexOf(listener), 1)
        resolve(value)
      }
      const listener = (): void => {
        if (wake()) finish(true)
      }
      this.listeners.push(listener)
      const timer = setTimeout(() => finish(true), Math.max(0, until - this.now()))
      // A stop or a new session from outside (the user, a shutdown) ends the run.
      const watch = setInterval(() => {
        if (!this.ownsNetwork()) finish(false)
      }, 100)
    })
  }

  async stop(): Promise<void> {
    this.detach()
    if (this.ownsNetwork()) await this.controller.stopNetwork()
  }

  /** The host still runs the session this scenario started. */
  ownsNetwork(): boolean {
    const status = this.controller.status()
    return status.running && status.sessionId === this.sessionId
  }
}

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(result.error)
  return result.value
}
