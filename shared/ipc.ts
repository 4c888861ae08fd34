import { z } from 'zod'
import type { SessionEvent } from './events'
import { packingSchema, type Packing } from './packing'
import { PARTITION_DIRECTIONS, type NetConditions, type Partition } from './net/conditions'
import { linkConditionsSchema } from './net/conditions-schema'
import { protocolSettingsSchema, type ProtocolSettings } from './settings'
import { scenarioSchema, type Scenario } from './scenario/schema'
import type { ApiMethod, MenuCommand } from './ipc-channels'

/**
 * A session id: a folder name under the sessions directory. Letters, digits, `-`, `_` and
 * `.`, not starting with `.` (so never `.` or `..`: an id can only name a folder inside).
 */
export const SESSION_ID_RE = /^[\w-][\w.-]{0,99}$/

export * from './ipc-channels'

/**
 * The renderer's API: a handful of verbs, typed once here and implemented twice, by the
 * Electron preload (over IPC) and by the web host client (over a WebSocket). Every
 * request argument is validated in the host with the schemas below; the renderer is not
 * trusted.
 */

/** `warnings`: the request succeeded in part (e.g. a session file with unreadable lines). */
export type Result<T = void> = { ok: true; value: T; warnings?: string[] } | { ok: false; error: string }

export type NodeRole = 'seed' | 'peer'
/**
 * starting: spawned, no node.started yet; paused: frozen (SIGSTOP); exited: stopped on
 * request; crashed: exited unasked.
 */
export type NodeProcessState = 'starting' | 'running' | 'paused' | 'killed' | 'exited' | 'crashed'

export interface NodeInfo {
  /** `IP:PORT` */
  id: string
  role: NodeRole
  ip: string
  port: number
  /** Pid of the node's process (shared with `sharedWith` other nodes when packed). */
  pid: number | null
  state: NodeProcessState
  /** Other live nodes in the same process: 0 when the node has a process of its own. */
  sharedWith?: number
}

export interface HostStatus {
  /** Session folder name (also its id), e.g. `2026-11-24T03-00-00Z`; null before the first start. */
  sessionId: string | null
  running: boolean
  settings: ProtocolSettings
  nodes: NodeInfo[]
  /** Highest `seq` recorded so far (0 = none). */
  lastSeq: number
  /** Most nodes the host will run at once on this machine. */
  maxNodes: number
  /** How the host places nodes into processes (for nodes started from now on). */
  packing?: Packing
  /** Nodes being started in waves: how many of how many asked for are up; null when none are. */
  launching?: LaunchProgress | null
  /** Network conditions every node applies now (new nodes get them at start). */
  conditions: NetConditions
  /** The scenario the host runs or ran last (Run scenario...); absent = none this session. */
  scenario?: ScenarioStatus
  /**
   * The session recording's trouble, shown as a notice at once: a write failure (disk
   * full: recording paused, resumes by itself when space returns) or, after one, how many
   * events the file lacks. Absent or null when every event was recorded.
   */
  recordingProblem?: string | null
  /**
   * How the host sends gossip to this page: per hop, or folded per message (gossip.coverage
   * items) while `active`. Absent from hosts before it (every hop sent).
   */
  hopSummary?: HopSummaryStatus
  /**
   * The export queue: exports run one at a time; `waiting` are queued behind the `running`
   * one, `finished` counts every export done or failed since the host started (a client
   * that asked while others were queued counts its place from it).
   */
  exports?: ExportQueueStatus
}

/** When a host folds hop events per message for pages (electron/host/hop-summary.ts). */
export interface HopSummarySettings {
  /** Summarise while more nodes than this are alive. */
  aboveNodes: number
  /** ...or for `holdMs` after a second with more hop events than this. */
  aboveHopsPerSecond: number
  holdMs: number
  /** ms between two summarised batches (the page's update rate for gossip). */
  windowMs: number
}

export interface HopSummaryStatus extends HopSummarySettings {
  /** Hops are folded per message now. */
  active: boolean
}

export interface ExportQueueStatus {
  running: number
  waiting: number
  finished: number
}

export interface ScenarioStatus {
  name: string
  running: boolean
  /** Steps fired so far, of the scenario's steps. */
  fired: number
  steps: number
  /** After the run: each expectation or step that failed, "measured vs expected"; empty = all held. */
  failures?: string[]
}

export interface ProcessKill {
  pid: number | null
  /** Every node that was in the process (ids). */
  nodes: string[]
}

export interface LaunchProgress {
  role: NodeRole
  /** Nodes of this request that reported node.started (or failed). */
  done: number
  total: number
}

/** Most nodes one request may start (the host's own limit, `maxNodes`, may be lower). */
export const MAX_NODES_PER_REQUEST = 1000

export interface EventBatch {
  /** Consecutive by `seq`. */
  events: SessionEvent[]
}

export interface SessionSummary {
  id: string
  startedAt: number
  events: number
  nodes: number
}

/** Where an export went: a file path (desktop) and/or a URL to download it (web host). */
export interface ExportResult {
  path: string
  url?: string
  bytes: number
}

export const startNetworkSchema = z.object({
  seeds: z.number().int().min(2).max(16),
  peers: z.number().int().min(0).max(MAX_NODES_PER_REQUEST),
  settings: protocolSettingsSchema,
  /** Default: the host's current packing. */
  packing: packingSchema.optional(),
  /** Seed of every node's random generator (node k gets rngSeed x 1009 + k); absent = random. */
  rngSeed: z.number().int().min(0).max(4_000_000).optional(),
})
export type StartNetworkRequest = z.infer<typeof startNetworkSchema>

export const countSchema = z.number().int().min(1).max(MAX_NODES_PER_REQUEST)
export const nodeIdSchema = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}:\d{1,5}$/, 'expected a node id IP:PORT')

/** Events per loadSession chunk (about 3 MB of JSON). */
export const SESSION_CHUNK_EVENTS = 20_000

/** Where a loadSession chunk starts: a line boundary of events.ndjson and the seq before it. */
export interface SessionCursor {
  /** Byte offset of the line in events.ndjson. */
  byte: number
  /** 1-based number of that line (for warnings). */
  line: number
  /** The last seq returned so far (later lines must be after it). */
  seq: number
}

export interface SessionChunk {
  events: SessionEvent[]
  /** Pass back as `from` for the next chunk; null when the file has been read to its end. */
  next: SessionCursor | null
  /** Size of events.ndjson in bytes, and the offset this chunk read up to (for progress). */
  bytes: number
  read: number
}

/** A node's own log file (`seed_network.log` / `peer_network.log` in its log folder), as written. */
export interface NodeLog {
  /** The log file's name, e.g. `peer_network.log`. */
  file: string
  /** Its last lines, oldest first, exactly as in the file (at most NODE_LOG_MAX_BYTES of them). */
  lines: string[]
  /** The file's size in bytes; larger than what was read when only the tail is returned. */
  bytes: number
  truncated: boolean
}

/** Most bytes of a node's log file returned by nodeLog (its tail). */
export const NODE_LOG_MAX_BYTES = 256 * 1024

export const exportRequestSchema = z.object({
  /** Keep events with fromT <= t <= toT (ms since epoch); omitted = whole session. */
  fromT: z.number().min(0).optional(),
  toT: z.number().min(0).optional(),
  /** Keep only these nodes' events and logs; omitted = all. */
  nodes: z.array(nodeIdSchema).max(1000).optional(),
  format: z.enum(['zip', 'folder']),
})
export type ExportRequest = z.infer<typeof exportRequestSchema>

/**
 * A change to the network's conditions: new global defaults and/or per-link overrides
 * (`conditions: null` removes one; `both` also sets the reverse direction). Applied by
 * every running node within one event-loop turn of its arrival.
 */
export const conditionsUpdateSchema = z.object({
  defaults: linkConditionsSchema.optional(),
  links: z
    .array(z.object({ from: nodeIdSchema, to: nodeIdSchema, conditions: linkConditionsSchema.nullable(), both: z.boolean().optional() }))
    .max(1000)
    .optional(),
  /** Remove every per-link override first. */
  clearLinks: z.boolean().optional(),
})
export type ConditionsUpdate = z.input<typeof conditionsUpdateSchema>

/** Cut `side` off from `other` (default: every other node), both ways or one way. */
export const partitionRequestSchema = z.object({
  side: z.array(nodeIdSchema).min(1).max(10_000),
  other: z.array(nodeIdSchema).min(1).max(10_000).nullable().optional(),
  direction: z.enum(PARTITION_DIRECTIONS as [Partition['direction'], ...Partition['direction'][]]).optional(),
  /** Default: the first free `p<n>`. */
  name: z.string().regex(/^[\w.-]{1,32}$/, 'a partition name is 1-32 letters, digits, - _ .').optional(),
})
export type PartitionRequest = z.infer<typeof partitionRequestSchema>

/** Heal the named partition, or every partition without a name. */
export const healRequestSchema = z.object({ name: z.string().max(32).optional() })
export type HealRequest = z.infer<typeof healRequestSchema>

export interface GossipscopeApi {
  getStatus(): Promise<HostStatus>
  /** Stops any running network and starts a new session. */
  startNetwork(request: StartNetworkRequest): Promise<Result<HostStatus>>
  /** Stops every node cleanly; the session stays recorded. */
  stopNetwork(): Promise<Result<HostStatus>>
  addSeed(): Promise<Result<NodeInfo>>
  addPeers(count: number): Promise<Result<NodeInfo[]>>
  /** SIGKILL: the node dies without a word, as a crash would. */
  killNode(id: string): Promise<Result>
  /** Clean stop (SIGTERM). */
  stopNode(id: string): Promise<Result>
  /**
   * Freezes a running node's process (SIGSTOP): its connections stay open, it answers
   * nothing. Refused where the platform has no signals (Windows) and for a node not running.
   */
  pauseNode(id: string): Promise<Result>
  /** Lets a paused node run again (SIGCONT). */
  resumeNode(id: string): Promise<Result>
  /**
   * Starts the node again at the same address as a new process (a new pid and
   * incarnation); a running or paused one is killed (SIGKILL) first. Resolves once it
   * listens (or its start timed out) with its new info.
   */
  restartNode(id: string): Promise<Result<NodeInfo>>
  /**
   * SIGKILLs the whole process node `id` runs in: every node sharing it dies (see
   * NodeInfo.sharedWith; the app says so before asking). Resolves with the pid and the
   * nodes killed.
   */
  killProcess(id: string): Promise<Result<ProcessKill>>
  /** Settings for nodes started from now on. */
  setSettings(settings: ProtocolSettings): Promise<Result<ProtocolSettings>>
  exportSession(request: ExportRequest): Promise<Result<ExportResult>>
  listSessions(): Promise<SessionSummary[]>
  /**
   * Events of a recorded session, for replay with no nodes running, in chunks of at most
   * SESSION_CHUNK_EVENTS: call again with `next` until it is null. A recording of millions
   * of events never travels as one message (JSON.stringify fails past ~512 MB).
   */
  loadSession(id: string, from?: SessionCursor): Promise<Result<SessionChunk>>
  /** The tail of a node's own log file in the current session ({ok:false} if it has none yet). */
  nodeLog(id: string): Promise<Result<NodeLog>>
  /**
   * Starts a new session running this scenario on real nodes (shared/scenario); resolves
   * once its network started. Steps appear as host.action events as they fire; progress
   * and the checked expectations in HostStatus.scenario.
   */
  runScenario(scenario: Scenario): Promise<Result<HostStatus>>
  /**
   * Subscribes to event batches. Call `ready(fromSeq)` once subscribed: the host then
   * sends every event with seq > fromSeq, then live batches (nothing lost across a reload).
   */
  onEvents(listener: (batch: EventBatch) => void): () => void
  onStatus(listener: (status: HostStatus) => void): () => void
  ready(fromSeq: number): Promise<void>
  /** Changes the network's conditions live (see conditionsUpdateSchema); resolves with the model now in force. */
  setConditions(update: ConditionsUpdate): Promise<Result<NetConditions>>
  /** Starts a partition; resolves with it as applied (its name). Every named node must be in the session. */
  partition(request: PartitionRequest): Promise<Result<Partition>>
  /** Heals one partition (by name) or all; resolves with the model now in force. */
  heal(request: HealRequest): Promise<Result<NetConditions>>
  /** Application-menu commands (Electron only; the web host never sends any). */
  onMenu?(listener: (command: MenuCommand) => void): () => void
}

/** Argument schemas, per method, as a tuple of positional arguments. */
export const API_ARGS = {
  getStatus: z.tuple([]),
  startNetwork: z.tuple([startNetworkSchema]),
  stopNetwork: z.tuple([]),
  addSeed: z.tuple([]),
  addPeers: z.tuple([countSchema]),
  killNode: z.tuple([nodeIdSchema]),
  stopNode: z.tuple([nodeIdSchema]),
  pauseNode: z.tuple([nodeIdSchema]),
  killProcess: z.tuple([nodeIdSchema]),
  resumeNode: z.tuple([nodeIdSchema]),
  restartNode: z.tuple([nodeIdSchema]),
  setSettings: z.tuple([protocolSettingsSchema]),
  exportSession: z.tuple([exportRequestSchema]),
  listSessions: z.tuple([]),
  loadSession: z.tuple([
    z.string().regex(SESSION_ID_RE, 'expected a session id (letters, digits, - _ ., not starting with .)'),
    z.object({ byte: z.number().int().min(0), line: z.number().int().min(0), seq: z.number().int().min(0) }).strict().optional(),
  ]),
  nodeLog: z.tuple([nodeIdSchema]),
  runScenario: z.tuple([scenarioSchema]),
  ready: z.tuple([z.number().int().min(0)]),
  setConditions: z.tuple([conditionsUpdateSchema]),
  partition: z.tuple([partitionRequestSchema]),
  heal: z.tuple([healRequestSchema]),
} satisfies Record<ApiMethod, z.ZodTuple>

