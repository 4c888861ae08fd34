import type { NetworkState } from '../model/network'

/**
 * Degree distribution of the peer overlay and a power-law fit. The exponent is the
 * discrete maximum-likelihood approximation of Clauset, Shalizi and Newman (2009, eq. 3.7):
 *   alpha = 1 + n / sum_i ln(d_i / (dmin - 1/2))   over the n degrees d_i >= dmin,
 * with standard error (alpha - 1) / sqrt(n). dmin is chosen as in that paper: the
 * candidate (with at least 10 degrees in the tail) whose fit has the smallest
 * Kolmogorov-Smirnov distance to the observed tail. Barabasi-Albert growth gives alpha
 * near 3 (noisy for a hundred peers).
 */

export interface DegreeAnalysis {
  /** Degree of each alive peer, by id. */
  degrees: Map<string, number>
  /** [degree, number of peers with it], degree ascending, zero counts left out. */
  histogram: Array<[number, number]>
  /** Power-law fit over degrees >= dmin (the smallest non-zero degree); null with < 2 peers. */
  fit: { alpha: number; dmin: number; n: number; stderr: number } | null
  meanDegree: number | null
}

export function powerLawAlpha(values: readonly number[], dmin: number): { alpha: number; n: number; stderr: number } | null {
  const tail = values.filter((d) => d >= dmin)
  if (tail.length < 2 || dmin < 1) return null
  let sum = 0
  for (const d of tail) sum += Math.log(d / (dmin - 0.5))
  if (sum <= 0) return null
  const alpha = 1 + tail.length / sum
  return { alpha, n: tail.length, stderr: (alpha - 1) / Math.sqrt(tail.length) }
}

export function degreeAnalysis(state: NetworkState): DegreeAnalysis {
  const degrees = new Map<string, number>()
  for (const node of state.nodes.values()) {
    if (node.role === 'peer' && node.status === 'alive') degrees.set(node.id, node.neighbours.size)
  }
  const counts = new Map<number, number>()
  for (const d of degrees.values()) counts.set(d, (counts.get(d) ?? 0) + 1)
  const histogram = [...counts].sort((a, b) => a[0] - b[0])
  const positive = [...degrees.values()].filter((d) => d > 0)
  const all = [...degrees.values()]
  return {
    degrees,
    histogram,
    fit: fitPowerLaw(positive),
    meanDegree: all.length > 0 ? all.reduce((a, b) => a + b, 0) / all.length : null,
  }
}

/** KS distance between the tail's empirical CDF and the fitted discrete power law's CDF. */
function ksDistance(tail: readonly number[], alpha: number, dmin: number): number {
  const sorted = tail.slice().sort((a, b) => a - b)
  const maxD = sorted[sorted.length - 1]!
  let z = 0
  for (let d = dmin; d < dmin + 10_000; d++) z += d ** -alpha
  let model = 0
  let worst = 0
  let i = 0
  for (let d = dmin; d <= maxD; d++) {
    model += d ** -alpha / z
    while (i < sorted.length && sorted[i]! <= d) i++
    worst = Math.max(worst, Math.abs(i / sorted.length - model))
  }
  return worst
}

export function fitPowerLaw(values: readonly number[]): DegreeAnalysis['fit'] {
  const candidates = [...new Set(values)].filter((d) => d >= 1).sort((a, b) => a - b)
  let best: { alpha: number; dmin: number; n: number; stderr: number; ks: number } | null = null
  for (const dmin of candidates) {
    const tail = values.filter((d) => d >= dmin)
    if (best !== null && tail.length < 10) break
    const fit = powerLawAlpha(tail, dmin)
    if (!fit) continue
    const ks = ksDistance(tail, fit.alpha, dmin)
    if (best === null || ks < best.ks) best = { ...fit, dmin, ks }
  }
  if (!best) return null
  const { ks: _ks, ...fit } = best
  return fit
}
