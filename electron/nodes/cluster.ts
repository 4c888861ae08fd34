import { type ChildProcess, spawn } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { type Address, formatAddress } from '../../shared/address'
import { formatConfig } from '../../shared/config'
import type { ProtocolSettings } from '../../shared/settings-core'
import type { Role } from './cli'

/**
 * Launches built seed and peer programs (out/main/seed.js, peer.js) as local processes,
 * each on its own loopback address, and follows their events. Used by the system tests
 * and the node benchmark; the app has its own supervisor in electron/host.
 *
 * With `events: 'stdout'` each node runs with `--events -` and every event line is parsed
 * here (JSON only; tests validate the schema themselves). With `events: 'file'` nodes
 * write their default events files and nothing is parsed while they run (the benchmark
 * reads the files afterwards, so watching costs the nodes no CPU).
 */

export interface ClusterOptions {
  /** Folder of seed.js and peer.js. */
  programs: string
  /** Working folder: config.txt and one log folder per node. */
  dir: string
  settings: ProtocolSettings
  events: 'stdout' | 'file'
  /** Extra `node` flags (e.g. heap limits). */
  nodeFlags?: string[]
  rngSeed?: number
}

export type ClusterEvent = Record<string, unknown> & { type: string; t: number; node: string }

export interface ClusterNode {
  id: string
  role: Role
  address: Address
  logDir: string
  proc: ChildProcess
  events: ClusterEvent[]
  /** Events seen per type (cheap to test in waitFor checks). */
  counts: Map<string, number>
  stderr: string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
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

export class Cluster {
  readonly nodes = new Map<string, ClusterNode>()
  private seeds: Address[] = []
  private waiters: Waiter[] = []

  constructor(readonly options: ClusterOptions) {}

  get configPath(): string {
    return join(this.options.dir, 'config.txt')
  }

  writeConfig(seeds: Address[]): void {
    this.seeds = seeds
    writeFileSync(this.configPath, formatConfig(seeds))
  }

  /** Flags for one node from the cluster's settings. */
  flags(role: Role, address: Address, logDir: string): string[] {
    const s = this.options.settings
    const flags = [
      '--config', this.configPath, '--ip', address.ip, '--port', String(address.port), '--log-dir', logDir,
      '--time-scale', String(s.timeScale), '--gossip-interval', String(s.gossipIntervalMs),
      '--gossip-count', String(s.gossipCount), '--liveness-interval', String(s.livenessIntervalMs),
      '--liveness-misses', String(s.livenessMisses), '--max-links', String(s.maxLinks), '--topology', s.topology,
    ]
    if (this.options.events === 'stdout') flags.push('--events', '-')
    if (this.options.rngSeed !== undefined) flags.push('--seed-rng', String(this.options.rngSeed + this.nodes.size))
    return flags
  }

  /** Spawns a node and resolves once it reports `node.started` (stdout mode) or its pid is known. */
  async start(role: Role, address: Address, timeoutMs = 15_000): Promise<ClusterNode> {
    const id = formatAddress(address)
    const logDir = join(this.options.dir, 'logs', `${address.ip}_${address.port}`)
    const script = join(this.options.programs, `${role}.js`)
    const proc = spawn(process.execPath, [...(this.options.nodeFlags ?? []), script, ...this.flags(role, address, logDir)], {
      stdio: ['ignore', this.options.events === 'stdout' ? 'pipe' : 'ignore', 'pipe'],
    })
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      proc.once('exit', (code, signal) => {
        resolve({ code, signal })
        this.wake()
      }),
    )
    const node: ClusterNode = { id, role, address, logDir, proc, events: [], counts: new Map(), stderr: '', exited }
    this.nodes.set(id, node)
    proc.stderr!.setEncoding('utf8').on('data', (text: string) => {
      if (node.stderr.length < 100_000) node.stderr += text
      // waitFor checks may read stderr (human log lines in stdout mode).
      this.wake()
    })
    if (this.options.events === 'stdout') {
      let rest = ''
      proc.stdout!.setEncoding('utf8').on('data', (text: string) => {
        const lines = (rest + text).split('\n')
        rest = lines.pop()!
        for (const line of lines) {
          if (line === '') continue
          const event = JSON.parse(line) as ClusterEvent
          node.events.push(event)
          node.counts.set(event.type, (node.counts.get(event.type) ?? 0) + 1)
        }
        this.wake()
      })
      await this.waitFor(() => node.counts.has('node.started'), timeoutMs, `${id} to start`, node)
    }
    return node
  }

  /** Resolves when `check()` holds; rejects after `timeoutMs`, or if `node` exits first. */
  waitFor(check: () => boolean, timeoutMs: number, what: string, node?: ClusterNode): Promise<void> {
    if (check()) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        check: () => check() || (node !== undefined && node.proc.exitCode !== null),
        resolve: () => {
          clearTimeout(timer)
          if (check()) resolve()
          else reject(new Error(`${node?.id} exited (code ${node?.proc.exitCode}) while waiting for ${what}: ${node?.stderr}`))
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
  eventsOf(type: string): ClusterEvent[] {
    const out: ClusterEvent[] = []
    for (const node of this.nodes.values()) for (const e of node.events) if (e.type === type) out.push(e)
    return out
  }

  /** SIGKILLs every node still running and waits for them to exit. */
  async killAll(): Promise<void> {
    const running = [...this.nodes.values()].filter((n) => n.proc.exitCode === null && n.proc.signalCode === null)
    for (const node of running) node.proc.kill('SIGKILL')
    await Promise.all(running.map((n) => n.exited))
  }

  get seedAddresses(): Address[] {
    return this.seeds
  }

  private wake(): void {
    if (this.waiters.length === 0) return
    const ready = this.waiters.filter((w) => w.check())
    if (ready.length === 0) return
    this.waiters = this.waiters.filter((w) => !ready.includes(w))
    for (const w of ready) w.resolve()
  }
}
