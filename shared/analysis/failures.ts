import type { NetworkState } from '../model/network'
import type { ProtocolSettings } from '../settings'
import { scaledIntervals } from '../settings'

/**
 * Failure detection per kill. A neighbour notices a dead peer on its next liveness round
 * (up to one interval after the kill) and reports it after `livenessMisses` unanswered
 * rounds, so the expected window for the report and every seed's removal is
 * (livenessMisses + 1) x liveness interval after the kill, plus `slackMs` for delivery.
 */
export interface FailureAnalysis {
  node: string
  /** ms since epoch of the kill or crash. */
  at: number
  crashed: boolean
  /** ms after the kill; null = never happened. */
  firstMissMs: number | null
  reportMs: number | null
  reportedBy: string | null
  /** Seeds the node had registered with and when (ms after the kill) each removed it; null = not removed. */
  removals: Array<{ seed: string; ms: number | null; inWindow: boolean }>
  /** (livenessMisses + 1) x interval, ms; null when no settings were recorded. */
  windowMs: number | null
  /** The report and every removal happened, each within the window. */
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
  return state.failures.map((f) => {
    const node = state.nodes.get(f.node)
    const since = (t: number | null): number | null => (t === null ? null : Math.max(0, t - f.at))
    const within = (ms: number | null): boolean => ms !== null && (windowMs === null || ms <= windowMs)
    const seeds = new Set([...(node?.registeredWith ?? []), ...f.removals.keys()])
    const removals = [...seeds].sort().map((seed) => {
      const ms = since(f.removals.get(seed) ?? null)
      return { seed, ms, inWindow: within(ms) }
    })
    const reportMs = since(f.reportedAt)
    return {
      node: f.node,
      at: f.at,
      crashed: node?.crashed ?? false,
      firstMissMs: since(f.firstMissAt),
      reportMs,
      reportedBy: f.reportedBy,
      removals,
      windowMs,
      detectedInWindow: within(reportMs) && removals.length > 0 && removals.every((r) => r.inWindow),
    }
  })
}
