import { observeFrames } from '../graph/frame-hooks'
import { app } from '../store'

/** Latency histogram resolution: 0.5 ms buckets up to 5 s (later ones land in the last). */
const BUCKET_MS = 0.5
const BUCKETS = 10_000

export interface BenchMetrics {
  start: number
  /** Events the synthetic source delivered. */
  received: number
  applied: () => number
  /** Starts a measurement window: clears frame and latency counts. */
  reset(): void
  /** Frames and latency since the last reset. */
  snapshot(): {
    seconds: number
    frames: number
    painted: number
    p50: number | null
    p99: number | null
    samples: number
    received: number
    applied: number
    /** The graph loop's own time per frame, ms. */
    workP50: number | null
    workP99: number | null
  }
}

declare global {
  interface Window {
    __gossipscopeBench?: BenchMetrics
  }
}

/**
 * Measures, in the page, frames per second and event-to-pixel latency: from an event's
 * `t` (when the source generated it) to the end of the first painted frame after it was
 * applied to the store.
 */
export function installMetrics(): BenchMetrics {
  const histogram = new Float64Array(BUCKETS)
  let samples = 0
  let frames = 0
  let painted = 0
  let windowStart = performance.now()
  let pending: Array<{ t: number; count: number }> = []
  let work: number[] = []
  app.applied.subscribe((events) => {
    // One batch shares one generation time; keep (t, count) pairs, not every event.
    let last: { t: number; count: number } | undefined
    for (const e of events) {
      if (e.type === 'gossip.coverage') {
        // Hops folded per message: each receipt from its own stamp, the other hops from the
        // message's first hop in the window (the earliest stamp, so latency is not understated).
        for (const m of e.messages) {
          for (const [, at] of m.received) pending.push({ t: at, count: 1 })
          const rest = m.forwards + m.duplicates.reduce((sum, [, n]) => sum + n, 0)
          if (rest > 0) pending.push({ t: m.firstT, count: rest })
        }
        last = undefined
      } else if (last && last.t === e.t) last.count++
      else pending.push((last = { t: e.t, count: 1 }))
    }
  })
  observeFrames((_now, didPaint, workMs) => {
    frames++
    work.push(workMs)
    if (!didPaint) return
    painted++
    const drawn = performance.timeOrigin + performance.now()
    for (const { t, count } of pending) {
      const bucket = Math.min(BUCKETS - 1, Math.max(0, Math.floor((drawn - t) / BUCKET_MS)))
      histogram[bucket]! += count
      samples += count
    }
    pending = []
  })
  const percentile = (q: number): number | null => {
    if (samples === 0) return null
    let seen = 0
    for (let i = 0; i < BUCKETS; i++) {
      seen += histogram[i]!
      if (seen >= q * samples) return (i + 1) * BUCKET_MS
    }
    return BUCKETS * BUCKET_MS
  }
  const metrics: BenchMetrics = {
    start: 0,
    received: 0,
    applied: () => 0,
    reset() {
      histogram.fill(0)
      samples = 0
      frames = 0
      painted = 0
      work = []
      windowStart = performance.now()
    },
    snapshot() {
      return {
        seconds: (performance.now() - windowStart) / 1000,
        frames,
        painted,
        p50: percentile(0.5),
        p99: percentile(0.99),
        samples,
        received: metrics.received,
        applied: metrics.applied(),
        workP50: quantile(work, 0.5),
        workP99: quantile(work, 0.99),
      }
    },
  }
  window.__gossipscopeBench = metrics
  return metrics
}

function quantile(values: number[], q: number): number | null {
  if (values.length === 0) return null
  const sorted = values.slice().sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
}
