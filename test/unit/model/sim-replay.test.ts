import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { analyzeSession } from '../../../shared/analysis/analyze'
import type { AnyEvent, SessionEvent } from '../../../shared/events'
import { mergeNodeEvents } from '../../../shared/model/merge'
import { foldEvents } from '../../../shared/model/network'
import { ReplayIndex } from '../../../shared/model/timeline'
import { seededRandom } from '../../../shared/protocol/rng'
import { createScenario } from '../../../shared/sim/scenario'

/** The real seed and peer machines on the in-memory network: replay, merge and analysis agree with them. */
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')
const scenario = createScenario({ seeds: 3, peers: 10, sha256, settings: { timeScale: 0.02, gossipCount: 3 }, rngSeed: 5 })
scenario.sim.runFor(2_000)
const victim = `${scenario.peers[4]!.ip}:${scenario.peers[4]!.port}`
scenario.sim.kill(victim)
scenario.sim.runFor(4_000)
const events: SessionEvent[] = scenario.sim.events

describe('replay and analysis of a simulated session', () => {
  it('replays any prefix exactly as the live fold', () => {
    const index = new ReplayIndex(events, { snapshotEvery: 61 })
    const random = seededRandom(2)
    for (let i = 0; i < 30; i++) {
      const count = Math.floor(random() * (events.length + 1))
      expect(index.stateAfter(count)).toEqual(foldEvents(events.slice(0, count)))
    }
  })

  it('measures full coverage and a detected kill', () => {
    const a = analyzeSession(events)
    expect(a.messages.length).toBeGreaterThanOrEqual(27)
    // Messages created after the kill cannot reach the victim, so coverage is about the rest.
    expect(a.messages.filter((m) => m.createdAt < a.failures[0]!.at).every((m) => m.reached >= m.expected - 1)).toBe(true)
    expect(a.failures).toHaveLength(1)
    expect(a.failures[0]!.node).toBe(victim)
    expect(a.failures[0]!.reportMs).not.toBeNull()
    expect(a.failures[0]!.removals.every((r) => r.ms !== null)).toBe(true)
    expect(a.falseReports).toEqual([])
  })

  it('merges the nodes’ own files under skew into a causal order', () => {
    const files = new Map<string, AnyEvent[]>()
    const random = seededRandom(9)
    const skew = new Map<string, number>()
    for (const { seq: _seq, ...event } of events) {
      if (event.type.startsWith('host.')) continue
      if (!skew.has(event.node)) skew.set(event.node, Math.round((random() - 0.5) * 4000))
      files.set(event.node, [...(files.get(event.node) ?? []), { ...event, t: event.t + skew.get(event.node)! } as AnyEvent])
    }
    const merged = mergeNodeEvents([...files].map(([name, list]) => ({ name, events: list })))
    expect(merged.violations).toBe(0)
    const sent = new Set<string>()
    const created = new Set<string>()
    for (const e of merged.events) {
      if (e.type === 'gossip.forwarded') sent.add(`${e.node}>${e.to}#${e.id}`)
      if (e.type === 'gossip.created') created.add(`${e.node}#${e.id}`)
      if (e.type === 'gossip.received' || e.type === 'gossip.duplicate') {
        expect(sent.has(`${e.from}>${e.node}#${e.id}`) || created.has(`${e.from}#${e.id}`)).toBe(true)
      }
    }
  })
})
