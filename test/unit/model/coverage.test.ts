import { describe, expect, it } from 'vitest'
import { anyEventSchema, type SessionEvent } from '../../../shared/events'
import { batchStart, coverageTotals, eventsIn, summariseHops, type CoverageEvent } from '../../../shared/model/coverage'
import { foldEvents, type NetworkState } from '../../../shared/model/network'
import { syntheticSession } from '../../../shared/model/synthetic'
import { ReplayIndex } from '../../../shared/model/timeline'
import { DEFAULT_SETTINGS } from '../../../shared/settings'

const A = '127.0.1.1:7000'
const B = '127.0.1.2:7000'
const C = '127.0.1.3:7000'
const D = '127.0.1.4:7000'

type Body = SessionEvent extends infer E ? (E extends SessionEvent ? Omit<E, 'v' | 'seq'> : never) : never
/** Events with seq 1, 2, 3... in the order given. */
function stream(...bodies: Body[]): SessionEvent[] {
  return bodies.map((b, i) => ({ v: 1, seq: i + 1, ...b }) as SessionEvent)
}

const started = (node: string, t: number, incarnation = t): Body => ({ node, t, type: 'node.started', role: 'peer', seeds: [], settings: DEFAULT_SETTINGS, incarnation })

/** A message from A over the square A-B, A-C, B-D, C-D, with one liveness event among the hops. */
const scripted = (): SessionEvent[] =>
  stream(
    started(A, 1),
    started(B, 1),
    started(C, 1),
    started(D, 1),
    { node: A, t: 10, type: 'gossip.created', id: 'm1', text: 'hello', n: 1 },
    { node: A, t: 10, type: 'gossip.forwarded', id: 'm1', to: B },
    { node: A, t: 10, type: 'gossip.forwarded', id: 'm1', to: C },
    { node: B, t: 12, type: 'gossip.received', id: 'm1', text: 'hello', from: A },
    { node: C, t: 13, type: 'gossip.received', id: 'm1', text: 'hello', from: A },
    { node: B, t: 13, type: 'liveness.sent', peer: A },
    { node: B, t: 14, type: 'gossip.forwarded', id: 'm1', to: D },
    { node: C, t: 14, type: 'gossip.forwarded', id: 'm1', to: D },
    { node: D, t: 16, type: 'gossip.received', id: 'm1', text: 'hello', from: B },
    { node: D, t: 17, type: 'gossip.duplicate', id: 'm1', from: C },
    { node: D, t: 17, type: 'gossip.forwarded', id: 'm1', to: C },
    { node: C, t: 19, type: 'gossip.duplicate', id: 'm1', from: D },
    { node: A, t: 20, type: 'liveness.ok', peer: B, rttMs: 1 },
  )

/** The parts of a fold a summary must reproduce exactly (everything but object identity). */
function comparable(state: NetworkState) {
  return {
    seq: state.seq,
    t: state.t,
    nodes: [...state.nodes.values()].map((n) => ({ ...n, messages: [...n.messages].sort() })),
    messages: [...state.messages.values()],
    counts: Object.fromEntries([...state.counts].sort()),
    early: state.early ? [...state.early] : [],
    failures: state.failures,
  }
}

describe('summariseHops', () => {
  it('folds the hops of a scripted broadcast into one item with exact counts, other events unchanged and in seq order', () => {
    const events = scripted()
    const out = summariseHops(events)
    expect(out.map((e) => [e.type, e.seq])).toEqual([
      ['node.started', 1],
      ['node.started', 2],
      ['node.started', 3],
      ['node.started', 4],
      ['gossip.created', 5],
      ['liveness.sent', 10],
      ['gossip.coverage', 16],
      ['liveness.ok', 17],
    ])
    const item = out[6] as CoverageEvent
    expect(item.fromSeq).toBe(6)
    expect(item.hops).toBe(10)
    expect(item.t).toBe(19)
    expect(item.messages).toEqual([
      {
        id: 'm1',
        firstT: 10,
        lastT: 19,
        received: [
          [B, 12, A],
          [C, 13, A],
          [D, 16, B],
        ],
        duplicates: [
          [D, 1],
          [C, 1],
        ],
        forwards: 5,
      },
    ])
    expect(coverageTotals(item)).toEqual({ messages: 1, received: 3, duplicates: 2, forwards: 5 })
    // Every seq is accounted for exactly once: the events sent plus the hops folded.
    expect(out.reduce((sum, e) => sum + eventsIn(e), 0)).toBe(events.length)
    expect(batchStart(out)).toBe(1)
    for (const e of out) expect(anyEventSchema.safeParse(e).success).toBe(true)
    // The input is not changed.
    expect(events).toEqual(scripted())
  })

  it('folds to the same network state as every hop, coverage reaching all peers', () => {
    const events = scripted()
    const full = foldEvents(events)
    const summarised = foldEvents(summariseHops(events))
    expect(comparable(summarised)).toEqual(comparable(full))
    const m = summarised.messages.get('m1')!
    expect(m.receipts.map((r) => r.node)).toEqual([B, C, D])
    expect([m.forwards, m.duplicates]).toEqual([5, 2])
    expect(summarised.nodes.get(D)!.duplicates).toBe(1)
    expect(summarised.counts.get('gossip.coverage')).toBeUndefined()
    expect(summarised.counts.get('gossip.received')).toBe(3)
  })

  it('keeps the fold exact for a whole synthetic session cut into windows of any size (kills, restarts, early receipts)', () => {
    const events = syntheticSession({ peers: 40, gossipCount: 3, kills: 2, rngSeed: 7 })
    const full = comparable(foldEvents(events))
    for (const size of [1, 7, 100, 997, events.length]) {
      const items: SessionEvent[] = []
      for (let i = 0; i < events.length; i += size) items.push(...summariseHops(events.slice(i, i + size)))
      for (let i = 1; i < items.length; i++) expect(items[i]!.seq).toBeGreaterThan(items[i - 1]!.seq)
      expect(items.reduce((sum, e) => sum + eventsIn(e), 0)).toBe(events.length)
      expect(comparable(foldEvents(items))).toEqual(full)
      if (size >= 100) expect(items.length).toBeLessThan(events.length / 2)
    }
  })

  it('closes the item before a restart of a node whose receipts it holds, so the restart clears them as it did', () => {
    const events = stream(
      started(A, 1),
      started(B, 1),
      { node: A, t: 10, type: 'gossip.created', id: 'm1', text: 'x', n: 1 },
      { node: B, t: 11, type: 'gossip.received', id: 'm1', text: 'x', from: A },
      { node: B, t: 12, type: 'liveness.sent', peer: A },
      started(B, 20, 20),
      { node: A, t: 21, type: 'gossip.forwarded', id: 'm1', to: B },
      { node: B, t: 22, type: 'gossip.duplicate', id: 'm1', from: A },
    )
    const out = summariseHops(events)
    expect(out.map((e) => [e.type, e.seq])).toEqual([
      ['node.started', 1],
      ['node.started', 2],
      ['gossip.created', 3],
      ['gossip.coverage', 4],
      ['liveness.sent', 5],
      ['node.started', 6],
      ['gossip.coverage', 8],
    ])
    const state = foldEvents(out)
    expect(state.nodes.get(B)!.messages.size).toBe(0)
    expect(comparable(state)).toEqual(comparable(foldEvents(events)))
  })

  it('leaves a run without hops as it is', () => {
    const events = stream(started(A, 1), { node: A, t: 2, type: 'liveness.sent', peer: B })
    expect(summariseHops(events)).toEqual(events)
    expect(summariseHops([])).toEqual([])
  })
})

describe('replay index of summarised items', () => {
  it('spaces snapshots by the events items stand for and seeks to the same states as the fold', () => {
    const events = syntheticSession({ peers: 40, gossipCount: 3, kills: 1, rngSeed: 5 })
    const items: SessionEvent[] = []
    for (let i = 0; i < events.length; i += 400) items.push(...summariseHops(events.slice(i, i + 400)))
    const index = new ReplayIndex(items, { snapshotEvery: 1000 })
    const snapshots = (index as unknown as { snapshots: unknown[] }).snapshots.length
    expect(snapshots).toBeGreaterThanOrEqual(Math.floor(events.length / 2000))
    expect(items.length).toBeLessThan(events.length / 3)
    for (const item of [items[3]!, items[Math.floor(items.length / 2)]!, items.at(-1)!]) {
      const upTo = items.filter((e) => e.seq <= item.seq)
      expect(comparable(index.stateAt(item.seq))).toEqual(comparable(foldEvents(upTo)))
    }
  })
})

describe('gossip.coverage validation', () => {
  it('refuses a malformed item with the field named', () => {
    const item = { ...(summariseHops(scripted())[6] as CoverageEvent) }
    expect(anyEventSchema.safeParse({ ...item, hops: 0 }).success).toBe(false)
    const bad = anyEventSchema.safeParse({ ...item, messages: [{ ...item.messages[0], received: [['x', 1, A]] }] })
    expect(bad.success).toBe(false)
    if (!bad.success) expect(bad.error.issues[0]!.path.join('.')).toBe('messages.0.received.0.0')
  })
})
