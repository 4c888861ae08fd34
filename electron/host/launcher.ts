import type { AnyEvent } from '../../shared/events'
import type { EventsDetail } from '../nodes/events-detail'
import type { NodeInfo, Result } from '../../shared/ipc'
import { ManagedNode, NodeProcess, type NodeSpec } from './node-process'
import { DEFAULT_PACKING, type Packing, placement } from '../../shared/packing'

/**
 * The one way nodes are started: by the app's supervisor, the system tests and the node
 * benchmark. Places each node into a process by the packing setting (packing.ts): a seed
 * or peer program of its own, or a node host shared with other nodes; then every verb
 * (kill, stop, pause, resume, restart) acts on one node whatever its process, and looks
 * the same to the network either way (node-process.ts).
 */

/** Longest `expect()` waits for the node hosts it started to come up, ms. */
const HOST_READY_WAIT_MS = 10_000

/** Default V8 flags of a node host (see LauncherOptions.hostExecArgv). */
export const HOST_EXEC_ARGV = ['--max-semi-space-size=2', '--max-old-space-size=512', '--single-threaded-gc']

export interface LauncherOptions {
  /** Built programs: seed.js, peer.js (one node each) and node-host.js (many). */
  scripts: { seed: string; peer: string; host: string }
  packing?: Packing
  /**
   * `--events-detail` of a node placed in a node host whose flags choose none: at the
   * sizes packing is for, the live stream drops per-hop sends (the node's events file
   * keeps them). Default: full.
   */
  sharedEventsDetail?: EventsDetail
  /** Runtime for node processes; default: this process's. */
  execPath?: string
  /** Node/V8 flags for every node process (e.g. heap limits). */
  execArgv?: string[]
  /**
   * Node/V8 flags of node host processes; default `execArgv`, else HOST_EXEC_ARGV (a small
   * young generation: Node's default of 16 MB semi-spaces costs up to ~48 MB per host; an
   * old generation capped at 512 MB: V8 lets the heap of a process with no cap (on a machine
   * with gigabytes free) grow to ~4x its live objects before collecting, with 512 MB to
   * ~1.4x (1 GB: ~1.6x, and a worse p99 hop delay at 100 peers in 3 runs out of 3), while a
   * host of 100 nodes at 1,000 peers holds about 20 MB of live objects;
   * and garbage collection on the main thread: on a busy 2-core machine a parallel scavenge
   * waits for helper threads that are not scheduled, and its pauses measured 1.5-3x longer).
   */
  hostExecArgv?: string[]
  /** ms a clean stop may take before the node is killed. */
  stopTimeoutMs: number
  now: () => number
  /** Every event from or about a node, in arrival order. */
  emit: (event: AnyEvent) => void
  /** Node states changed. */
  changed: () => void
}

export class Launcher {
  private packingSetting: Packing
  /** Every node launched since the last `forget()`, by id (a restarted node replaces its entry). */
  private readonly nodes = new Map<string, ManagedNode>()
  private readonly processes = new Set<NodeProcess>()
  /**
   * The node host new shared nodes of each role go into until it has had `size` nodes.
   * Seeds never share a process with peers: every joining peer waits on the seeds, so a
   * seed must not queue behind the gossip and liveness work of its process mates.
   */
  private filling: Record<NodeSpec['role'], NodeProcess | null> = { seed: null, peer: null }
  /** The request announced by `expect()` whose shared nodes are being spread, per role. */
  private spread: Record<NodeSpec['role'], Spread | null> = { seed: null, peer: null }

  constructor(private readonly options: LauncherOptions) {
    this.packingSetting = options.packing ?? DEFAULT_PACKING
  }

  get packing(): Packing {
    return this.packingSetting
  }

  /** Applies to nodes launched from now on. */
  setPacking(packing: Packing): void {
    this.packingSetting = packing
    this.filling = { seed: null, peer: null }
    this.dropSpread()
  }

  /**
   * Announces that `count` nodes of `role` are about to be launched, one request (the app's
   * "add N peers", the benchmark's network), and resolves once the node hosts they need
   * are up (at most HOST_READY_WAIT_MS). Those of them placed in node hosts are spread
   * round-robin, in launch order, over ceil(shared / size) new hosts instead of filling one
   * host after another. Why: under preferential attachment the first peers of a network
   * become its hubs (in a Barabási–Albert graph node i ends with degree ~ m·sqrt(N/i), so
   * the first 10% of 1,000 peers hold about a third of all link ends); filled in order they
   * all shared the first host, whose one event loop then carried a third of the launch's
   * flooding and answered new links' Hello 5 s late (README, issue 9). The hosts are
   * started here, all at once, and waited for, so that launch order is also start order:
   * a host that booted before the others would start its queued nodes first and make them
   * the hubs. Nodes launched beyond `count` fill hosts as before.
   */
  async expect(role: NodeSpec['role'], count: number): Promise<void> {
    const packing = this.packingSetting
    const alone = packing.mode === 'auto' ? Math.max(0, packing.threshold - this.aliveCount) : 0
    const shared = Math.max(0, count - alone)
    const where = placement(packing, Number.MAX_SAFE_INTEGER)
    this.dropSpread(role)
    if (!where.shared || shared <= 1) return
    const hosts = Array.from({ length: Math.ceil(shared / where.size) }, () => this.newProcess('host'))
    this.spread[role] = { hosts, left: shared, next: 0 }
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, HOST_READY_WAIT_MS)))
    await Promise.race([Promise.all(hosts.map((h) => h.ready)), late])
    clearTimeout(timer)
  }

  get aliveCount(): number {
    let count = 0
    for (const node of this.nodes.values()) if (node.alive) count++
    return count
  }

  get(id: string): ManagedNode | undefined {
    return this.nodes.get(id)
  }

  all(): ManagedNode[] {
    return [...this.nodes.values()]
  }

  infos(): NodeInfo[] {
    return this.all().map((node) => ({ ...node.info }))
  }

  /** Forgets ended nodes (a new session). */
  forget(): void {
    for (const [id, node] of this.nodes) if (!node.alive) this.nodes.delete(id)
    this.filling = { seed: null, peer: null }
    this.dropSpread()
  }

  /** Starts a node in a process chosen by the packing; `started` / `exited` tell how it goes. */
  launch(spec: NodeSpec): ManagedNode {
    const existing = this.nodes.get(spec.id)
    if (existing?.alive) throw new Error(`node ${spec.id} is already running`)
    const where = placement(this.packingSetting, this.aliveCount)
    let node: ManagedNode
    if (!where.shared) {
      node = this.newProcess('single', spec).nodes.get(spec.id)!
    } else {
      const host = this.sharedHost(spec.role, where.size)
      const detail = this.options.sharedEventsDetail
      const args = detail && !spec.args.includes('--events-detail') ? [...spec.args, '--events-detail', detail] : spec.args
      node = host.place({ ...spec, args })
    }
    this.nodes.set(spec.id, node)
    void node.exited.then(() => this.retire(node.process))
    return node
  }

  kill(id: string): Result {
    return this.act(id, (node) => node.process.kill(node))
  }

  stop(id: string): Result {
    return this.act(id, (node) => node.process.stop(node))
  }

  /** SIGSTOP for a node of its own; the node host's pause for a shared one. */
  pause(id: string): Result {
    return this.act(id, (node) => node.process.suspend(node, true))
  }

  resume(id: string): Result {
    return this.act(id, (node) => node.process.suspend(node, false))
  }

  /**
   * Kills the node if it still runs, waits until it is gone, and launches it again on the
   * same address with the same flags, placed by the current packing (a new process, or a
   * node host). Resolves with the new node once it was launched (see its `started`).
   */
  async restart(id: string): Promise<Result<ManagedNode>> {
    const old = this.nodes.get(id)
    if (!old) return { ok: false, error: `no node ${id}` }
    if (old.alive) {
      if (old.requested !== 'SIGKILL') old.process.kill(old)
      await old.exited
    }
    if (this.nodes.get(id) !== old) return { ok: false, error: `node ${id} was restarted meanwhile` }
    return { ok: true, value: this.launch(old.spec) }
  }

  /** The nodes sharing the process of node `id` (itself included). */
  processNodes(id: string): ManagedNode[] {
    const node = this.nodes.get(id)
    return node ? [...node.process.nodes.values()] : []
  }

  /** SIGKILLs the process of node `id`, and so every node in it. */
  killProcessOf(id: string): Result<{ pid: number | null; nodes: string[] }> {
    const node = this.nodes.get(id)
    if (!node) return { ok: false, error: `no node ${id}` }
    const nodes = [...node.process.nodes.keys()]
    const killed = node.process.killProcess()
    return killed.ok ? { ok: true, value: { pid: node.process.pid, nodes } } : killed
  }

  /** Stops every node cleanly (killed after the stop timeout) and resolves once all are gone. */
  async stopAll(): Promise<void> {
    const alive = this.all().filter((node) => node.alive)
    for (const process of this.processes) process.stopProcess()
    await Promise.all(alive.map((node) => node.exited))
  }

  /** SIGKILLs every node still running and resolves once all are gone. */
  async killAll(): Promise<void> {
    const alive = this.all().filter((node) => node.alive)
    for (const process of this.processes) process.killProcess()
    await Promise.all(alive.map((node) => node.exited))
  }

  /** Synchronous last resort, e.g. from process.on('exit'): SIGKILL every child. */
  killAllNow(): void {
    for (const process of this.processes) process.killNow()
  }

  /** Pids of node processes still alive. */
  livePids(): number[] {
    return [...this.processes].filter((p) => p.alive && p.pid !== null).map((p) => p.pid!)
  }

  private act(id: string, verb: (node: ManagedNode) => Result): Result {
    const node = this.nodes.get(id)
    return node ? verb(node) : { ok: false, error: `no node ${id} in this session` }
  }

  /** Forgets the announced requests (of `role`, or both); their hosts that got no node are stopped. */
  private dropSpread(role?: NodeSpec['role']): void {
    for (const r of role ? [role] : (['seed', 'peer'] as const)) {
      const unused = this.spread[r]?.hosts.filter((h) => h.placed === 0) ?? []
      this.spread[r] = null
      for (const host of unused) host.stopProcess()
    }
  }

  /** The node host the next shared node of `role` goes into: the spread's next, else the filling one. */
  private sharedHost(role: NodeSpec['role'], size: number): NodeProcess {
    const spread = this.spread[role]
    if (spread && spread.left > 0) {
      const i = spread.next++ % spread.hosts.length
      let host = spread.hosts[i]!
      if (!host.alive || host.placed >= size) host = spread.hosts[i] = this.newProcess('host')
      if (--spread.left === 0) {
        this.spread[role] = null
        // Later nodes fill the spread's last host that has room.
        this.filling[role] = spread.hosts.findLast((h) => h.alive && h.placed < size) ?? null
      }
      return host
    }
    let host = this.filling[role]
    if (!host || !host.alive || host.placed >= size) host = this.filling[role] = this.newProcess('host')
    return host
  }

  private newProcess(kind: 'single' | 'host', spec?: NodeSpec): NodeProcess {
    const { scripts } = this.options
    const process = new NodeProcess({
      kind,
      script: kind === 'host' ? scripts.host : scripts[spec!.role],
      node: spec,
      execPath: this.options.execPath,
      execArgv: kind === 'host' ? (this.options.hostExecArgv ?? this.options.execArgv ?? HOST_EXEC_ARGV) : this.options.execArgv,
      stopTimeoutMs: this.options.stopTimeoutMs,
      now: this.options.now,
      emit: this.options.emit,
      changed: this.options.changed,
      gone: (p) => this.processes.delete(p),
    })
    this.processes.add(process)
    return process
  }

  /** A node host that will get no more nodes and has none left is stopped. */
  private retire(process: NodeProcess): void {
    if (process.kind !== 'host' || !process.alive || process.nodes.size > 0) return
    if (process === this.filling.seed || process === this.filling.peer) return
    if (this.spread.seed?.hosts.includes(process) || this.spread.peer?.hosts.includes(process)) return
    process.stopProcess()
  }
}

/** Hosts of an announced request, placements left, next index. */
interface Spread {
  hosts: NodeProcess[]
  left: number
  next: number
}
