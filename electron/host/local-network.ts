import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { type Address, formatAddress } from '../../shared/address'
import { formatConfig } from '../../shared/config'
import type { AnyEvent } from '../../shared/events'
import type { NodeRole } from '../../shared/ipc'
import type { ProtocolSettings } from '../../shared/settings-core'
import type { EventsDetail } from '../nodes/events-detail'
import { Launcher } from './launcher'
import { nodeFlags } from './node-flags'
import type { ManagedNode } from './node-process'
import type { Packing } from '../../shared/packing'
import type { LinkConditions } from '../../shared/net/conditions'

/**
 * A network of real nodes on loopback for the system tests and the node benchmark, on
 * the one Launcher (the app's supervisor uses the same): a config.txt, one log folder per
 * node, the nodes' events collected per node in memory, and waits on them.
 */

export interface LocalNetworkOptions {
  /** Folder of the built seed.js, peer.js and node-host.js. */
  programs: string
  /** Working folder: config.txt and one log folder per node. */
  dir: string
  settings: ProtocolSettings
  /** Default: one process per node. */
  packing?: Packing
  /** What each node sends live (its events file keeps all). Default full. */
  eventsDetail?: EventsDetail
  /** Node/V8 flags of every node process. */
  execArgv?: string[]
  /** Node i (0-based, in start order) runs with --seed-rng rngSeed + i. */
  rngSeed?: number
  /** Keep every event in memory (tests); false keeps only counts per type (benchmark). Default true. */
  keepEvents?: boolean
  stopTimeoutMs?: number
  /** Emulated conditions on every link, as the node flags --latency, --jitter and --loss. */
  link?: LinkConditions
}

/** An event as tests read it: any field by name. */
export type NetEvent = Record<string, unknown> & { type: string; t: number; node: string }

export interface NetNode {
  id: string
  role: NodeRole
  address: Address
  logDir: string
  /** The node's current incarnation (replaced by a restart). */
  managed: ManagedNode
  events: NetEvent[]
  /** Events seen per type. */
  counts: Map<string, number>
  /** Text of its host.stderr events (its stderr, or lines the node host filed under it). */
  stderr: string
}

/**
 * Copies the built programs (`<dir>/*.js` and `<dir>/chunks`) to a fresh sibling folder
 * and returns it with a remover. A rebuild of out/main while nodes run replaces the
 * hashed chunk files under them; a copy keeps a long run's late starters loadable. The
 * copy stays inside the repository so that `commander` still resolves from node_modules.
 */
export function snapshotPrograms(dir: string): { dir: string; remove: () => void } {
  const copy = mkdtempSync(join(dirname(dir), '.nodes-programs-'))
  cpSync(dir, copy, { recursive: true })
  return { dir: copy, remove: () => rmSync(copy, { recursive: true, force: true }) }
}

type Waiter = { check: () => boolean; resolve: () => void }

export class LocalNetwork {
  readonly nodes = new Map<string, NetNode>()
  readonly launcher: Launcher
  private waiters: Waiter[] = []
  private started = 0

  constructor(readonly options: LocalNetworkOptions) {
    const programs = options.programs
    this.launcher = new Launcher({
      scripts: { seed: join(programs, 'seed.js'), peer: join(programs, 'peer.js'), host: join(programs, 'node-host.js') },
      packing: options.packing ?? { mode: 'single' },
      execArgv: options.execArgv,
      stopTimeoutMs: options.stopTimeoutMs ?? 3000,
      now: Date.now,
      emit: (event) => this.record(event),
      changed: () => this.wake(),
    })
  }

  get configPath(): string {
    return join(this.options.dir, 'config.txt')
  }

  writeConfig(seeds: Address[]): void {
    writeFileSync(this.configPath, formatConfig(seeds))
  }

  /** The flags node `address` runs with. */
  flags(role: NodeRole, address: Address, logDir: string): string[] {
    const flags = nodeFlags({ role, ...address, configPath: this.configPath, logDir, settings: this.options.settings })
    if (this.options.eventsDetail) flags.push('--events-detail', this.options.eventsDetail)
    if (this.options.rngSeed !== undefined) flags.push('--seed-rng', String(this.options.rngSeed + this.started))
    const link = this.options.link
    if (link) flags.push('--latency', String(link.delayMs), '--jitter', String(link.jitterMs), '--loss', String(link.loss))
    return flags
  }

  /** Launches a node without waiting for it. */
  launch(role: NodeRole, address: Address): NetNode {
    const id = formatAddress(address)
    const logDir = join(this.options.dir, 'logs', `${address.ip}_${address.port}`)
    const managed = this.launcher.launch({ id, role, ...address, args: this.flags(role, address, logDir) })
    this.started++
    const node: NetNode = { id, role, address, logDir, managed, events: [], counts: new Map(), stderr: '' }
    this.nodes.set(id, node)
    void managed.exited.then(() => this.wake())
    return node
  }

  /** Launches a node and resolves once it reported node.started (rejects if it ends first or times out). */
  async start(role: NodeRole, address: Address, timeoutMs = 15_000): Promise<NetNode> {
    const node = this.launch(role, address)
    await this.waitFor(() => node.managed.info.state !== 'starting', timeoutMs, `${node.id} to start`)
    if (!node.managed.alive || node.managed.info.state !== 'running') throw new Error(`${node.id} did not start: ${node.stderr.trim()}`)
    return node
  }

  /** Resolves when `check()` holds; rejects after `timeoutMs`, or if `node` ends first. */
  waitFor(check: () => boolean, timeoutMs: number, what: string, node?: NetNode): Promise<void> {
    if (check()) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        check: () => check() || (node !== undefined && !node.managed.alive),
        resolve: () => {
          clearTimeout(timer)
          if (check()) resolve()
          else reject(new Error(`${node?.id} exited (${node?.managed.info.state}) while waiting for ${what}: ${node?.stderr}`))
        },
      }
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter)
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))
      }, timeoutMs)
      this.waiters.push(waiter)
    })
  }

  /** All events of one type across nodes. */
  eventsOf(type: string): NetEvent[] {
    const out: NetEvent[] = []
    for (const node of this.nodes.values()) for (const e of node.events) if (e.type === type) out.push(e)
    return out
  }

  kill(id: string): void {
    const result = this.launcher.kill(id)
    if (!result.ok) throw new Error(result.error)
  }

  pause(id: string): void {
    const result = this.launcher.pause(id)
    if (!result.ok) throw new Error(result.error)
  }

  resume(id: string): void {
    const result = this.launcher.resume(id)
    if (!result.ok) throw new Error(result.error)
  }

  /** SIGKILLs every node still running and waits for them to end. */
  killAll(): Promise<void> {
    return this.launcher.killAll()
  }

  private record(event: AnyEvent): void {
    const node = this.nodes.get(event.node)
    if (!node) return
    if (this.options.keepEvents !== false) node.events.push(event as NetEvent)
    node.counts.set(event.type, (node.counts.get(event.type) ?? 0) + 1)
    if (event.type === 'host.stderr' && node.stderr.length < 100_000) node.stderr += `${event.text}\n`
    this.wake()
  }

  private wake(): void {
    if (this.waiters.length === 0) return
    const ready = this.waiters.filter((w) => w.check())
    if (ready.length === 0) return
    this.waiters = this.waiters.filter((w) => !ready.includes(w))
    for (const w of ready) w.resolve()
  }
}
