import { join } from 'node:path'
import type { z } from 'zod'
import type { AnyEvent, SessionEvent } from '../../shared/events'
import {
  API_ARGS,
  API_METHODS,
  RESULT_METHODS,
  type ApiMethod,
  type EventBatch,
  type ExportRequest,
  type ExportResult,
  type GossipscopeApi,
  type HostStatus,
  type NodeInfo,
  type Result,
  type SessionSummary,
  type StartNetworkRequest,
} from '../../shared/ipc'
import type { ProtocolSettings } from '../../shared/settings'
import { ClientHub, type HostClient, type PushTarget } from './clients'
import { EventLog } from './event-log'
import { DEFAULT_INTAKE, Intake, type IntakeOptions } from './intake'
import { EVENTS_FILE } from './session-files'
import { listSessions, loadSessionEvents, readSessionMeta } from './session-reader'
import type { Supervisor, SupervisorHooks } from './supervisor'

/**
 * The host's API: every GossipscopeApi verb over a supervisor, shared by Electron main
 * (IPC) and the web host (WebSocket). Every argument is validated here with API_ARGS; an
 * invalid or impossible request gets `{ok:false, error}` and changes nothing. Session-
 * changing verbs run one at a time; kill and stop act at once.
 */

/** The supervisor surface the controller uses (a fake in unit tests). */
export type SupervisorLike = Pick<
  Supervisor,
  | 'session'
  | 'running'
  | 'settings'
  | 'maxNodes'
  | 'setSettings'
  | 'nodeInfos'
  | 'capacityError'
  | 'beginSession'
  | 'addSeeds'
  | 'addPeers'
  | 'kill'
  | 'stopNode'
  | 'stopAll'
  | 'killAllNow'
  | 'livePids'
>

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
  /** ms status pushes are coalesced over. */
  statusDelayMs?: number
  now?: () => number
}

type Args<M extends ApiMethod> = z.infer<(typeof API_ARGS)[M]>

export class HostController implements GossipscopeApi {
  readonly supervisor: SupervisorLike
  private intake: Intake | null = null
  private readonly hub: ClientHub
  /** Tail of the queue of session-changing operations. */
  private queue: Promise<unknown> = Promise.resolve()
  private statusTimer: ReturnType<typeof setTimeout> | null = null
  private readonly eventListeners = new Set<(batch: EventBatch) => void>()
  private readonly statusListeners = new Set<(status: HostStatus) => void>()
  private readonly local: HostClient
  private closed = false

  constructor(
    private readonly options: HostControllerOptions,
    createSupervisor: (hooks: SupervisorHooks) => SupervisorLike,
  ) {
    this.supervisor = createSupervisor({
      emit: (event) => this.record(event),
      changed: () => this.scheduleStatus(),
    })
    this.hub = new ClientHub(() => this.intake, () => this.status())
    this.local = this.hub.open({
      events: (batch) => this.eventListeners.forEach((listener) => listener(batch)),
      status: (status) => this.statusListeners.forEach((listener) => listener(status)),
    })
  }

  /** A subscriber (window, WebSocket): it gets pushes once it calls ready through `call`. */
  openClient(target: PushTarget): HostClient {
    return this.hub.open(target)
  }

  /**
   * The one entry point for untrusted callers: `method` and `args` straight off IPC or a
   * WebSocket. Result methods answer bad input with {ok:false}; the others reject.
   */
  async call(method: unknown, args: unknown, client: HostClient = this.local): Promise<unknown> {
    if (typeof method !== 'string' || !(API_METHODS as readonly string[]).includes(method)) {
      throw new Error(`unknown method ${JSON.stringify(method)?.slice(0, 60)}`)
    }
    const name = method as ApiMethod
    if (!Array.isArray(args)) return this.refuse(name, `${name}: arguments must be an array`)
    if (name === 'ready') {
      const parsed = this.parse('ready', args)
      if (!parsed.ok) throw new Error(parsed.error)
      return client.ready(parsed.value[0])
    }
    const handler = this[name] as (...values: unknown[]) => Promise<unknown>
    return handler.apply(this, args)
  }

  async getStatus(...args: unknown[]): Promise<HostStatus> {
    const parsed = this.parse('getStatus', args)
    if (!parsed.ok) throw new Error(parsed.error)
    return this.status()
  }

  async startNetwork(request: StartNetworkRequest): Promise<Result<HostStatus>> {
    const parsed = this.parse('startNetwork', [request])
    if (!parsed.ok) return parsed
    const { seeds, peers, settings } = parsed.value[0]
    if (seeds + peers > this.supervisor.maxNodes) {
      return { ok: false, error: `${seeds + peers} nodes requested; this host runs at most ${this.supervisor.maxNodes}` }
    }
    return this.serial(async () => {
      await this.endSession()
      const folder = this.supervisor.beginSession(settings)
      const log = new EventLog(join(folder.dir, EVENTS_FILE))
      this.intake = new Intake(log, (batch) => this.hub.broadcast(batch), this.options.intake ?? DEFAULT_INTAKE)
      this.hub.sessionChanged()
      this.scheduleStatus()
      const seeded = await this.supervisor.addSeeds(seeds)
      if (!seeded.ok) return seeded
      if (peers > 0) {
        const joined = await this.supervisor.addPeers(peers)
        if (!joined.ok) return joined
      }
      return { ok: true, value: this.status() }
    })
  }

  async stopNetwork(...args: unknown[]): Promise<Result<HostStatus>> {
    const parsed = this.parse('stopNetwork', args)
    if (!parsed.ok) return parsed
    return this.serial(async () => {
      if (!this.supervisor.running) return { ok: false, error: 'no network is running' }
      await this.supervisor.stopAll()
      this.intake?.flush()
      return { ok: true, value: this.status() }
    })
  }

  async addSeed(...args: unknown[]): Promise<Result<NodeInfo>> {
    const parsed = this.parse('addSeed', args)
    if (!parsed.ok) return parsed
    return this.serial(async () => {
      const added = await this.supervisor.addSeeds(1)
      return added.ok ? { ok: true, value: added.value[0]! } : added
    })
  }

  async addPeers(count: number): Promise<Result<NodeInfo[]>> {
    const parsed = this.parse('addPeers', [count])
    if (!parsed.ok) return parsed
    return this.serial(() => this.supervisor.addPeers(parsed.value[0]))
  }

  async killNode(id: string): Promise<Result> {
    const parsed = this.parse('killNode', [id])
    return parsed.ok ? this.supervisor.kill(parsed.value[0]) : parsed
  }

  async stopNode(id: string): Promise<Result> {
    const parsed = this.parse('stopNode', [id])
    return parsed.ok ? this.supervisor.stopNode(parsed.value[0]) : parsed
  }

  async setSettings(settings: ProtocolSettings): Promise<Result<ProtocolSettings>> {
    const parsed = this.parse('setSettings', [settings])
    if (!parsed.ok) return parsed
    this.supervisor.setSettings(parsed.value[0])
    this.scheduleStatus()
    return { ok: true, value: parsed.value[0] }
  }

  async exportSession(request: ExportRequest): Promise<Result<ExportResult>> {
    const parsed = this.parse('exportSession', [request])
    if (!parsed.ok) return parsed
    const folder = this.supervisor.session
    if (!folder) return { ok: false, error: 'no session to export yet' }
    // INTEGRATION POINT: electron/host/export.ts provides `exportSession`; the entry points
    // (electron/main, electron/web) pass it as `options.exporter`.
    const exporter = this.options.exporter
    if (!exporter) return { ok: false, error: 'export not available' }
    const req = parsed.value[0]
    const path = this.options.exportPath
      ? await this.options.exportPath(folder.id, req)
      : join(this.options.exportsDir, `${folder.id}-export-${this.now()}${req.format === 'zip' ? '.zip' : ''}`)
    if (path === null) return { ok: false, error: 'export cancelled' }
    // Everything recorded up to now is on disk before the exporter reads it.
    this.intake?.flush()
    try {
      const result = await exporter(folder.dir, req, path)
      const url = this.options.exportUrl?.(result.path)
      return { ok: true, value: url ? { ...result, url } : result }
    } catch (error) {
      return { ok: false, error: `export failed: ${(error as Error).message}` }
    }
  }

  async listSessions(...args: unknown[]): Promise<SessionSummary[]> {
    const parsed = this.parse('listSessions', args)
    if (!parsed.ok) throw new Error(parsed.error)
    this.intake?.flush()
    return listSessions(this.options.sessionsDir)
  }

  async loadSession(id: string): Promise<Result<SessionEvent[]>> {
    const parsed = this.parse('loadSession', [id])
    if (!parsed.ok) return parsed
    const dir = join(this.options.sessionsDir, parsed.value[0])
    if (!(await readSessionMeta(dir))) return { ok: false, error: `no session named ${parsed.value[0]}` }
    if (this.supervisor.session?.id === parsed.value[0]) this.intake?.flush()
    return loadSessionEvents(dir)
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

  status(): HostStatus {
    return {
      sessionId: this.supervisor.session?.id ?? null,
      running: this.supervisor.running,
      settings: this.supervisor.settings,
      nodes: this.supervisor.nodeInfos(),
      lastSeq: this.intake?.lastSeq ?? 0,
      maxNodes: this.supervisor.maxNodes,
    }
  }

  /** Stops every node (clean stop, SIGKILL fallback), records the end, and refuses further work. */
  async shutdown(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.queue.catch(() => undefined)
    await this.endSession()
    if (this.statusTimer) clearTimeout(this.statusTimer)
  }

  private async endSession(): Promise<void> {
    await this.supervisor.stopAll()
    this.intake?.close()
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
    const run = this.queue.then(operation, operation)
    this.queue = run.catch(() => undefined)
    return run.catch((error: Error) => ({ ok: false as const, error: error.message }))
  }

  private parse<M extends ApiMethod>(method: M, args: unknown[]): Result<Args<M>> {
    const parsed = API_ARGS[method].safeParse(args)
    if (parsed.success) return { ok: true, value: parsed.data as Args<M> }
    const issue = parsed.error.issues[0]
    const where = issue && issue.path.length > 0 ? ` (argument ${issue.path.join('.')})` : ''
    return { ok: false, error: `${method}: ${issue?.message ?? 'invalid arguments'}${where}` }
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
