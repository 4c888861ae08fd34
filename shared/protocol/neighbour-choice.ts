import type { Topology } from '../settings'
import type { PeerEntry } from './wire'

/**
 * Neighbour selection for a joining (or repairing) peer.
 *
 * powerlaw: preferential attachment (Barabasi-Albert). Each pick is drawn with probability
 * proportional to degree + 1, the degrees being those the seeds returned; the +1 lets
 * peers that have no links yet be chosen at all. Grown one peer at a time this gives a
 * degree distribution with a power-law tail (P(k) ~ k^-3 for the pure BA model).
 * random: uniform, as in the older assignment text.
 */

/** Removes one entry from `pool` by the topology's rule and returns it (undefined if empty). */
export function takeNeighbour(pool: PeerEntry[], topology: Topology, random: () => number): PeerEntry | undefined {
  if (pool.length === 0) return undefined
  let index = 0
  if (topology === 'random') {
    index = Math.min(pool.length - 1, Math.floor(random() * pool.length))
  } else {
    let total = 0
    for (const entry of pool) total += entry.degree + 1
    let r = random() * total
    index = pool.length - 1
    for (let i = 0; i < pool.length; i++) {
      r -= pool[i]!.degree + 1
      if (r < 0) {
        index = i
        break
      }
    }
  }
  const [chosen] = pool.splice(index, 1)
  return chosen
}

/**
 * Removes and returns the entry with the highest degree (ties: the smallest `IP:PORT`),
 * the same for every peer that sees the same list: used for repairs (docs/protocol.md).
 */
export function takeBestConnected(pool: PeerEntry[]): PeerEntry | undefined {
  if (pool.length === 0) return undefined
  let best = 0
  for (let i = 1; i < pool.length; i++) {
    const a = pool[i]!
    const b = pool[best]!
    if (a.degree > b.degree || (a.degree === b.degree && idOf(a) < idOf(b))) best = i
  }
  const [chosen] = pool.splice(best, 1)
  return chosen
}

function idOf(entry: PeerEntry): string {
  return `${entry.ip}:${entry.port}`
}

/** Up to `k` distinct entries chosen by the topology's rule (the input is not modified). */
export function chooseNeighbours(
  entries: readonly PeerEntry[],
  k: number,
  topology: Topology,
  random: () => number,
): PeerEntry[] {
  const pool = entries.slice()
  const chosen: PeerEntry[] = []
  while (chosen.length < k) {
    const entry = takeNeighbour(pool, topology, random)
    if (!entry) break
    chosen.push(entry)
  }
  return chosen
}
