import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { formatAddress, type Address } from '../../shared/address'
import type { AnyEvent } from '../../shared/events'
import type { NodeInfo, NodeRole, Result } from '../../shared/ipc'
import { type NetConditions, NO_CONDITIONS, isIdle } from '../../shared/net/conditions'
import { nodeRngSeed } from '../../shared/scenario/runner'
import { DEFAULT_SETTINGS, type ProtocolSettings } from '../../shared/settings'
import { AddressAllocator, type Probe, probeAddress } from './addresses'
import { nodeFlags, nodeLogFolder } from './node-flags'
import { NodeProcess } from './node-process'
import { CONFIG_FILE, LOGS_DIR, createSessionFolder, writeSessionFiles, type SessionFolder } from './session-files'

/**
 * Runs one session's seed and peer processes: allocates their addresses, keeps the
 * session's config.txt and session.json current, forks the node programs, and stops or
 * kills them on request. Plain Node: used by Electron main and the web host alike.
 * Callers serialise the async operations (the HostController does).
 */

export interface SupervisorOptions {
  sessionsDir: string
  /** Built node programs (out/main/seed.js, out/main/peer.js). */
  scripts: { seed: string; peer: string }
  /** Most nodes alive at once. */
  maxNodes: number
  /** First port handed out in a session (ports increase from here, below 32768). */
  basePort: number
  /** Runtime for node processes; default: this process's. */
  execPath?: string
  /** ms a clean stop may take before SIGKILL. */
  stopTimeoutMs: number
  /** ms to wait for a node's node.started before moving on (it is then reported, not awaited). */
  startTimeoutMs: number
  /** Peers started together while waiting for them to listen. */
  launchWave: number
  now: () => number
  probe?: Probe
}

export const DEFAULT_SUPERVISOR: Omit<SupervisorOptions, 'sessionsDir' | 'scripts'> = {
  maxNodes: 200,
  basePort: 20001,
  stopTimeoutMs: 3000,
  startTimeoutMs: 10_000,
  launchWave: 8,
  now: Date.now,
}

export interface SupervisorHooks {
  /** Every event from or about a node of the current session, in arrival order. */
  emit(event: AnyEvent): void
  /** Node states changed (for status pushes). */
  changed(): void
}

export class Supervisor {
  private folder: SessionFolder | null = null
  private nodes = new Map<string, NodeProcess>()
  private seeds: Address[] = []
  private allocator: AddressAllocator | null = null
  private current: ProtocolSettings = DEFAULT_SETTINGS
  private net: NetConditions = NO_CONDITIONS
  private active = false
  /** The session's rng seed (node k gets nodeRngSeed(rngSeed, k)); null = each node draws its own. */
  private rngSeed: number | null = null
  private spawnCount = 0

  constructor(
    readonly options: SupervisorOptions,
    private readonly hooks: SupervisorHooks,
  ) {}

  get session(): SessionFolder | null {
    return this.folder
  }

  /** A session is open and not stopped. */
  get running(): boolean {
    return this.active
  }

  get settings(): ProtocolSettings {
    return this.current
  }

  get maxNodes(): number {
    return this.options.maxNodes
  }

  /** Settings for nodes started from now on. */
  setSettings(settings: ProtocolSettings): void {
    this.current = settings
  }

  /** The network conditions every node applies (new nodes get them as they start). */
  get conditions(): NetConditions {
    return this.net
  }

  /**
   * Applies network conditions (already validated) to every running node now, over each
   * node's IPC channel, and to nodes started from now on.
   */
  setConditions(conditions: NetConditions): void {
    this.net = conditions
    for (const node of this.nodes.values()) if (node.alive) node.send({ type: 'net.set', conditions })
  }

  nodeInfos(): NodeInfo[] {
    return [...this.nodes.values()].map((node) => ({ ...node.info }))
  }

  get aliveCount(): number {
    let count = 0
    for (const node of this.nodes.values()) if (node.alive) count++
    return count
  }

  /** Opens a new session folder. Every node of the previous session must be gone (see stopAll). */
  beginSession(settings: ProtocolSettings, rngSeed: number | null = null): SessionFolder {
    if (this.aliveCount > 0) throw new Error('stop the running nodes before starting a session')
    this.folder = createSessionFolder(this.options.sessionsDir, this.options.now())
    this.nodes = new Map()
    this.seeds = []
    this.current = settings
    // Global defaults carry over; overrides and partitions name the old session's nodes.
    this.net = { defaults: this.net.defaults, links: [], partitions: [] }
    this.rngSeed = rngSeed
    this.spawnCount = 0
    this.allocator = new AddressAllocator(this.options.basePort, this.options.probe ?? probeAddress)
    this.active = true
    writeSessionFiles(this.folder, settings, this.seeds)
    this.hooks.changed()
    return this.folder
  }

  /** Refusal text if `count` more nodes cannot be started now, else null. */
  capacityError(count: number, role: NodeRole): string | null {
    if (!this.active || !this.folder) return 'no network is running: start one first'
    if (role === 'peer' && this.seeds.length < 2) return 'a network needs at least 2 seeds before peers can join'
    const alive = this.aliveCount
    if (alive + count > this.options.maxNodes) {
      return `cannot start ${count} more ${role}${count === 1 ? '' : 's'}: ${alive} of at most ${this.options.maxNodes} nodes are running`
    }
    return null
  }

  /**
   * Starts seeds and waits until they listen. The session's first seeds are written to
   * config.txt before they start; a seed added later is written once it listens, because
   * running peers re-read config.txt and connect to every seed it lists.
   */
  async addSeeds(count: number): Promise<Result<NodeInfo[]>> {
    const refusal = this.capacityError(count, 'seed')
    if (refusal) return { ok: false, error: refusal }
    const allocated = await this.allocate('seed', count)
    if (!allocated.ok) return allocated
    if (!this.active) return { ok: false, error: 'the network was stopped' }
    const first = this.seeds.length === 0
    this.seeds.push(...allocated.value)
    if (first) writeSessionFiles(this.folder!, this.current, this.seeds)
    const started = allocated.value.map((address) => this.spawn('seed', address))
    await this.awaitStarted(started)
    if (!first && this.active) writeSessionFiles(this.folder!, this.current, this.seeds)
    return { ok: true, value: started.map((node) => ({ ...node.info })) }
  }

  /** Starts peers in waves of `launchWave`, each wave waiting until its peers listen. */
  async addPeers(count: number): Promise<Result<NodeInfo[]>> {
    const refusal = this.capacityError(count, 'peer')
    if (refusal) return { ok: false, error: refusal }
    const allocated = await this.allocate('peer', count)
    if (!allocated.ok) return allocated
    const started: NodeProcess[] = []
    for (let i = 0; i < allocated.value.length; i += this.options.launchWave) {
      if (!this.active) break
      const wave = allocated.value.slice(i, i + this.options.launchWave).map((address) => this.spawn('peer', address))
      started.push(...wave)
      await this.awaitStarted(wave)
    }
    return { ok: true, value: started.map((node) => ({ ...node.info })) }
  }

  kill(id: string): Result {
    const node = this.nodes.get(id)
    return node ? node.kill() : { ok: false, error: `no node ${id} in this session` }
  }

  stopNode(id: string): Result {
    const node = this.nodes.get(id)
    return node ? node.stop() : { ok: false, error: `no node ${id} in this session` }
  }

  /** SIGSTOP (see NodeProcess.pause). One node: a launcher that packs nodes must freeze only this one. */
  pause(id: string): Result {
    const node = this.nodes.get(id)
    return node ? node.pause() : { ok: false, error: `no node ${id} in this session` }
  }

  /** SIGCONT (see NodeProcess.resume). */
  resume(id: string): Result {
    const node = this.nodes.get(id)
    return node ? node.resume() : { ok: false, error: `no node ${id} in this session` }
  }

  /**
   * Starts node `id` again at the same address as a new process (new pid, new incarnation):
   * a running or paused one is SIGKILLed first (a crash and a restart, as a supervisor
   * restarting a process does), a killed, crashed or stopped one just starts. It writes to
   * the same log folder and events file. Resolves once it listens or its start timed out.
   */
  async restart(id: string): Promise<Result<NodeInfo>> {
    const old = this.nodes.get(id)
    if (!old) return { ok: false, error: `no node ${id} in this session` }
    if (!this.active || !this.folder) return { ok: false, error: 'no network is running: start one first' }
    if (!old.alive) {
      const refusal = this.capacityError(1, old.info.role)
      if (refusal) return { ok: false, error: refusal }
    }
    old.kill()
    await old.exited
    if (!this.active) return { ok: false, error: 'the network was stopped' }
    const node = this.spawn(old.info.role, { ip: old.info.ip, port: old.info.port })
    await this.awaitStarted([node])
    return { ok: true, value: { ...node.info } }
  }

  /** Stops every node cleanly (SIGKILL after the stop timeout) and waits until all are gone. */
  async stopAll(): Promise<void> {
    this.active = false
    const alive = [...this.nodes.values()].filter((node) => node.alive)
    for (const node of alive) node.stop()
    await Promise.all(alive.map((node) => node.exited))
    this.hooks.changed()
  }

  /** Synchronous last resort, e.g. from process.on('exit'): SIGKILL every child. */
  killAllNow(): void {
    this.active = false
    for (const node of this.nodes.values()) node.killNow()
  }

  /** Pids of node processes still alive. */
  livePids(): number[] {
    return [...this.nodes.values()].filter((n) => n.alive && n.info.pid !== null).map((n) => n.info.pid!)
  }

  private async allocate(role: NodeRole, count: number): Promise<Result<Address[]>> {
    const addresses: Address[] = []
    try {
      for (let i = 0; i < count; i++) addresses.push(await this.allocator!.next(role))
    } catch (error) {
      return { ok: false, error: (error as Error).message }
    }
    return { ok: true, value: addresses }
  }

  private spawn(role: NodeRole, address: Address): NodeProcess {
    const folder = this.folder!
    const id = formatAddress(address)
    const logDir = join(folder.dir, LOGS_DIR, nodeLogFolder(address.ip, address.port))
    mkdirSync(logDir, { recursive: true })
    const k = this.spawnCount++
    const rngSeed = this.rngSeed === null ? undefined : nodeRngSeed(this.rngSeed, k)
    const args = nodeFlags({ role, ...address, configPath: join(folder.dir, CONFIG_FILE), logDir, settings: this.current, rngSeed })
    const node = new NodeProcess({
      id,
      role,
      ...address,
      script: this.options.scripts[role],
      args,
      execPath: this.options.execPath,
      stopTimeoutMs: this.options.stopTimeoutMs,
      now: this.options.now,
      // A late event from an earlier session's node is dropped, never recorded into this one.
      emit: (event) => {
        if (this.folder === folder) this.hooks.emit(event)
      },
      changed: () => this.hooks.changed(),
    })
    this.nodes.set(id, node)
    // Sent at once: the node queues commands that arrive before it is ready.
    if (!isIdle(this.net)) node.send({ type: 'net.set', conditions: this.net })
    this.hooks.changed()
    return node
  }

  private async awaitStarted(nodes: NodeProcess[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.startTimeoutMs)))
    await Promise.race([Promise.all(nodes.map((node) => node.started)), timeout])
    clearTimeout(timer)
  }
}
