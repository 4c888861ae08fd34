import { readdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { z } from 'zod'
import { EVENT_VERSION, NETWORK_NODE, type AnyEvent, type HostEvent, type SessionEvent } from '../../shared/events'
import {
  type LinkConditions,
  type NetConditions,
  type Partition,
  checkNetConditions,
  healed,
  nextPartitionName,
  withLink,
  withPartition,
} from '../../shared/net/conditions'
import {
  API_ARGS,
  API_METHODS,
  RESULT_METHODS,
  type ApiMethod,
  type EventBatch,
  type ExportRequest,
  type ExportResult,
  type GossipscopeApi,
  type HopSummarySettings,
  type HostStatus,
  type NodeInfo,
  type ProcessKill,
  type NodeLog,
  type Result,
  type ScenarioStatus,
  type SessionSummary,
  type StartNetworkRequest,
  type ConditionsUpdate,
  type PartitionRequest,
  type HealRequest,
  type SessionChunk,
  type SessionCursor,
} from '../../shared/ipc'
import type { Scenario } from '../../shared/scenario/schema'
import { runScenarioOnHost } from './scenario-run'
import type { ProtocolSettings } from '../../shared/settings'
import { ClientHub, type ClientOptions, type HostClient, type PushTarget } from './clients'
import { DEFAULT_HOP_SUMMARY, HopSummaryPolicy } from './hop-summary'
import { EventLog } from './event-log'
import { ExportQueue } from './export-queue'
import { DEFAULT_INTAKE, Intake, type IntakeOptions } from './intake'
import { EVENTS_FILE } from './session-files'
import { readNodeLog } from './node-log'
import { listSessions, loadSessionChunk, readSessionMeta } from './session-reader'
import type { Supervisor, SupervisorHooks } from './supervisor'

/**
 * The host's API: every GossipscopeApi verb over a supervisor, shared by Electron main
 * (IPC) and the web host (WebSocket). Every argument is validated here with API_ARGS; an
 * invalid or impossible request gets `{ok:false, error}` and changes nothing. Session-
 * changing verbs (restart included) run one at a time; kill, stop, pause and resume act at once.
 */

/** The supervisor surface the controller uses (a fake in unit tests). */
export type SupervisorLike = Pick<
  Supervisor,
  | 'session'
  | 'running'
  | 'settings'
  | 'maxNodes'
  | 'setSettings'
  | 'conditions'
  | 'setConditions'
  | 'nodeInfos'
  | 'capacityError'
  | 'beginSession'
  | 'addSeeds'
  | 'addPeers'
  | 'kill'
  | 'stopNode'
  | 'pause'
  | 'resume'
  | 'restart'
  | 'stopAll'
  | 'killAllNow'
  | 'livePids'
> &
  Partial<Pick<Supervisor, 'packing' | 'launching' | 'killProcessOf' | 'aliveCount'>>

/** `exportSession(sessionDir, request, outPath)` of electron/host/export.ts. */
export type SessionExporter = (sessionDir: string, request: ExportRequest, outPath: string) => Promise<ExportResult>

export interface HostControllerOptions {
  sessionsDir: string
  /** Where exports go unless `exportPath` chooses. */
  exportsDir: string
  /** Chooses an export's path (e.g. a save dialog); null = cancelled. */
  exportPath?: (sessionId: string, request: ExportRequest) => Promise<string | null>
  /** Download URL of a written export (web host). */
  exportUrl?: (path: string) => string | undefined
  /** The export implementation; without it exports are refused. */
  exporter?: SessionExporter
  intake?: IntakeOptions
  /** When pages get gossip per message rather than per hop (default DEFAULT_HOP_SUMMARY). */
  hopSummary?: HopSummarySettings
  /** ms status pushes are coalesced over. */
  statusDelayMs?: number
  now?: () => number
}

type Args<M extends ApiMethod> = z.infer<(typeof API_ARGS)[M]>

/** A host.action before the controller stamps `v`, `t` and `type`. */
export type ActionBody = Omit<Extract<HostEvent, { type: 'host.action' }>, 'v' | 't' | 'type'>

/** What a successful verb called by a user did, as a host.action (null: not an action). */
function userAction(method: ApiMethod, args: unknown[], value: unknown): ActionBody | null {
  const by = 'user' as const
  switch (method) {
    case 'stopNetwork':
      return { node: NETWORK_NODE, by, action: 'stop' }
    case 'addSeed':
      return { node: (value as NodeInfo).id, by, action: 'add-seeds', count: 1 }
    case 'addPeers':
      return { node: NETWORK_NODE, by, action: 'add-peers', count: args[0] as number }
    case 'killNode':
      return { node: args[0] as string, by, action: 'kill' }
    case 'stopNode':
      return { node: args[0] as string, by, action: 'stop-node' }
    case 'setSettings':
      return { node: NETWORK_NODE, by, action: 'settings', settings: args[0] as ProtocolSettings }
    case 'pauseNode':
      return { node: args[0] as string, by, action: 'pause' }
    case 'resumeNode':
      return { node: args[0] as string, by, action: 'resume' }
    case 'restartNode':
      return { node: args[0] as string, by, action: 'restart' }
    case 'setConditions': {
      // Global conditions only: a per-link override has no scenario step (yet), so it is not recorded.
      const d = (args[0] as { defaults?: LinkConditions }).defaults
      return d ? { node: NETWORK_NODE, by, action: 'conditions', conditions: { latencyMs: d.delayMs, jitterMs: d.jitterMs, lossRate: d.loss } } : null
    }
    case 'partition': {
      const p = value as Partition
      return { node: NETWORK_NODE, by, action: 'partition', nodes: p.side, ...(p.other ? { other: p.other } : {}), direction: p.direction }
    }
    case 'heal':
      return { node: NETWORK_NODE, by, action: 'heal' }
    default:
      return null
  }
}

export class HostController implements GossipscopeApi {
  readonly supervisor: SupervisorLike
  private intake: Intake | null = null
  /** Exports run one at a time (its counts are HostStatus.exports). */
  private readonly exportQueue = new ExportQueue(() => this.scheduleStatus())
  /** The current session's recording (its write problems go into the status). */
  private eventLog: EventLog | null = null
  private readonly hub: ClientHub
  private readonly hopSummary: HopSummaryPolicy
  /** The hop rate's part of the last status (see checkSummary). */
  private summaryBusy = false
  private summaryTimer: ReturnType<typeof setTimeout> | null = null
  /** Tail of the queue of session-changing operations. */
  private queue: Promise<unknown> = Promise.resolve()
  private statusTimer: ReturnType<typeof setTimeout> | null = null
  private readonly eventListeners = new Set<(batch: EventBatch) => void>()
  private readonly statusListeners = new Set<(status: HostStatus) => void>()
  private readonly local: HostClient
  private closed = false
  private scenario: ScenarioStatus | undefined

  constructor(
    private readonly options: HostControllerOptions,
    createSupervisor: (hooks: SupervisorHooks) => SupervisorLike,
  ) {
    this.supervisor = createSupervisor({
      emit: (event) => this.record(event),
      changed: () => this.scheduleStatus(),
    })
    this.hopSummary = new HopSummaryPolicy(options.hopSummary ?? DEFAULT_HOP_SUMMARY, () => this.supervisor.aliveCount ?? this.supervisor.nodeInfos().length)
    this.hub = new ClientHub(() => this.intake, () => this.status(), this.hopSummary)
    this.local = this.hub.open({
      events: (batch) => this.eventListeners.forEach((listener) => listener(batch)),
      status: (status) => this.statusListeners.forEach((listener) => listener(status)),
    })
  }

  /**
   * A subscriber (window, WebSocket): it gets pushes once it calls ready through `call`.
   * Pages pass `{ summarise: true }`: gossip per message above the hop-summary threshold.
   */
  openClient(target: PushTarget, options: ClientOptions = {}): HostClient {
    return this.hub.open(target, options)
  }

  /**
   * The one entry point for untrusted callers: `method` and `args` straight off IPC or a
   * WebSocket. Arguments are validated once, here; Result methods answer bad input with
   * {ok:false} and change nothing, the others (getStatus, listSessions, ready) reject.
   */
  async call(method: unknown, args: unknown, client: HostClient = this.local): Promise<unknown> {
    if (typeof method !== 'string' || !(API_METHODS as readonly string[]).includes(method)) {
      throw new Error(`unknown method ${String(JSON.stringify(method)).slice(0, 60)}`)
    }
    const name = method as ApiMethod
    if (!Array.isArray(args)) return this.refuse(name, `${name}: arguments must be an array`)
    const parsed = API_ARGS[name].safeParse(args)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const where = issue && issue.path.length > 0 ? ` (argument ${issue.path.join('.')})` : ''
      return this.refuse(name, `${name}: ${issue?.message ?? 'invalid arguments'}${where}`)
    }
    if (name === 'ready') return client.ready((parsed.data as Args<'ready'>)[0])
    // A verb from a window or a browser is a user's action: recorded so the session can be saved as a scenario.
    const byUser = client !== this.local
    if (name === 'startNetwork') return this.startSession((parsed.data as Args<'startNetwork'>)[0], byUser ? 'user' : null)
    const at = this.now()
    const handler = this.handlers[name] as (...values: unknown[]) => Promise<unknown>
    const result = await handler(...(parsed.data as unknown[]))
    if (byUser && (result as Result<unknown>)?.ok) {
      const action = userAction(name, parsed.data as unknown[], (result as { value: unknown }).value)
      if (action) this.recordAction(action, at)
    }
    return result
  }

  /** Records a host.action into the current session (t = `at`, default now). */
  recordAction(action: ActionBody, at: number = this.now()): void {
    this.record({ v: EVENT_VERSION, t: at, type: 'host.action', ...action })
  }

  /** startNetwork for a scenario run: its start is recorded as the scenario's. */
  startScenarioNetwork(request: StartNetworkRequest): Promise<Result<HostStatus>> {
    return this.startSession(request, 'scenario')
  }

  /** Progress of the scenario run (shown in HostStatus.scenario). */
  setScenarioStatus(scenario: ScenarioStatus): void {
    this.scenario = scenario
    this.scheduleStatus()
  }

  runScenario(scenario: Scenario): Promise<Result<HostStatus>> {
    return this.call('runScenario', [scenario]) as Promise<Result<HostStatus>>
  }

  private startSession({ seeds, peers, settings, rngSeed, packing }: StartNetworkRequest, by: 'user' | 'scenario' | null): Promise<Result<HostStatus>> {
    if (seeds + peers > this.supervisor.maxNodes) {
      return Promise.resolve({ ok: false, error: `${seeds + peers} nodes requested; this host runs at most ${this.supervisor.maxNodes}` })
    }
    return this.serial(async () => {
      await this.endSession()
      if (this.closed) return { ok: false, error: 'the host is shutting down' }
      const folder = this.supervisor.beginSession(settings, rngSeed ?? null, packing)
      const log = new EventLog(join(folder.dir, EVENTS_FILE), () => this.scheduleStatus())
      this.eventLog = log
      this.intake = new Intake(log, (batch) => this.deliver(batch), this.options.intake ?? DEFAULT_INTAKE)
      if (by !== 'scenario') this.scenario = undefined
      this.hub.sessionChanged()
      this.scheduleStatus()
      if (by) {
        this.recordAction({
          node: NETWORK_NODE,
          by,
          action: 'start',
          seeds,
          peers,
          settings,
          packing: this.supervisor.packing,
          ...(rngSeed !== undefined ? { rngSeed } : {}),
        })
      }
      const seeded = await this.supervisor.addSeeds(seeds)
      if (!seeded.ok) return seeded
      if (peers > 0) {
        const joined = await this.supervisor.addPeers(peers)
        if (!joined.ok) return joined
      }
      return { ok: true, value: this.status() }
    })
  }

  getStatus(): Promise<HostStatus> {
    return this.call('getStatus', []) as Promise<HostStatus>
  }
  startNetwork(request: StartNetworkRequest): Promise<Result<HostStatus>> {
    return this.call('startNetwork', [request]) as Promise<Result<HostStatus>>
  }
  stopNetwork(): Promise<Result<HostStatus>> {
    return this.call('stopNetwork', []) as Promise<Result<HostStatus>>
  }
  addSeed(): Promise<Result<NodeInfo>> {
    return this.call('addSeed', []) as Promise<Result<NodeInfo>>
  }
  addPeers(count: number): Promise<Result<NodeInfo[]>> {
    return this.call('addPeers', [count]) as Promise<Result<NodeInfo[]>>
  }
  killNode(id: string): Promise<Result> {
    return this.call('killNode', [id]) as Promise<Result>
  }
  stopNode(id: string): Promise<Result> {
    return this.call('stopNode', [id]) as Promise<Result>
  }
  pauseNode(id: string): Promise<Result> {
    return this.call('pauseNode', [id]) as Promise<Result>
  }
  resumeNode(id: string): Promise<Result> {
    return this.call('resumeNode', [id]) as Promise<Result>
  }
  killProcess(id: string): Promise<Result<ProcessKill>> {
    return this.call('killProcess', [id]) as Promise<Result<ProcessKill>>
  }
  restartNode(id: string): Promise<Result<NodeInfo>> {
    return this.call('restartNode', [id]) as Promise<Result<NodeInfo>>
  }
  setSettings(settings: ProtocolSettings): Promise<Result<ProtocolSettings>> {
    return this.call('setSettings', [settings]) as Promise<Result<ProtocolSettings>>
  }
  setConditions(update: ConditionsUpdate): Promise<Result<NetConditions>> {
    return this.call('setConditions', [update]) as Promise<Result<NetConditions>>
  }
  partition(request: PartitionRequest): Promise<Result<Partition>> {
    return this.call('partition', [request]) as Promise<Result<Partition>>
  }
  heal(request: HealRequest): Promise<Result<NetConditions>> {
    return this.call('heal', [request]) as Promise<Result<NetConditions>>
  }
  exportSession(request: ExportRequest): Promise<Result<ExportResult>> {
    return this.call('exportSession', [request]) as Promise<Result<ExportResult>>
  }
  listSessions(): Promise<SessionSummary[]> {
    return this.call('listSessions', []) as Promise<SessionSummary[]>
  }
  loadSession(id: string, from?: SessionCursor): Promise<Result<SessionChunk>> {
    return this.call('loadSession', from ? [id, from] : [id]) as Promise<Result<SessionChunk>>
  }
  nodeLog(id: string): Promise<Result<NodeLog>> {
    return this.call('nodeLog', [id]) as Promise<Result<NodeLog>>
  }

  /** The verbs, with arguments already validated by `call`. */
  private readonly handlers: { [M in Exclude<ApiMethod, 'ready'>]: (...args: Args<M>) => Promise<unknown> } = {
    getStatus: async () => this.status(),

    startNetwork: async (request) => this.startSession(request, null),

    stopNetwork: async () =>
      this.serial(async () => {
        if (!this.supervisor.running) return { ok: false, error: 'no network is running' }
        await this.supervisor.stopAll()
        this.intake?.flush()
        return { ok: true, value: this.status() }
      }),

    addSeed: async () =>
      this.serial(async () => {
        const added = await this.supervisor.addSeeds(1)
        return added.ok ? { ok: true, value: added.value[0]! } : added
      }),

    addPeers: async (count) => this.serial(() => this.supervisor.addPeers(count)),

    killNode: async (id) => this.supervisor.kill(id),

    stopNode: async (id) => this.supervisor.stopNode(id),

    pauseNode: async (id) => this.supervisor.pause(id),

    resumeNode: async (id) => this.supervisor.resume(id),

    restartNode: async (id) => this.serial(() => this.supervisor.restart(id)),

    killProcess: async (id) => this.supervisor.killProcessOf?.(id) ?? { ok: false, error: 'killing a process is not available here' },

    setSettings: async (settings) => {
      this.supervisor.setSettings(settings)
      this.scheduleStatus()
      return { ok: true, value: settings }
    },

    setConditions: async (update) => {
      let next = this.supervisor.conditions
      if (update.clearLinks) next = { ...next, links: [] }
      if (update.defaults) next = { ...next, defaults: update.defaults }
      const known = new Set(this.supervisor.nodeInfos().map((n) => n.id))
      for (const link of update.links ?? []) {
        if (link.from === link.to) return { ok: false, error: `setConditions: a link needs two different nodes, got ${link.from} twice` }
        const unknown = [link.from, link.to].find((id) => !known.has(id))
        if (unknown) return { ok: false, error: `setConditions: no node ${unknown} in this session` }
        next = withLink(next, link.from, link.to, link.conditions)
        if (link.both) next = withLink(next, link.to, link.from, link.conditions)
      }
      return this.applyConditions('setConditions', next)
    },

    partition: async (request) => {
      const known = new Set(this.supervisor.nodeInfos().map((n) => n.id))
      const unknown = [...request.side, ...(request.other ?? [])].find((id) => !known.has(id))
      if (unknown) return { ok: false, error: `partition: no node ${unknown} in this session` }
      const current = this.supervisor.conditions
      const name = request.name ?? nextPartitionName(current)
      if (current.partitions.some((p) => p.name === name)) return { ok: false, error: `partition: ${name} is already in force (heal it first)` }
      const partition: Partition = { name, side: [...new Set(request.side)], other: request.other ? [...new Set(request.other)] : null, direction: request.direction ?? 'both' }
      const applied = this.applyConditions('partition', withPartition(current, partition))
      return applied.ok ? { ok: true, value: partition } : applied
    },

    heal: async ({ name }) => {
      const current = this.supervisor.conditions
      if (name !== undefined && !current.partitions.some((p) => p.name === name)) return { ok: false, error: `heal: no partition named ${name} is in force` }
      return this.applyConditions('heal', healed(current, name))
    },

    // One export at a time: each reads and zips a whole session, and several at once on a big
    // session multiplied the host's memory and blocked its event loop for many seconds.
    exportSession: (request) => this.exportQueue.run(() => this.exportOne(request)),

    listSessions: async () => {
      this.intake?.flush()
      return listSessions(this.options.sessionsDir)
    },

    loadSession: async (id, from) => {
      const dir = join(this.options.sessionsDir, id)
      if (!(await readSessionMeta(dir))) return { ok: false, error: `no session named ${id}` }
      if (this.supervisor.session?.id === id) this.intake?.flush()
      return loadSessionChunk(dir, from)
    },

    nodeLog: async (id) => {
      const folder = this.supervisor.session
      if (!folder) return { ok: false, error: 'no session yet' }
      return readNodeLog(folder.dir, id)
    },

    runScenario: async (scenario) => {
      if (this.scenario?.running) return { ok: false, error: `scenario "${this.scenario.name}" is still running` }
      return runScenarioOnHost(this, scenario)
    },
  }

  onEvents(listener: (batch: EventBatch) => void): () => void {
    this.eventListeners.add(listener)
    return () => this.eventListeners.delete(listener)
  }

  onStatus(listener: (status: HostStatus) => void): () => void {
    this.statusListeners.add(listener)
    return () => this.statusListeners.delete(listener)
  }

  ready(fromSeq: number): Promise<void> {
    return this.call('ready', [fromSeq]) as Promise<void>
  }

  /** One export (see exportSession); old files in the exports folder are pruned after it. */
  private async exportOne(request: ExportRequest): Promise<Result<ExportResult>> {
    const folder = this.supervisor.session
    if (!folder) return { ok: false, error: 'no session to export yet' }
    // createHost passes electron/host/export.ts's exportSession; a bare controller has none.
    const exporter = this.options.exporter
    if (!exporter) return { ok: false, error: 'export not available' }
    const path = this.options.exportPath
      ? await this.options.exportPath(folder.id, request)
      : join(this.options.exportsDir, `${folder.id}-export-${this.now()}${request.format === 'zip' ? '.zip' : ''}`)
    if (path === null) return { ok: false, error: 'export cancelled' }
    // Everything recorded up to now is on disk before the exporter reads it.
    this.intake?.flush()
    try {
      const result = await exporter(folder.dir, request, path)
      const url = this.options.exportUrl?.(result.path)
      if (!this.options.exportPath) await pruneExports(this.options.exportsDir, KEPT_EXPORTS)
      return { ok: true, value: url ? { ...result, url } : result }
    } catch (error) {
      return { ok: false, error: `export failed: ${(error as Error).message}` }
    }
  }

  status(): HostStatus {
    return {
      sessionId: this.supervisor.session?.id ?? null,
      running: this.supervisor.running,
      settings: this.supervisor.settings,
      nodes: this.supervisor.nodeInfos(),
      lastSeq: this.intake?.lastSeq ?? 0,
      maxNodes: this.supervisor.maxNodes,
      packing: this.supervisor.packing,
      launching: this.supervisor.launching ?? null,
      conditions: this.supervisor.conditions,
      ...(this.scenario ? { scenario: { ...this.scenario } } : {}),
      recordingProblem: this.eventLog?.problem ?? null,
      hopSummary: { ...this.hopSummary.settings, active: this.hopSummary.active() },
      exports: this.exportQueue.status,
    }
  }

  /** Stops every node (clean stop, SIGKILL fallback), records the end, and refuses further work. */
  async shutdown(): Promise<void> {
    if (this.closed) return
    this.closed = true
    // Stopping first cuts short any operation in flight (its waits for nodes end at once).
    await this.supervisor.stopAll()
    await this.queue.catch(() => undefined)
    await this.endSession()
    if (this.statusTimer) clearTimeout(this.statusTimer)
    if (this.summaryTimer) clearTimeout(this.summaryTimer)
  }

  /** Validates a whole model (bounds, overlaps, counts) and hands it to every node. */
  private applyConditions(verb: string, next: NetConditions): Result<NetConditions> {
    const checked = checkNetConditions(next)
    if (!checked.ok) return { ok: false, error: `${verb}: ${checked.error}` }
    this.supervisor.setConditions(checked.value)
    this.scheduleStatus()
    return { ok: true, value: checked.value }
  }

  private async endSession(): Promise<void> {
    await this.supervisor.stopAll()
    this.intake?.close()
  }

  /** A recorded batch to every client; the status says when the hop rate turns summaries on or off. */
  private deliver(batch: SessionEvent[]): void {
    this.hub.broadcast(batch)
    this.checkSummary()
  }

  private checkSummary(): void {
    const busy = this.hopSummary.busy
    if (busy !== this.summaryBusy) {
      this.summaryBusy = busy
      this.scheduleStatus()
    }
    // The hold ends with no event to notice it: look again then.
    if (busy && this.summaryTimer === null && !this.closed) {
      this.summaryTimer = setTimeout(() => {
        this.summaryTimer = null
        this.checkSummary()
      }, this.hopSummary.settings.holdMs + 50)
    }
  }

  private record(event: AnyEvent): void {
    this.intake?.push(event)
  }

  private scheduleStatus(): void {
    if (this.statusTimer !== null || this.closed) return
    this.statusTimer = setTimeout(() => {
      this.statusTimer = null
      this.hub.broadcastStatus(this.status())
    }, this.options.statusDelayMs ?? 50)
  }

  private serial<T>(operation: () => Promise<Result<T>>): Promise<Result<T>> {
    if (this.closed) return Promise.resolve({ ok: false, error: 'the host is shutting down' })
    const guarded = (): Promise<Result<T>> =>
      this.closed ? Promise.resolve({ ok: false, error: 'the host is shutting down' }) : operation()
    const run = this.queue.then(guarded, guarded)
    this.queue = run.catch(() => undefined)
    return run.catch((error: Error) => ({ ok: false as const, error: error.message }))
  }

  /** Bad arguments: {ok:false} for Result methods, a rejection for the others. */
  private refuse(method: ApiMethod, error: string): Result<never> {
    if (RESULT_METHODS.has(method)) return { ok: false, error }
    throw new Error(error)
  }

  private now(): number {
    return (this.options.now ?? Date.now)()
  }
}

/** Exports kept in the exports folder (the web host's downloads); older ones are deleted. */
const KEPT_EXPORTS = 5

/** Deletes all but the `keep` newest entries of the exports folder (never throws). */
async function pruneExports(dir: string, keep: number): Promise<void> {
  try {
    const entries = await Promise.all((await readdir(dir)).map(async (name) => ({ name, at: (await stat(join(dir, name))).mtimeMs })))
    entries.sort((a, b) => b.at - a.at)
    for (const old of entries.slice(keep)) await rm(join(dir, old.name), { recursive: true, force: true })
  } catch {
    // A missing or unreadable folder has nothing to prune.
  }
}
