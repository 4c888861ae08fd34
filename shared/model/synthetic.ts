import type { AnyEvent, SessionEvent } from '../events'
import { seededRandom, sample } from '../protocol/rng'
import { DEFAULT_SETTINGS, scaledIntervals, type ProtocolSettings } from '../settings'
import { linkKey } from './network'

/**
 * A deterministic, realistic synthetic session (no processes): seeds and peers join,
 * peers link by preferential attachment, every peer floods its gossip messages over the
 * current graph with random per-hop latency (received / forwarded / duplicate events as
 * the real peers emit them), liveness rounds run all along, and killed peers are detected
 * by their neighbours after `livenessMisses` missed rounds, reported and removed by seeds.
 * Used by the replay benchmark and by the model/analysis tests.
 */

export interface SyntheticOptions {
  seeds: number
  peers: number
  /** Gossip messages per peer. */
  gossipCount: number
  /** Peers killed (SIGKILL) during the gossip phase. */
  kills: number
  /** Liveness rounds after the last gossip message. */
  extraLivenessRounds: number
  rngSeed: number
  /** ms since epoch of the first event. */
  startT: number
  settings: ProtocolSettings
  /** Stop after this many events (the session is cut, as a running one would be). */
  maxEvents?: number
}

export const SYNTHETIC_DEFAULTS: SyntheticOptions = {
  seeds: 3,
  peers: 20,
  gossipCount: 3,
  kills: 1,
  extraLivenessRounds: 4,
  rngSeed: 1,
  startT: 1_800_000_000_000,
  settings: { ...DEFAULT_SETTINGS, timeScale: 0.05 },
}

interface Pending {
  /** Exact (fractional) time, for ordering; events carry it rounded to whole ms. */
  at: number
  ord: number
  event: AnyEvent
}

export function syntheticSession(options: Partial<SyntheticOptions> = {}): SessionEvent[] {
  const o: SyntheticOptions = { ...SYNTHETIC_DEFAULTS, ...options }
  const random = seededRandom(o.rngSeed)
  const { gossipMs, livenessMs } = scaledIntervals(o.settings)
  const out: Pending[] = []
  let ord = 0
  const emit = (at: number, event: Record<string, unknown> & { type: string; node: string }): void => {
    out.push({ at, ord: ord++, event: { v: 1, t: Math.round(at), ...event } as AnyEvent })
  }
  const seeds = Array.from({ length: o.seeds }, (_, i) => `127.0.1.${i + 1}:6000`)
  const peers = Array.from({ length: o.peers }, (_, i) => `127.0.${2 + (i >> 8)}.${(i & 255) + 1}:7000`)
  let t = o.startT
  for (const seed of seeds) {
    emit(t, { node: seed, type: 'host.spawned', role: 'seed', pid: 1000 + ord })
    emit(t + 5, { node: seed, type: 'node.started', role: 'seed', seeds, settings: o.settings, pid: 1000 + ord })
    t += 10
  }

  // Join phase: registration with a majority of seeds, then preferential attachment.
  const adjacency = new Map<string, string[]>()
  /** Link key -> time the link went down (Infinity while up). */
  const downAt = new Map<string, number>()
  const degreeList: string[] = []
  const registered = new Map<string, string[]>()
  const joinedAt = new Map<string, number>()
  for (const peer of peers) {
    t += 20
    joinedAt.set(peer, t)
    emit(t, { node: peer, type: 'host.spawned', role: 'peer', pid: 2000 + ord })
    emit(t + 5, { node: peer, type: 'node.started', role: 'peer', seeds, settings: o.settings, pid: 2000 + ord })
    const chosen = sample(seeds, Math.floor(seeds.length / 2) + 1, random)
    registered.set(peer, chosen)
    const known = [...adjacency.keys()]
    for (const seed of chosen) {
      emit(t + 6, { node: seed, type: 'seed.registered', peer })
      emit(t + 7, { node: peer, type: 'peer.registered', seed })
      emit(t + 8, { node: peer, type: 'peer.peer-list', seed, peers: known })
    }
    const targets = new Set<string>()
    const want = Math.min(o.settings.maxLinks, known.length)
    while (targets.size < want) {
      const pool = degreeList.length > 0 && random() < 0.9 ? degreeList : known
      targets.add(pool[Math.floor(random() * pool.length)]!)
    }
    adjacency.set(peer, [])
    for (const other of targets) {
      emit(t + 10, { node: peer, type: 'peer.link-up', peer: other, initiator: true })
      emit(t + 10.5, { node: other, type: 'peer.link-up', peer, initiator: false })
      adjacency.get(peer)!.push(other)
      adjacency.get(other)!.push(peer)
      downAt.set(linkKey(peer, other), Infinity)
      degreeList.push(peer, other)
    }
  }
  const gossipStart = t + 100
  const gossipEnd = gossipStart + o.gossipCount * gossipMs

  // Kills, spread over the gossip phase; victims never include the first two peers.
  const killAt = new Map<string, number>()
  const victims = sample(peers.slice(2), o.kills, random)
  victims.forEach((victim, i) => killAt.set(victim, gossipStart + ((i + 1) * (gossipEnd - gossipStart)) / (o.kills + 1)))
  for (const [victim, at] of killAt) {
    emit(at, { node: victim, type: 'host.kill', signal: 'SIGKILL' })
    emit(at + 3, { node: victim, type: 'host.exited', code: null, signal: 'SIGKILL', expected: true })
  }
  const aliveAt = (node: string, at: number): boolean => at < (killAt.get(node) ?? Infinity)
  const linkedAt = (a: string, b: string, at: number): boolean => at < (downAt.get(linkKey(a, b)) ?? -Infinity)

  // Liveness rounds: each peer probes every neighbour; misses accumulate on dead ones.
  const removedBySeed = new Set<string>()
  const missCount = new Map<string, number>()
  const lastRound = Math.ceil((gossipEnd - gossipStart) / livenessMs) + o.extraLivenessRounds
  for (let round = 1; round <= lastRound; round++) {
    for (const peer of peers) {
      const at = gossipStart + round * livenessMs + (peers.indexOf(peer) % 50) * 0.3
      if (!aliveAt(peer, at)) continue
      for (const other of adjacency.get(peer)!) {
        if (!linkedAt(peer, other, at)) continue
        emit(at, { node: peer, type: 'liveness.sent', peer: other })
        if (aliveAt(other, at)) {
          const rtt = 0.2 + random()
          emit(at + rtt, { node: peer, type: 'liveness.ok', peer: other, rttMs: Math.round(rtt * 100) / 100 })
          continue
        }
        const key = `${peer}>${other}`
        const count = (missCount.get(key) ?? 0) + 1
        missCount.set(key, count)
        const missAt = at + livenessMs * 0.5
        emit(missAt, { node: peer, type: 'liveness.missed', peer: other, count })
        if (count < o.settings.livenessMisses) continue
        const seedsOf = registered.get(peer)!
        emit(missAt + 0.1, { node: peer, type: 'peer.dead-reported', peer: other, seeds: seedsOf })
        emit(missAt + 0.2, { node: peer, type: 'peer.link-down', peer: other, reason: 'dead' })
        downAt.set(linkKey(peer, other), missAt + 0.2)
        for (const seed of seedsOf) {
          if (removedBySeed.has(`${seed}>${other}`)) continue
          removedBySeed.add(`${seed}>${other}`)
          emit(missAt + 1 + random(), { node: seed, type: 'seed.peer-removed', peer: other, reporter: peer })
        }
      }
    }
  }

  // Gossip: every message floods the graph as it is at creation time.
  for (let k = 1; k <= o.gossipCount; k++) {
    for (const origin of peers) {
      const t0 = gossipStart + (k - 1) * gossipMs + random() * gossipMs * 0.9
      if (!aliveAt(origin, t0)) continue
      flood(origin, k, t0)
    }
  }

  function flood(origin: string, k: number, t0: number): void {
    const text = `${Math.round(t0)}:${origin.split(':')[0]}:${k}`
    const id = `m${k}-${origin}`
    emit(t0, { node: origin, type: 'gossip.created', id, text, n: k })
    // Dijkstra over per-hop latencies: first arrival wins, every later copy is a duplicate.
    const first = new Map<string, number>([[origin, t0]])
    const frontier: Array<{ node: string; from: string; at: number }> = []
    const forward = (node: string, from: string | null, at: number): void => {
      for (const next of adjacency.get(node)!) {
        if (next === from || !linkedAt(node, next, at)) continue
        emit(at + 0.01, { node, type: 'gossip.forwarded', id, to: next })
        if (aliveAt(next, at)) frontier.push({ node: next, from: node, at: at + 0.3 + random() * 2 })
      }
    }
    forward(origin, null, t0)
    while (frontier.length > 0) {
      let best = 0
      for (let i = 1; i < frontier.length; i++) if (frontier[i]!.at < frontier[best]!.at) best = i
      const hop = frontier[best]!
      frontier[best] = frontier[frontier.length - 1]!
      frontier.pop()
      if (first.has(hop.node)) {
        emit(hop.at, { node: hop.node, type: 'gossip.duplicate', id, from: hop.from })
        continue
      }
      first.set(hop.node, hop.at)
      emit(hop.at, { node: hop.node, type: 'gossip.received', id, text, from: hop.from })
      forward(hop.node, hop.from, hop.at)
    }
  }

  out.sort((a, b) => a.at - b.at || a.ord - b.ord)
  const limit = Math.min(out.length, o.maxEvents ?? Infinity)
  const events: SessionEvent[] = new Array(limit)
  for (let i = 0; i < limit; i++) events[i] = { ...out[i]!.event, seq: i + 1 }
  return events
}
