/** Small statistics helpers shared by the analyses and the report (pure, no allocation tricks). */

/** Nearest-rank percentile of an ascending array (p in 0..100); null when empty. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!
}

export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null
  let sum = 0
  for (const v of values) sum += v
  return sum / values.length
}

/** Empirical CDF of `values`: points (x, fraction of values <= x), x ascending. */
export function cdf(values: readonly number[]): Array<[number, number]> {
  const sorted = values.slice().sort((a, b) => a - b)
  return sorted.map((x, i) => [x, (i + 1) / sorted.length])
}

export interface Percentiles {
  count: number
  p50: number | null
  p90: number | null
  p99: number | null
  max: number | null
  mean: number | null
}

export function summarize(values: readonly number[]): Percentiles {
  const sorted = values.slice().sort((a, b) => a - b)
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length > 0 ? sorted[sorted.length - 1]! : null,
    mean: mean(sorted),
  }
}
