import { describe, expect, it } from 'vitest'
import { analyzeSession } from '../../../shared/analysis/analyze'
import { sessionPlots } from '../../../shared/plots/session-plots'
import { healed, withPartition } from '../../../shared/net/conditions'
import { createScenario } from '../../../shared/sim/scenario'
import { sha256 } from '../shared/helpers'

const link = (delayMs: number, loss = 0) => ({ defaults: { delayMs, jitterMs: 0, loss }, links: [], partitions: [] })
const FAST = { timeScale: 0.05 }

describe('analysis of network conditions', () => {
  it('dissemination latency equals hops x the configured delay when nothing else delays it', () => {
    const { sim } = createScenario({ seeds: 3, peers: 10, sha256, rngSeed: 2, settings: { ...FAST, gossipCount: 5, livenessIntervalMs: 60_000 } })
    sim.setConditions(link(30))
    sim.runFor(6_000)
    const a = analyzeSession(sim.events)
    expect(a.network.emulated).toBe(true)
    expect(a.network.delayMs).toBe(30)
    expect(a.network.predictedCdf.length).toBeGreaterThan(20)
    // Flooding over a tree of hops x d: measured time to all equals the prediction (the hops
    // to the furthest expected peer x d), message by message.
    expect(a.network.predictedCdf).toEqual(a.latencyCdf)
    for (const m of a.messages) if (m.timeToAllMs !== null) expect(m.timeToAllMs, m.id).toBe(m.hopsToAll * 30)
    expect(sessionPlots(a).map((p) => p.name)).toContain('loss-suspicions')
  })

  it('counts false suspicions per loss level and a partition\'s reports, removals and recovery', () => {
    const { sim } = createScenario({ seeds: 3, peers: 10, sha256, rngSeed: 4, settings: { ...FAST, gossipCount: 300 } })
    sim.runFor(3_000)
    sim.setConditions(link(1, 0.3))
    sim.runFor(10_000)
    sim.setConditions(link(1))
    sim.runFor(2_000)
    const side = sim.nodeIds('peer').slice(0, 5)
    sim.setConditions(withPartition(sim.conditions, { name: 'p1', side, other: null, direction: 'both' }))
    sim.runFor(6_000)
    sim.setConditions(healed(sim.conditions))
    sim.runFor(10_000)
    const a = analyzeSession(sim.events)
    const lossy = a.network.byLoss.find((l) => l.loss === 0.3)!
    const clean = a.network.byLoss.find((l) => l.loss === 0)!
    expect(lossy.durationMs).toBe(10_000)
    expect(lossy.dropped).toBeGreaterThan(100)
    expect(lossy.falseMisses).toBeGreaterThan(clean.falseMisses)
    expect(a.network.duringPartitions.durationMs).toBe(6_000)
    const [p] = a.network.partitions
    expect(p).toMatchObject({ name: 'p1', side, healedAt: expect.any(Number) })
    expect(p!.reportsAcross).toBeGreaterThan(0)
    expect(p!.removed.length).toBeGreaterThan(0)
    expect(p!.reRegistered.length).toBeGreaterThan(0)
    expect(p!.messagesAfterHeal).toBeGreaterThan(0)
    // Mean over every message since the heal, including those sent while links were being repaired.
    expect(p!.coverageAfterHeal).toBeGreaterThan(0.5)
  })

  it('a session with no conditions (older recordings) shows none', () => {
    const { sim } = createScenario({ seeds: 2, peers: 4, sha256, settings: { ...FAST, gossipCount: 2 } })
    sim.runFor(3_000)
    const a = analyzeSession(sim.events)
    expect(a.network.emulated).toBe(false)
    expect(a.network.partitions).toEqual([])
    expect(sessionPlots(a).map((p) => p.name)).not.toContain('loss-suspicions')
  })
})
