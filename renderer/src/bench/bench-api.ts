import { NO_CONDITIONS } from '../../../shared/net/conditions'
import type { EventBatch, GossipscopeApi, HostStatus } from '../../../shared/ipc'
import { DEFAULT_SETTINGS } from '../../../shared/settings'
import { app } from '../store'
import { installMetrics } from './metrics'
import { seededRandom } from '../../../shared/protocol/rng'
import { SyntheticNetwork } from './synthetic-network'
import { summariseHops } from '../../../shared/model/coverage'
import type { SessionEvent } from '../../../shared/events'

/** ms between two generated batches (the real host batches about every 50 ms). */
const BATCH_MS = 20
/** The host's summary window (DEFAULT_HOP_SUMMARY.windowMs). */
const HOP_WINDOW_MS = 200

/** Wall clock in ms since epoch with sub-ms precision (event `t` and latency use it). */
export const wallNow = (): number => performance.timeOrigin + performance.now()

/**
 * A GossipscopeApi with no host behind it: after `ready`, it emits a synthetic network of
 * `bench` nodes, then `rate` events/s (default 10,000) in batches every BATCH_MS. It keeps
 * the rate by generating what is due by the clock, so a late timer never lowers it.
 */
export function startBench(params: URLSearchParams): GossipscopeApi {
  const nodes = Math.max(3, Math.min(5000, Number(params.get('bench')) || 200))
  const rate = Math.max(1, Number(params.get('rate')) || 10_000)
  const network = new SyntheticNetwork(nodes, seededRandom(42))
  const listeners = new Set<(batch: EventBatch) => void>()
  const metrics = installMetrics()
  let generated = 0
  let started = 0
  // `&summarise=1`: what the host does for a page above its threshold, with the same fold:
  // events held for HOP_WINDOW_MS, hops folded per message (shared/model/coverage.ts).
  const summarise = params.get('summarise') === '1'
  let held: SessionEvent[] = []
  let heldSince = 0
  const send = (events: EventBatch['events']) => {
    for (const listener of listeners) listener({ events })
  }
  const emit = (events: EventBatch['events']) => {
    metrics.received += events.length
    if (!summarise) return send(events)
    for (const event of events) held.push(event)
    const now = performance.now()
    if (now - heldSince < HOP_WINDOW_MS) return
    heldSince = now
    const window = held
    held = []
    send(summariseHops(window))
  }
  const status: HostStatus = {
    sessionId: `bench-${nodes}`,
    running: true,
    settings: DEFAULT_SETTINGS,
    nodes: [],
    lastSeq: 0,
    maxNodes: nodes,
    conditions: NO_CONDITIONS,
    ...(summarise ? { hopSummary: { aboveNodes: 0, aboveHopsPerSecond: 0, holdMs: 0, windowMs: HOP_WINDOW_MS, active: true } } : {}),
  }
  const refuse = async () => ({ ok: false as const, error: 'not available in benchmark mode' })
  return {
    getStatus: async () => status,
    startNetwork: refuse,
    stopNetwork: refuse,
    addSeed: refuse,
    addPeers: refuse,
    killNode: refuse,
    stopNode: refuse,
    pauseNode: refuse,
    resumeNode: refuse,
    restartNode: refuse,
    killProcess: refuse,
    setSettings: refuse,
    setConditions: refuse,
    partition: refuse,
    heal: refuse,
    exportSession: refuse,
    listSessions: async () => [],
    loadSession: refuse,
    nodeLog: refuse,
    runScenario: refuse,
    onEvents(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    onStatus: () => () => undefined,
    async ready() {
      emit(network.setup(wallNow()))
      started = performance.now()
      metrics.start = started
      setInterval(() => {
        const due = Math.floor(((performance.now() - started) / 1000) * rate) - generated
        if (due <= 0) return
        generated += due
        emit(network.next(due, wallNow()))
      }, BATCH_MS)
      metrics.applied = () => app.store.getState().live.applied
    },
  }
}
