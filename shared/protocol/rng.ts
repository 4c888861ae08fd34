/**
 * Seeded pseudo-random generator (mulberry32): the machines' only source of randomness,
 * injected by the driver so a run can be replayed exactly from its seed.
 * Not cryptographic; it only chooses seeds and neighbours.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** k distinct items drawn uniformly without replacement (all of them when k >= length). */
export function sample<T>(items: readonly T[], k: number, random: () => number): T[] {
  const pool = items.slice()
  const n = Math.min(k, pool.length)
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (pool.length - i))
    const tmp = pool[i]!
    pool[i] = pool[j]!
    pool[j] = tmp
  }
  return pool.slice(0, n)
}
