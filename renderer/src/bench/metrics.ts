import { observeFrames } from '../graph/frame-hooks'
import { app } from '../store'

/** Latency histogram resolution: 0.5 ms buckets up to 5 s (later ones land in the last). */
/** Latency histogram: 0.5 ms buckets up to FINE_MS, then 100 ms buckets up to 120 s (later ones count in the last). */
const BUCKET_MS = 0.5
const FINE_MS = 5_000
const COARSE_MS = 100
const FINE = FINE_MS / BUCKET_MS
const BUCKETS = FINE + (120_000 - FINE_MS) / COARSE_MS

/** The bucket of a latency (ms), and the upper edge (ms) of a bucket. */
const bucketOf = (ms: number): number =>
  ms < FINE_MS ? Math.max(0, Math.floor(ms / BUCKET_MS)) : Math.min(BUCKETS - 1, FINE + Math.floor((ms - FINE_MS) / COARSE_MS))
const upperEdge = (bucket: number): number => (bucket < FINE ? (bucket + 1) * BUCKET_MS : FINE_MS + (bucket - FINE + 1) * COARSE_MS)

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
      const bucket = bucketOf(drawn - t)
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
      if (seen >= q * samples) return upperEdge(i)
    }
    return upperEdge(BUCKETS - 1)
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
