import type { NodeEvent } from '../../shared/events'
import type { Role } from './cli'
import type { IoCounts } from './io-stats'

/**
 * The IPC messages between the app's launcher and a node host process (node-host.ts).
 * JSON over the Node IPC channel. The host validates every command itself (no zod in
 * node processes, see settings-core.ts); the launcher validates every reply with zod
 * (electron/host/node-process.ts).
 */

/** Verbs on one node of the host. New per-node verbs (e.g. network conditions) add a name here. */
export const NODE_OPS = ['kill', 'stop', 'pause', 'resume'] as const
export type NodeOp = (typeof NODE_OPS)[number]

export type HostCommand =
  /** Start a node from exactly the flags seed.js / peer.js take; `node` is the IP:PORT the flags give. */
  | { op: 'start'; node: string; role: Role; args: string[] }
  | { op: NodeOp; node: string }
  /**
   * A node command (shared/net/node-command.ts: network conditions...) for one node: the
   * same message a node alone in its process gets on its channel, validated by the node.
   */
  | { op: 'command'; node: string; command: unknown }
  /** The process's figures (HostStats), answered with a `stats` reply; the first one starts the event-loop delay monitor. */
  | { op: 'stats' }

/** What a node host measured of itself (for bench:nodes). */
export interface HostStats {
  pid: number
  /** CPU of the whole process since it started (process.cpuUsage), microseconds. */
  cpuUserUs: number
  cpuSystemUs: number
  /** Event-loop utilization (busy share of wall time, 0..1) since the previous `stats`, or since start. */
  elu: number
  /**
   * How late the event loop ran a 2 ms timer since the previous `stats` (perf_hooks
   * monitorEventLoopDelay, minus its 2 ms resolution), ms; null on the first `stats`,
   * which starts the monitor.
   */
  loopDelayMs: { p50: number; p99: number; max: number; samples: number } | null
  /**
   * Garbage collections since the previous `stats` (perf_hooks 'gc' entries): minor
   * (scavenges of the young generation) and major (mark-sweep-compact, incremental
   * marking), count and pause time in ms; null on the first `stats`, which starts watching.
   */
  gc: { minor: number; minorMs: number; major: number; majorMs: number } | null
  /** Work counters of all nodes of the process since it started (io-stats.ts). */
  counts: IoCounts
  /**
   * Memory now (process.memoryUsage), bytes: resident set; V8 heap reserved and in use
   * (live objects and garbage not collected yet); memory outside the heap owned by JS
   * objects (Buffers, typed arrays: `external` includes `arrayBuffers`).
   */
  memory: { rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number }
}

export type HostReply =
  /** The host is up and takes commands: sent once, first. */
  | { kind: 'ready' }
  /** Node events of this turn of the host's event loop, in emission order. */
  | { kind: 'events'; events: NodeEvent[] }
  /** A node could not start (the line seed.js / peer.js print on stderr before exiting 2). */
  | { kind: 'failed'; node: string; message: string }
  /** A node ended: `code` as its own process would exit with, or `signal` SIGKILL after `kill`. */
  | { kind: 'ended'; node: string; code: number | null; signal: 'SIGKILL' | null }
  /** A command the host could not carry out (unknown node, malformed command). */
  | { kind: 'refused'; node: string | null; reason: string }
  /** The answer to a `stats` command. */
  | { kind: 'stats'; stats: HostStats }

/** Validates a command off the IPC channel; a string is the reason it is refused. */
export function parseHostCommand(value: unknown): HostCommand | string {
  if (typeof value !== 'object' || value === null) return 'a command must be an object'
  const v = value as Record<string, unknown>
  if (v.op === 'stats') return { op: 'stats' }
  if (typeof v.node !== 'string' || v.node.length > 64) return 'a command needs a node IP:PORT'
  if (v.op === 'start') {
    if (v.role !== 'seed' && v.role !== 'peer') return 'start needs role seed or peer'
    if (!Array.isArray(v.args) || v.args.length > 100 || !v.args.every((a) => typeof a === 'string' && a.length < 4096)) {
      return 'start needs args, a list of flags'
    }
    return { op: 'start', node: v.node, role: v.role, args: v.args as string[] }
  }
  if (v.op === 'command') return { op: 'command', node: v.node, command: v.command }
  if (typeof v.op === 'string' && (NODE_OPS as readonly string[]).includes(v.op)) return { op: v.op as NodeOp, node: v.node }
  return `unknown op ${JSON.stringify(v.op)?.slice(0, 40)}`
}
