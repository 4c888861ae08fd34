import { describe, expect, it } from 'vitest'
import type { AnyEvent, SessionEvent } from '../../../shared/events'
import { inferCrashes } from '../../../shared/model/infer-crashes'
import { mergeNodeEvents, type MergeInput } from '../../../shared/model/merge'
import { foldEvents } from '../../../shared/model/network'
import { syntheticSession } from '../../../shared/model/synthetic'

const session = syntheticSession({ seeds: 3, peers: 10, gossipCount: 2, kills: 1, rngSeed: 21 })

/** Splits a session into per-node files as nodes write them: no seq, no host events, own clock. */
function nodeFiles(events: SessionEvent[], skew: Record<string, number>): MergeInput[] {
  const files = new Map<string, AnyEvent[]>()
  for (const { seq: _seq, ...event } of events) {
    if (event.type.startsWith('host.')) continue
    const list = files.get(event.node) ?? []
    list.push({ ...event, t: event.t + (skew[event.node] ?? 0) } as AnyEvent)
    files.set(event.node, list)
  }
  // Files arrive in no particular order.
  return [...files].reverse().map(([node, list]) => ({ name: `${node}.events.ndjson`, events: list }))
}

/** Positions of each receipt's send, asserting the send comes first. */
function assertCausal(events: SessionEvent[]): number {
  const sent = new Set<string>()
  let checked = 0
  for (const e of events) {
    if (e.type === 'gossip.forwarded') sent.add(`${e.node}>${e.to}#${e.id}`)
    if (e.type === 'gossip.received' || e.type === 'gossip.duplicate') {
      expect(sent.has(`${e.from}>${e.node}#${e.id}`), `${e.node} got ${e.id} from ${e.from} before it was sent`).toBe(true)
      checked++
    }
  }
  return checked
}

const peers = [...new Set(session.filter((e) => e.type === 'gossip.created').map((e) => e.node))]
const seeds = [...new Set(session.filter((e) => e.type === 'seed.registered').map((e) => e.node))]

describe('mergeNodeEvents', () => {
  it('restores causal order and the same network under heavy clock skew', () => {
    const skew: Record<string, number> = {
      [peers[0]!]: 4000,
      [peers[3]!]: -2500,
      [peers[6]!]: 900,
      [seeds[1]!]: -7000,
    }
    const naive = nodeFiles(session, skew)
      .flatMap((f) => f.events)
      .sort((a, b) => a.t - b.t)
      .map((e, i) => ({ ...e, seq: i + 1 }) as SessionEvent)
    // Sorting by raw timestamps breaks causality: the test would catch an unmerged order.
    expect(() => assertCausal(naive)).toThrow()

    const merged = mergeNodeEvents(nodeFiles(session, skew))
    expect(merged.violations).toBe(0)
    expect(merged.events.map((e) => e.seq)).toEqual(merged.events.map((_, i) => i + 1))
    expect(assertCausal(merged.events)).toBeGreaterThan(100)
    // Offsets recover the skew relative to the reference to within the few ms a hop takes.
    const reference = [...peers, ...seeds].find((p) => merged.offsets.get(p) === 0)!
    for (const node of [...peers, ...seeds]) {
      const recovered = merged.offsets.get(node)! - merged.offsets.get(reference)!
      const truth = (skew[reference] ?? 0) - (skew[node] ?? 0)
      expect(Math.abs(recovered - truth), node).toBeLessThan(30)
    }
    const original = foldEvents(session.filter((e) => !e.type.startsWith('host.')).map((e, i) => ({ ...e, seq: i + 1 })))
    const state = foldEvents(merged.events)
    expect(state.counts).toEqual(original.counts)
    for (const [id, m] of original.messages) {
      expect(new Set(state.messages.get(id)!.receipts.map((r) => `${r.node}<${r.from}`))).toEqual(
        new Set(m.receipts.map((r) => `${r.node}<${r.from}`)),
      )
    }
    expect([...state.nodes.values()].map((n) => [n.id, n.neighbours.size]).sort()).toEqual(
      [...original.nodes.values()].map((n) => [n.id, n.neighbours.size]).sort(),
    )
  })

  it('keeps each node order and leaves unskewed files in time order', () => {
    const merged = mergeNodeEvents(nodeFiles(session, {}))
    expect(merged.violations).toBe(0)
    for (const offset of merged.offsets.values()) expect(Math.abs(offset)).toBeLessThan(5)
    assertCausal(merged.events)
    const perNode = (events: AnyEvent[], node: string) => events.filter((e) => e.node === node).map((e) => e.type)
    for (const file of nodeFiles(session, {})) {
      const node = file.events[0]!.node
      expect(perNode(merged.events, node)).toEqual(perNode(file.events, node))
    }
  })

  it('merges nothing and single files without complaint', () => {
    expect(mergeNodeEvents([]).events).toEqual([])
    const one = nodeFiles(session, {})[0]!
    const merged = mergeNodeEvents([one])
    expect(merged.events.map((e) => e.type)).toEqual(one.events.map((e) => e.type))
  })
})

describe('inferCrashes', () => {
  const T = 1_800_000_000_000
  const ev = (list: Array<Record<string, unknown>>) => list.map((e, i) => ({ v: 1, seq: i + 1, ...e }) as SessionEvent)
  const [a, b, seed] = ['127.0.0.1:7001', '127.0.0.1:7002', '127.0.0.1:6000']

  it('marks a node that fell silent and was reported dead as crashed after its last event', () => {
    const events = ev([
      { t: T, node: b, type: 'liveness.sent', peer: a },
      { t: T + 5, node: a, type: 'liveness.missed', peer: b, count: 3 },
      { t: T + 6, node: a, type: 'peer.dead-reported', peer: b, seeds: [seed] },
    ])
    const result = inferCrashes(events)
    expect(result.crashed).toEqual([b])
    expect(result.events.map((e) => [e.seq, e.type, e.node])).toEqual([
      [1, 'liveness.sent', b],
      [2, 'host.exited', b],
      [3, 'liveness.missed', a],
      [4, 'peer.dead-reported', a],
    ])
    expect(foldEvents(result.events).failures[0]).toMatchObject({ node: b, at: T, firstMissAt: T + 5, reportedAt: T + 6 })
  })

  it('leaves nodes that stopped cleanly or kept talking alone', () => {
    const stopped = ev([
      { t: T, node: b, type: 'node.stopping', reason: 'SIGTERM' },
      { t: T + 6, node: a, type: 'peer.dead-reported', peer: b, seeds: [seed] },
    ])
    expect(inferCrashes(stopped).crashed).toEqual([])
    const alive = ev([
      { t: T + 6, node: a, type: 'peer.dead-reported', peer: b, seeds: [seed] },
      { t: T + 9, node: b, type: 'liveness.sent', peer: a },
    ])
    expect(inferCrashes(alive).crashed).toEqual([])
  })
})
