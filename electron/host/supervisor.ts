import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { formatAddress, type Address } from '../../shared/address'
import type { AnyEvent } from '../../shared/events'
import type { LaunchProgress, NodeInfo, NodeRole, Result } from '../../shared/ipc'
import { type NetConditions, NO_CONDITIONS, isIdle } from '../../shared/net/conditions'
import { nodeRngSeed } from '../../shared/scenario/runner'
import { DEFAULT_SETTINGS, type ProtocolSettings } from '../../shared/settings'
import { AddressAllocator, type Probe, probeAddress } from './addresses'
import type { EventsDetail } from '../nodes/events-detail'
import { Launcher } from './launcher'
import { nodeFlags, nodeLogFolder } from './node-flags'
import type { ManagedNode } from './node-process'
import { DEFAULT_PACKING, type Packing } from '../../shared/packing'
import { CONFIG_FILE, LOGS_DIR, createSessionFolder, writeSessionFiles, type SessionFolder } from './session-files'

/**
 * Runs one session's seeds and peers: allocates their addresses, keeps the session's
 * config.txt and session.json current, launches the nodes (the Launcher places them into
 * processes by the packing setting), and stops, kills, pauses or restarts them on
 * request. Plain Node: used by Electron main and the web host alike.
 * Callers serialise the async operations (the HostController does).
 */

export interface SupervisorOptions {
  sessionsDir: string
  /** Built node programs (out/main/seed.js, peer.js, node-host.js). */
  scripts: { seed: string; peer: string; host: string }
  /** How nodes are placed into processes (packing.ts). */
  packing: Packing
  /** What nodes in shared processes send live (their events files keep everything). */
  sharedEventsDetail: EventsDetail
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
  maxNodes: 1000,
  packing: DEFAULT_PACKING,
  sharedEventsDetail: 'receipts',
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
  private readonly launcher: Launcher
  private seeds: Address[] = []
  private allocator: AddressAllocator | null = null
  private current: ProtocolSettings = DEFAULT_SETTINGS
  private net: NetConditions = NO_CONDITIONS
  private active = false
  private progress: LaunchProgress | null = null
  /** The session's rng seed (node k gets nodeRngSeed(rngSeed, k)); null = each node draws its own. */
  private rngSeed: number | null = null
  private spawnCount = 0

  constructor(
    readonly options: SupervisorOptions,
    private readonly hooks: SupervisorHooks,
  ) {
    this.launcher = new Launcher({
      scripts: options.scripts,
      packing: options.packing,
      sharedEventsDetail: options.sharedEventsDetail,
      execPath: options.execPath,
      stopTimeoutMs: options.stopTimeoutMs,
      now: options.now,
      emit: (event) => {
        // A node's events end with its host.exited, and a session begins only once every
        // node of the previous one is gone: nothing of an earlier session reaches this one.
        if (this.folder !== null) this.hooks.emit(event)
      },
      changed: () => this.hooks.changed(),
    })
  }

  /** Nodes of the request under way that are up, of how many (null when none is). */
  get launching(): LaunchProgress | null {
    return this.progress ? { ...this.progress } : null
  }

  get packing(): Packing {
    return this.launcher.packing
  }

  /** Packing for nodes started from now on. */
  setPacking(packing: Packing): void {
    this.launcher.setPacking(packing)
  }

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
   * node's IPC channel (a node host hands it to the node it names), and to nodes started
   * from now on.
   */
  setConditions(conditions: NetConditions): void {
    this.net = conditions
    for (const node of this.launcher.all()) if (node.alive) node.process.command(node, { type: 'net.set', conditions })
  }

  nodeInfos(): NodeInfo[] {
    return this.launcher.infos()
  }

  get aliveCount(): number {
    return this.launcher.aliveCount
  }

  /** Opens a new session folder. Every node of the previous session must be gone (see stopAll). */
  beginSession(settings: ProtocolSettings, rngSeed: number | null = null, packing?: Packing): SessionFolder {
    if (this.aliveCount > 0) throw new Error('stop the running nodes before starting a session')
    this.folder = createSessionFolder(this.options.sessionsDir, this.options.now())
    this.launcher.forget()
    if (packing) this.launcher.setPacking(packing)
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
    this.progress = { role: 'seed', done: 0, total: started.length }
    await this.awaitStarted(started)
    this.endProgress(started)
    if (!first && this.active) writeSessionFiles(this.folder!, this.current, this.seeds)
    return { ok: true, value: started.map((node) => ({ ...node.info })) }
  }

  /** Starts peers in waves of `launchWave`, each wave waiting until its peers listen. */
  async addPeers(count: number): Promise<Result<NodeInfo[]>> {
    const refusal = this.capacityError(count, 'peer')
    if (refusal) return { ok: false, error: refusal }
    const allocated = await this.allocate('peer', count)
    if (!allocated.ok) return allocated
    const started: ManagedNode[] = []
    this.progress = { role: 'peer', done: 0, total: allocated.value.length }
    await this.launcher.expect('peer', allocated.value.length)
    try {
      for (const addresses of inWaves(allocated.value, () => this.waveSize())) {
        if (!this.active) break
        const wave = addresses.map((address) => this.spawn('peer', address))
        started.push(...wave)
        await this.awaitStarted(wave)
      }
    } finally {
      this.endProgress(started)
    }
    return { ok: true, value: started.map((node) => ({ ...node.info })) }
  }

  /** SIGKILL for a node of its own process; the same to the network for a node sharing one. */
  kill(id: string): Result {
    return this.launcher.kill(id)
  }

  stopNode(id: string): Result {
    return this.launcher.stop(id)
  }

  /**
   * SIGSTOP for a node of its own process; for a node sharing one, the node host stops
   * that node's timers and socket I/O (the same to the network). Emits `node.paused`.
   */
  pause(id: string): Result {
    return this.launcher.pause(id)
  }

  /** SIGCONT, or the node host lets the node run again. Emits `node.resumed`. */
  resume(id: string): Result {
    return this.launcher.resume(id)
  }

  /**
   * Starts node `id` again at the same address with a new incarnation (a new process, or
   * a place in a node host, by the packing): a running or paused one is killed first (a
   * crash and a restart, as a supervisor restarting a process does), a killed, crashed or
   * stopped one just starts. It writes to the same log folder and events file. Resolves
   * once it listens or its start timed out.
   */
  async restart(id: string): Promise<Result<NodeInfo>> {
    const old = this.launcher.get(id)
    if (!old) return { ok: false, error: `no node ${id} in this session` }
    if (!this.active || !this.folder) return { ok: false, error: 'no network is running: start one first' }
    if (!old.alive) {
      const refusal = this.capacityError(1, old.info.role)
      if (refusal) return { ok: false, error: refusal }
    }
    if (old.alive && old.requested !== 'SIGKILL') old.process.kill(old)
    await old.exited
    if (!this.active) return { ok: false, error: 'the network was stopped' }
    if (this.launcher.get(id) !== old) return { ok: false, error: `node ${id} was restarted meanwhile` }
    const node = this.spawn(old.info.role, { ip: old.info.ip, port: old.info.port })
    await this.awaitStarted([node])
    return { ok: true, value: { ...node.info } }
  }

  /** Nodes that die with node `id` if its process is killed (itself included). */
  processNodes(id: string): string[] {
    return this.launcher.processNodes(id).map((node) => node.id)
  }

  /** SIGKILLs node `id`'s whole process: every node sharing it dies. */
  killProcessOf(id: string): Result<{ pid: number | null; nodes: string[] }> {
    return this.launcher.killProcessOf(id)
  }

  /** Stops every node cleanly (killed after the stop timeout) and waits until all are gone. */
  async stopAll(): Promise<void> {
    this.active = false
    await this.launcher.stopAll()
    this.hooks.changed()
  }

  /** Synchronous last resort, e.g. from process.on('exit'): SIGKILL every child. */
  killAllNow(): void {
    this.active = false
    this.launcher.killAllNow()
  }

  /** Pids of node processes still alive. */
  livePids(): number[] {
    return this.launcher.livePids()
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

  private spawn(role: NodeRole, address: Address): ManagedNode {
    const folder = this.folder!
    const id = formatAddress(address)
    const logDir = join(folder.dir, LOGS_DIR, nodeLogFolder(address.ip, address.port))
    mkdirSync(logDir, { recursive: true })
    const k = this.spawnCount++
    const rngSeed = this.rngSeed === null ? undefined : nodeRngSeed(this.rngSeed, k)
    const args = nodeFlags({ role, ...address, configPath: join(folder.dir, CONFIG_FILE), logDir, settings: this.current, rngSeed })
    const node = this.launcher.launch({ id, role, ...address, args })
    // Sent at once: the node queues commands that arrive before it is ready.
    if (!isIdle(this.net)) node.process.command(node, { type: 'net.set', conditions: this.net })
    this.hooks.changed()
    return node
  }

  /**
   * Peers started together: `launchWave` processes of their own (each costs a Node
   * start-up), or a whole node host's worth when nodes are packed (a node in a host
   * starts in milliseconds).
   */
  private waveSize(): number {
    const packing = this.launcher.packing
    if (packing.mode === 'single') return this.options.launchWave
    if (packing.mode === 'auto' && this.aliveCount < packing.threshold) return this.options.launchWave
    return Math.max(this.options.launchWave, packing.size)
  }

  /**
   * The request's progress stays shown until each of its nodes started or exited (a wave
   * that outlasts its wait is still starting), at most PROGRESS_HOLD_MS after the last wave.
   */
  private endProgress(nodes: ManagedNode[]): void {
    const progress = this.progress
    const clear = () => {
      clearTimeout(timer)
      if (this.progress !== progress) return
      this.progress = null
      this.hooks.changed()
    }
    const timer = setTimeout(clear, PROGRESS_HOLD_MS)
    timer.unref()
    void Promise.all(nodes.map((node) => node.started)).then(clear)
    this.hooks.changed()
  }

  private async awaitStarted(nodes: ManagedNode[]): Promise<void> {
    for (const node of nodes) {
      void node.started.then(() => {
        if (this.progress) this.progress.done++
        this.hooks.changed()
      })
    }
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.startTimeoutMs)))
    await Promise.race([Promise.all(nodes.map((node) => node.started)), timeout])
    clearTimeout(timer)
  }
}

/** Longest a launch's progress stays shown after its last wave was sent off, ms. */
const PROGRESS_HOLD_MS = 60_000

/**
 * Consecutive waves of `items`, every item in exactly one, in order. `size()` is asked once
 * per wave, just before it (lazily: after the previous wave was consumed), because the wave
 * size grows once enough nodes run (auto packing); asking it again to advance would skip
 * items.
 */
export function* inWaves<T>(items: readonly T[], size: () => number): Generator<T[]> {
  for (let i = 0; i < items.length; ) {
    const n = Math.max(1, Math.floor(size()))
    yield items.slice(i, i + n)
    i += n
  }
}
