import { createHash, randomInt } from 'node:crypto'
import { formatAddress } from '../../shared/address'
import type { NodeEvent } from '../../shared/events'
import { describeConditions, isZeroLink } from '../../shared/net/conditions'
import { parseNodeCommand } from '../../shared/net/node-command'
import type { Machine, MachineDeps } from '../../shared/protocol/machine'
import { seededRandom } from '../../shared/protocol/rng'
import type { ProtocolSettings } from '../../shared/settings-core'
import type { NodeArgs } from './cli'
import { ConfigWatcher } from './config-watch'
import { DEFAULT_LIMITS } from './connection'
import { NodeDriver } from './driver'
import { NodeOutput } from './output'
import { type ResolveIo, resolveSetup } from './resolve'

/**
 * One seed or peer, from its parsed flags to its end, without owning a process: the
 * seed and peer programs run one (run.ts), the node host runs many (node-host.ts). The
 * node's end is reported through `ended` with the exit code its own process would have.
 */

export type MachineFactory = (deps: MachineDeps, settings: ProtocolSettings) => Machine

/** How long a stopping node waits for the machine's goodbye and its sockets to close, ms. */
const STOP_GRACE_MS = 1500

/** How a node ended: `code` as its process would exit with, or `signal` SIGKILL for kill(). */
export interface NodeEnd {
  code: number | null
  signal: 'SIGKILL' | null
}

export interface NodeHooks {
  /** Live events (the IPC channel), filtered by --events-detail. */
  forward?: (event: NodeEvent) => void
  /** Echo log lines on the console (a node alone in its process does; a shared one does not). */
  console: boolean
  /** The node is gone: its sockets are closed and its files flushed. Called once. */
  ended: (end: NodeEnd) => void
  /** Host commands that arrived while the node was starting: applied before its machine starts. */
  pending?: () => unknown[]
}

export type StartResult = { ok: true; node: RunningNode } | { ok: false; message: string }

/** Texts whose SHA-256 is remembered, oldest forgotten first; only short ones (gossip texts are ~30 characters). */
const SHA_MEMO_SIZE = 8192
const SHA_MEMO_MAX_TEXT = 256
const shaMemo = new Map<string, string>()

/**
 * SHA-256 of `text` (UTF-8) in hex, remembered for the nodes of this process: under
 * flooding every node hashes every copy it receives of every message (about 2E hashes per
 * message for E links), and nodes sharing a process receive the same texts.
 */
export function sha256(text: string): string {
  if (text.length > SHA_MEMO_MAX_TEXT) return createHash('sha256').update(text, 'utf8').digest('hex')
  let hex = shaMemo.get(text)
  if (hex === undefined) {
    hex = createHash('sha256').update(text, 'utf8').digest('hex')
    if (shaMemo.size >= SHA_MEMO_SIZE) shaMemo.delete(shaMemo.keys().next().value!)
    shaMemo.set(text, hex)
  }
  return hex
}

/**
 * Resolves the setup, opens the output, listens and starts the machine. A failure is one
 * line of text (bad config, address in use, files not writable), as the programs print
 * on stderr before exiting 2.
 */
export async function startNode(args: NodeArgs, io: ResolveIo, createMachine: MachineFactory, hooks: NodeHooks): Promise<StartResult> {
  const resolved = await resolveSetup(args, io)
  if (!resolved.ok) return { ok: false, message: resolved.message }
  const setup = resolved.setup
  const id = formatAddress(setup.self)
  let output: NodeOutput
  try {
    output = new NodeOutput({
      node: id,
      logPath: setup.logPath,
      events: setup.events,
      forward: hooks.forward,
      detail: args.eventsDetail,
      console: hooks.console,
    })
  } catch (e) {
    return { ok: false, message: `cannot open output files in ${setup.logDir}: ${(e as Error).message}` }
  }
  const rngSeed = setup.rngSeed ?? randomInt(0, 0xffff_ffff)
  // The incarnation (sent in Register and Hello, recorded in node.started): this node's
  // start time, so a node restarted at the same address is told from the one before it.
  const incarnation = Date.now()
  const deps: MachineDeps = {
    incarnation,
    self: setup.self,
    seeds: setup.seeds,
    random: seededRandom(rngSeed),
    sha256,
  }
  const node = new RunningNode(id, output, hooks)
  node.driver = new NodeDriver(setup.self, createMachine(deps, setup.settings), output, DEFAULT_LIMITS, (code, reason) => {
    output.log(Date.now(), `exiting (${code}): ${reason}`)
    node.finish(code)
  }, seededRandom((rngSeed ^ 0x5bd1e995) >>> 0))
  try {
    await node.driver.listen()
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    const why = code === 'EADDRINUSE' ? 'address already in use' : code === 'EADDRNOTAVAIL' ? 'address not available on this machine' : (e as Error).message
    output.close()
    return { ok: false, message: `cannot listen on ${id}: ${why}` }
  }
  // A peer follows config.txt: seeds added while it runs get report channels.
  if (args.role === 'peer') {
    node.watcher = new ConfigWatcher(args.configPath, setup.seeds, {
      seeds: (seeds) => node.driver.configSeeds(seeds),
      warn: (message) => node.driver.warn(message),
    })
  }
  node.driver.log(`${args.role} listening on ${id} (pid ${process.pid}, rng seed ${rngSeed})`)
  node.driver.emit({ type: 'node.started', role: args.role, seeds: setup.seeds.map(formatAddress), settings: setup.settings, pid: process.pid, incarnation })
  if (!isZeroLink(args.link)) {
    const conditions = { defaults: args.link, links: [], partitions: [] }
    node.driver.setConditions(conditions, describeConditions(conditions))
  }
  for (const message of hooks.pending?.() ?? []) node.command(message)
  node.driver.start()
  node.watcher?.start()
  return { ok: true, node }
}

export class RunningNode {
  driver!: NodeDriver
  watcher: ConfigWatcher | null = null
  private stopping = false
  private ending = false
  private graceTimer: NodeJS.Timeout | null = null

  constructor(
    /** `IP:PORT` */
    readonly id: string,
    private readonly output: NodeOutput,
    private readonly hooks: NodeHooks,
  ) {}

  get paused(): boolean {
    return this.driver.isPaused
  }

  /**
   * Clean stop (what SIGTERM does): node.stopping, the machine says goodbye, sockets
   * close, then the node ends with code 0 (at most STOP_GRACE_MS later). A second stop
   * ends it at once.
   */
  stop(reason: string): void {
    if (this.ending) return
    if (this.stopping) return this.finish(0)
    this.stopping = true
    this.watcher?.stop()
    this.driver.resume()
    this.driver.emit({ type: 'node.stopping', reason })
    this.driver.log(`stopping (${reason})`)
    this.driver.stop()
    // The machine normally answers `stop` with an `exit` effect; this bounds the wait.
    this.graceTimer = setTimeout(() => this.finish(0), STOP_GRACE_MS)
  }

  /** What SIGKILL does: no goodbye, sockets reset at once, the machine never runs again. */
  kill(): void {
    if (this.ending) return
    this.ending = true
    this.clear()
    void this.driver.kill().then(() => {
      this.output.close()
      this.hooks.ended({ code: null, signal: 'SIGKILL' })
    })
  }

  /** What SIGSTOP does: see NodeDriver.pause. */
  pause(): void {
    if (!this.ending) this.driver.pause()
  }

  /** What SIGCONT does. */
  resume(): void {
    if (!this.ending) this.driver.resume()
  }

  /**
   * A command from the host (shared/net/node-command.ts), straight off the IPC channel:
   * validated here; a refused one changes nothing and becomes a node.warning.
   */
  command(message: unknown): void {
    if (this.ending) return
    const command = parseNodeCommand(message)
    if (!command.ok) return this.driver.warn(`refused a command from the host: ${command.error}`)
    switch (command.value.type) {
      case 'net.set':
        return this.driver.setConditions(command.value.conditions, describeConditions(command.value.conditions))
    }
  }

  /** Ends the node with `code` once its connections are closed (at most 300 ms). */
  finish(code: number): void {
    if (this.ending) return
    this.ending = true
    this.clear()
    void this.driver.closeAll(300).finally(() => {
      this.output.close()
      this.hooks.ended({ code, signal: null })
    })
  }

  /** Synchronous last words (the process is about to exit): flush the files. */
  flushNow(): void {
    this.output.close()
  }

  private clear(): void {
    this.watcher?.stop()
    if (this.graceTimer) clearTimeout(this.graceTimer)
  }
}
