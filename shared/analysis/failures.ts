import type { NetworkState } from '../model/network'
import type { ProtocolSettings } from '../settings'
import { scaledIntervals } from '../settings'
import { seedVerifyTimeoutMs } from '../settings-core'

/**
 * Failure detection, one row per kill, crash, pause and restart (see model/network
 * `Failure`). A neighbour notices a silent peer on its next liveness round (up to one
 * interval after it fell silent) and reports it after `livenessMisses` unanswered rounds,
 * so the expected window for the report and every seed's removal is (livenessMisses + 1)
 * x liveness interval after the failure, plus `SLACK_MS` for delivery. A pause shorter
 * than that window need not be detected (the node answers the requests that waited for
 * it); a longer one must be, like a kill. A restart is a kill or crash followed by a new
 * process at the same address: a seed that registered the new process no longer holds
 * the old one, which counts as that seed's removal.
 */
export interface FailureAnalysis {
  node: string
  /** 'restart': a kill or crash after which the node started again at the same address. */
  kind: 'kill' | 'crash' | 'pause' | 'restart'
  /** ms since epoch of the kill, crash (last sign of life) or pause. */
  at: number
  /** Kept for older readers: the process died without being asked to. */
  crashed: boolean
  /** ms after `at` of the resume (pause) or the new start (restart); null if it never came back. */
  backMs: number | null
  /** ms after it came back of its first link: back in the overlay; null = not (yet) relinked. */
  rejoinMs: number | null
  /** ms after `at`; null = never happened. */
  firstMissMs: number | null
  reportMs: number | null
  reportedBy: string | null
  /** Dead Node reports that detected it (every neighbour that noticed reports once). */
  reports: number
  /**
   * Seeds the node had registered with and when (ms after `at`) each removed it or, after a
   * restart, registered the new process instead (`replaced`); ms null = neither happened.
   */
  removals: Array<{ seed: string; ms: number | null; inWindow: boolean; replaced: boolean }>
  /** Report window: (livenessMisses + 1) x interval + slack, ms; null when no settings were recorded. */
  windowMs: number | null
  /**
   * Removal window: the report window plus the seed's verification time (its own liveness
   * probe of the reported peer, seedVerifyTimeoutMs: 2 liveness intervals), ms; null when
   * no settings were recorded. A seed removes a silent peer only when its probe times out.
   */
  removalWindowMs: number | null
  /** Detection was due: not a pause that ended inside the window. */
  detectionExpected: boolean
  /** The report and every removal happened, each within the window (false when not expected and not detected). */
  detectedInWindow: boolean
}

export interface FalseReport {
  node: string
  reporter: string
  /** ms since epoch */
  at: number
}

/** Slack for a report to travel and be logged (ms). */
const SLACK_MS = 250

export function analyzeFailures(state: NetworkState, settings: ProtocolSettings | null): FailureAnalysis[] {
  const windowMs = settings ? (settings.livenessMisses + 1) * scaledIntervals(settings).livenessMs + SLACK_MS : null
  const removalWindowMs = settings && windowMs !== null ? windowMs + seedVerifyTimeoutMs(settings) : null
  return state.failures.map((f) => {
    const node = state.nodes.get(f.node)
    const since = (t: number | null): number | null => (t === null ? null : Math.max(0, t - f.at))
    const within = (ms: number | null, window = windowMs): boolean => ms !== null && (window === null || ms <= window)
    const kind = f.kind === 'pause' ? 'pause' : f.endAt !== null ? 'restart' : f.kind
    const seeds = new Set([...f.removals.keys()])
    // The seeds it was registered with when it failed: after a restart the node's own set is the new process's.
    if (kind !== 'restart') for (const seed of node?.registeredWith ?? []) seeds.add(seed)
    else for (const seed of f.relinked.keys()) if (state.nodes.get(seed)?.role === 'seed') seeds.add(seed)
    const removals = [...seeds].sort().map((seed) => {
      const removedAt = f.removals.get(seed)
      const replacedAt = kind === 'restart' ? f.relinked.get(seed) : undefined
      const replaced = removedAt === undefined && replacedAt !== undefined
      const ms = since(removedAt ?? replacedAt ?? null)
      return { seed, ms, inWindow: within(ms, removalWindowMs), replaced }
    })
    const reportMs = since(f.reportedAt)
    const backMs = since(f.endAt)
    const detectionExpected = !(kind === 'pause' && backMs !== null && windowMs !== null && backMs <= windowMs)
    const detected = within(reportMs) && removals.length > 0 && removals.every((r) => r.inWindow)
    return {
      node: f.node,
      kind,
      at: f.at,
      crashed: f.kind === 'crash',
      backMs,
      rejoinMs: f.endAt === null || f.rejoinedAt === null ? null : f.rejoinedAt - f.endAt,
      firstMissMs: since(f.firstMissAt),
      reportMs,
      reportedBy: f.reportedBy,
      reports: f.reports,
      removals,
      windowMs,
      removalWindowMs,
      detectionExpected,
      detectedInWindow: detected,
    }
  })
}
