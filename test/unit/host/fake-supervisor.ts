import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { NodeInfo, NodeRole, Result } from '../../../shared/ipc'
import { DEFAULT_SETTINGS, type ProtocolSettings } from '../../../shared/settings'
import { type NetConditions, NO_CONDITIONS } from '../../../shared/net/conditions'
import type { SupervisorLike } from '../../../electron/host/controller'
import type { SessionFolder } from '../../../electron/host/session-files'
import type { SupervisorHooks } from '../../../electron/host/supervisor'

/** An in-memory supervisor: records every call, never forks. */
export class FakeSupervisor implements SupervisorLike {
  session: SessionFolder | null = null
  running = false
  settings: ProtocolSettings = DEFAULT_SETTINGS
  maxNodes = 10
  calls: string[] = []
  nodes: NodeInfo[] = []
  private sessions = 0

  constructor(
    private readonly dir: string,
    readonly hooks: SupervisorHooks,
  ) {}

  conditions: NetConditions = NO_CONDITIONS
  setConditions(conditions: NetConditions): void {
    this.calls.push('setConditions')
    this.conditions = conditions
  }
  setSettings(settings: ProtocolSettings): void {
    this.calls.push('setSettings')
    this.settings = settings
  }
  nodeInfos(): NodeInfo[] {
    return this.nodes.map((n) => ({ ...n }))
  }
  capacityError(count: number, role: NodeRole): string | null {
    const alive = this.nodes.filter((n) => n.state === 'running').length
    return alive + count > this.maxNodes ? `cannot start ${count} more ${role}s` : null
  }
  beginSession(settings: ProtocolSettings): SessionFolder {
    this.calls.push('beginSession')
    const id = `session-${++this.sessions}`
    const dir = join(this.dir, id)
    mkdirSync(dir, { recursive: true })
    this.session = { id, dir, startedAt: 0 }
    this.settings = settings
    this.running = true
    this.nodes = []
    return this.session
  }
  async addSeeds(count: number): Promise<Result<NodeInfo[]>> {
    return this.add('seed', count)
  }
  async addPeers(count: number): Promise<Result<NodeInfo[]>> {
    return this.add('peer', count)
  }
  kill(id: string): Result {
    this.calls.push(`kill ${id}`)
    const node = this.nodes.find((n) => n.id === id)
    if (!node) return { ok: false, error: `no node ${id} in this session` }
    if (node.state === 'killed') return { ok: false, error: `node ${id} is already killed` }
    node.state = 'killed'
    return { ok: true, value: undefined }
  }
  pause(id: string): Result {
    return this.signal(id, 'pause', 'running', 'paused')
  }
  resume(id: string): Result {
    return this.signal(id, 'resume', 'paused', 'running')
  }
  async restart(id: string): Promise<Result<NodeInfo>> {
    this.calls.push(`restart ${id}`)
    const node = this.nodes.find((n) => n.id === id)
    if (!node) return { ok: false, error: `no node ${id} in this session` }
    node.pid = (node.pid ?? 0) + 1
    node.state = 'running'
    this.hooks.emit({ v: 1, t: 1, node: id, type: 'host.spawned', role: node.role, pid: node.pid })
    return { ok: true, value: { ...node } }
  }
  private signal(id: string, verb: string, from: NodeInfo['state'], to: NodeInfo['state']): Result {
    this.calls.push(`${verb} ${id}`)
    const node = this.nodes.find((n) => n.id === id)
    if (!node) return { ok: false, error: `no node ${id} in this session` }
    if (node.state !== from) return { ok: false, error: `node ${id} is not ${from}` }
    node.state = to
    return { ok: true, value: undefined }
  }
  stopNode(id: string): Result {
    this.calls.push(`stop ${id}`)
    return this.nodes.some((n) => n.id === id) ? { ok: true, value: undefined } : { ok: false, error: `no node ${id}` }
  }
  async stopAll(): Promise<void> {
    this.calls.push('stopAll')
    this.running = false
  }
  killAllNow(): void {
    this.calls.push('killAllNow')
  }
  livePids(): number[] {
    return []
  }

  private add(role: NodeRole, count: number): Result<NodeInfo[]> {
    this.calls.push(`add ${count} ${role}`)
    const refusal = this.capacityError(count, role)
    if (refusal) return { ok: false, error: refusal }
    const added: NodeInfo[] = []
    for (let i = 0; i < count; i++) {
      const port = 20001 + this.nodes.length
      const info: NodeInfo = { id: `127.0.0.1:${port}`, role, ip: '127.0.0.1', port, pid: 1000 + port, state: 'running' }
      this.nodes.push(info)
      added.push(info)
      this.hooks.emit({ v: 1, t: 1, node: info.id, type: 'host.spawned', role, pid: info.pid! })
    }
    this.hooks.changed()
    return { ok: true, value: added }
  }
}
