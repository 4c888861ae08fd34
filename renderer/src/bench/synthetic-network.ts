import type { AnyEvent, SessionEvent } from '../../../shared/events'
import { DEFAULT_SETTINGS } from '../../../shared/settings'

/** Distributive Omit, so each event type keeps its own fields (`seq` is the session seq once stamped). */
type Body = AnyEvent extends infer E ? (E extends AnyEvent ? Omit<E, 'v' | 't'> : never) : never

/**
 * A synthetic gossip network for the UI benchmark: S seeds and N-S peers joined by
 * preferential attachment (2 links each), then an endless mix of gossip floods (created,
 * forwarded, received, duplicate) and liveness traffic. Deterministic for a given rng.
 */
export class SyntheticNetwork {
  readonly seeds: string[] = []
  readonly peers: string[] = []
  private readonly adjacency = new Map<string, string[]>()
  private readonly queue: Body[] = []
  private seq = 0
  private messages = 0

  constructor(
    nodes: number,
    private readonly random: () => number,
    seedCount = 3,
  ) {
    const seeds = Math.min(seedCount, nodes)
    for (let i = 0; i < seeds; i++) this.seeds.push(`127.0.0.1:${9000 + i}`)
    for (let i = 0; i < nodes - seeds; i++) this.peers.push(`127.0.${1 + (i >> 8)}.${i & 255}:${10000 + i}`)
  }

  /** Setup: every node started, peers registered, links up. */
  setup(t: number): SessionEvent[] {
    const out: Body[] = []
    for (const seed of this.seeds) out.push({ node: seed, type: 'node.started', role: 'seed', seeds: this.seeds, settings: DEFAULT_SETTINGS })
    const ends: string[] = [] // one entry per link end: picking from it is preferential attachment
    for (const peer of this.peers) {
      out.push({ node: peer, type: 'node.started', role: 'peer', seeds: this.seeds, settings: DEFAULT_SETTINGS })
      for (const seed of this.seeds) {
        out.push({ node: seed, type: 'seed.registered', peer })
        out.push({ node: peer, type: 'peer.registered', seed })
      }
      this.adjacency.set(peer, [])
      const targets = new Set<string>()
      const existing = this.adjacency.size - 1
      while (targets.size < Math.min(2, existing)) {
        const pick = ends.length > 0 && this.random() < 0.8 ? ends[Math.floor(this.random() * ends.length)]! : this.peers[Math.floor(this.random() * existing)]!
        if (pick !== peer) targets.add(pick)
      }
      for (const other of targets) {
        this.adjacency.get(peer)!.push(other)
        this.adjacency.get(other)!.push(peer)
        ends.push(peer, other)
        out.push({ node: peer, type: 'peer.link-up', peer: other, initiator: true })
        out.push({ node: other, type: 'peer.link-up', peer, initiator: false })
      }
    }
    return out.map((e) => this.stamp(e, t))
  }

  /** The next `count` events of the endless traffic, all stamped `t`. */
  next(count: number, t: number): SessionEvent[] {
    const out: SessionEvent[] = []
    while (out.length < count) {
      if (this.queue.length === 0) this.refill(t)
      out.push(this.stamp(this.queue.shift()!, t))
    }
    return out
  }

  /** One gossip flood from a random peer (breadth first), plus a few liveness rounds. */
  private refill(t: number): void {
    if (this.peers.length < 2) {
      const seed = this.seeds[0]!
      this.queue.push({ node: seed, type: 'node.warning', message: 'idle' })
      return
    }
    const origin = this.peers[Math.floor(this.random() * this.peers.length)]!
    const n = ++this.messages
    const text = `${t}:${origin.split(':')[0]}:${n}`
    const id = `m${n.toString(16).padStart(15, '0')}`
    this.queue.push({ node: origin, type: 'gossip.created', id, text, n })
    const from = new Map<string, string>([[origin, origin]])
    let frontier = [origin]
    while (frontier.length > 0) {
      const next: string[] = []
      for (const node of frontier) {
        for (const other of this.adjacency.get(node) ?? []) {
          if (other === from.get(node)) continue
          this.queue.push({ node, type: 'gossip.forwarded', id, to: other })
          if (from.has(other)) this.queue.push({ node: other, type: 'gossip.duplicate', id, from: node })
          else {
            from.set(other, node)
            this.queue.push({ node: other, type: 'gossip.received', id, text, from: node })
            next.push(other)
          }
        }
      }
      frontier = next
    }
    for (let i = 0; i < 20; i++) {
      const node = this.peers[Math.floor(this.random() * this.peers.length)]!
      const peer = this.adjacency.get(node)?.[0]
      if (!peer) continue
      this.queue.push({ node, type: 'liveness.sent', peer })
      this.queue.push({ node, type: 'liveness.ok', peer, rttMs: 0.4 })
    }
  }

  private stamp(body: Body, t: number): SessionEvent {
    return { ...body, v: 1, t, seq: ++this.seq } as SessionEvent
  }
}
