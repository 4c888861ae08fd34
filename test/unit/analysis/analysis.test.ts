import { describe, expect, it } from 'vitest'
import { analyzeSession } from '../../../shared/analysis/analyze'
import { fitPowerLaw, powerLawAlpha } from '../../../shared/analysis/degree'
import { cdf, percentile } from '../../../shared/analysis/stats'
import { renderSummary } from '../../../shared/analysis/summary'
import type { AnyEvent, SessionEvent } from '../../../shared/events'
import { foldEvents } from '../../../shared/model/network'
import { syntheticSession } from '../../../shared/model/synthetic'
import { seededRandom } from '../../../shared/protocol/rng'
import { DEFAULT_SETTINGS } from '../../../shared/settings'
import { sessionPlots } from '../../../shared/plots/session-plots'

const settings = { ...DEFAULT_SETTINGS, timeScale: 0.1 }
const T = 1_800_000_000_000

/** A hand-made session: peers a-b-c-d in a line plus a chord a-c, one message from a. */
function lineSession(extra: Array<Omit<AnyEvent, 'v'>> = []): SessionEvent[] {
  const [a, b, c, d] = ['127.0.0.1:7001', '127.0.0.1:7002', '127.0.0.1:7003', '127.0.0.1:7004']
  const raw: Array<Record<string, unknown>> = [
    ...[a, b, c, d].map((node, i) => ({ t: T + i, node, type: 'node.started', role: 'peer', seeds: [], settings })),
    { t: T + 10, node: a, type: 'peer.link-up', peer: b, initiator: true },
    { t: T + 10, node: b, type: 'peer.link-up', peer: c, initiator: true },
    { t: T + 10, node: c, type: 'peer.link-up', peer: d, initiator: true },
    { t: T + 10, node: a, type: 'peer.link-up', peer: c, initiator: true },
    { t: T + 100, node: a, type: 'gossip.created', id: 'm1', text: `${T}:127.0.0.1:1`, n: 1 },
    { t: T + 100, node: a, type: 'gossip.forwarded', id: 'm1', to: b },
    { t: T + 100, node: a, type: 'gossip.forwarded', id: 'm1', to: c },
    { t: T + 102, node: b, type: 'gossip.received', id: 'm1', text: 'x', from: a },
    { t: T + 103, node: c, type: 'gossip.received', id: 'm1', text: 'x', from: a },
    { t: T + 103, node: b, type: 'gossip.forwarded', id: 'm1', to: c },
    { t: T + 104, node: c, type: 'gossip.forwarded', id: 'm1', to: d },
    { t: T + 104, node: c, type: 'gossip.forwarded', id: 'm1', to: b },
    { t: T + 105, node: c, type: 'gossip.duplicate', id: 'm1', from: b },
    { t: T + 105, node: b, type: 'gossip.duplicate', id: 'm1', from: c },
    { t: T + 110, node: d, type: 'gossip.received', id: 'm1', text: 'x', from: c },
    ...extra,
  ]
  return raw.map((e, i) => ({ v: 1, ...e, seq: i + 1 }) as SessionEvent)
}

describe('message analysis', () => {
  it('measures coverage, time to all, hops, duplicates and the bounds', () => {
    const a = analyzeSession(lineSession())
    expect(a.messages).toHaveLength(1)
    const m = a.messages[0]!
    expect(m).toMatchObject({ expected: 3, reached: 3, coverage: 1, timeToAllMs: 10, maxHops: 2, duplicates: 2, forwards: 5 })
    expect(m.meanHops).toBeCloseTo(4 / 3)
    // E = 4 links, N = 4: flooding sends 2*4 - 3 = 5, a spanning tree 3.
    expect(m.floodingBound).toBe(5)
    expect(m.spanningTree).toBe(3)
    expect(m.curve).toEqual([[2, 1 / 3], [3, 2 / 3], [10, 1]])
    expect(a.timeToAll.p50).toBe(10)
    expect(a.latencyCdf).toEqual([[10, 1]])
  })

  it('reports partial coverage as no time-to-all', () => {
    const events = lineSession().filter((e) => !(e.type === 'gossip.received' && e.node === '127.0.0.1:7004'))
    const m = analyzeSession(events).messages[0]!
    expect(m.coverage).toBeCloseTo(2 / 3)
    expect(m.timeToAllMs).toBeNull()
  })

  it('does not count a peer killed after the creation that never got the message', () => {
    const d = '127.0.0.1:7004'
    const withoutD = lineSession().filter((e) => !(e.type === 'gossip.received' && e.node === d))
    const killed = [...withoutD, { v: 1, t: T + 105, node: d, type: 'host.kill', signal: 'SIGKILL', seq: withoutD.length + 1 } as SessionEvent]
    const m = analyzeSession(killed).messages[0]!
    expect(m).toMatchObject({ expected: 2, lostToFailure: 1, reached: 2, coverage: 1, timeToAllMs: 3 })
    expect(m.floodingBound).toBe(5) // N is still the 4 nodes alive at creation
    // Not killed: still expected and missed.
    expect(analyzeSession(withoutD).messages[0]!).toMatchObject({ expected: 3, lostToFailure: 0, reached: 2 })
  })
})

describe('statistics', () => {
  it('percentiles and CDF', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2)
    expect(percentile([1, 2, 3, 4], 100)).toBe(4)
    expect(percentile([], 50)).toBeNull()
    expect(cdf([3, 1, 2])).toEqual([[1, 1 / 3], [2, 2 / 3], [3, 1]])
  })

  it('fits the power-law exponent by discrete MLE', () => {
    // All degrees at dmin = 1: alpha = 1 + 1 / ln 2.
    expect(powerLawAlpha([1, 1, 1, 1], 1)!.alpha).toBeCloseTo(1 + 1 / Math.log(2))
    // Samples of a discrete power law with alpha 2.5 (inverse transform of the continuous approximation).
    const random = seededRandom(4)
    const sample = Array.from({ length: 20_000 }, () => Math.floor(1.5 * (1 - random()) ** (-1 / 1.5) + 0.5))
    const fit = fitPowerLaw(sample)!
    expect(fit.alpha).toBeGreaterThan(2.35)
    expect(fit.alpha).toBeLessThan(2.65)
    expect(fitPowerLaw([3])).toBeNull()
  })
})

describe('failure detection', () => {
  it('times each kill against the expected window', () => {
    const session = syntheticSession({ seeds: 3, peers: 30, gossipCount: 2, kills: 2, rngSeed: 8, settings })
    const a = analyzeSession(session)
    expect(a.failures).toHaveLength(2)
    const interval = settings.livenessIntervalMs * settings.timeScale
    for (const f of a.failures) {
      expect(f.windowMs).toBe(4 * interval + 250)
      // A miss is noticed one round after an unanswered request: within two intervals of the kill.
      expect(f.firstMissMs!).toBeLessThanOrEqual(2 * interval)
      expect(f.reportMs!).toBeGreaterThan(f.firstMissMs!)
      expect(f.removals.some((r) => r.ms !== null && r.inWindow)).toBe(true)
    }
    expect(a.falseReports).toEqual([])
  })

  it('flags a Dead Node report about a live node', () => {
    const report = { t: T + 200, node: '127.0.0.1:7001', type: 'peer.dead-reported', peer: '127.0.0.1:7003', seeds: [] }
    const a = analyzeSession(lineSession([report as Omit<AnyEvent, 'v'>]))
    expect(a.falseReports).toEqual([{ node: '127.0.0.1:7003', reporter: '127.0.0.1:7001', at: T + 200 }])
    expect(renderSummary(a)).toContain('False reports (a node that was running and answering reported dead): **1**')
  })
})

describe('topology', () => {
  it('takes the degree distribution when the overlay had the most links, even after a stop', () => {
    const session = syntheticSession({ seeds: 3, peers: 40, gossipCount: 1, kills: 0, rngSeed: 12 })
    const before = analyzeSession(session)
    expect(before.degree.degrees.size).toBe(40)
    const end = foldEvents(session)
    let seq = session.length
    let t = session[session.length - 1]!.t
    const stop: SessionEvent[] = []
    for (const link of end.links.values()) stop.push({ v: 1, t: ++t, node: link.a, type: 'peer.link-down', peer: link.b, reason: 'shutdown', seq: ++seq })
    for (const node of end.nodes.keys()) stop.push({ v: 1, t: ++t, node, type: 'node.stopping', reason: 'SIGTERM', seq: ++seq })
    const after = analyzeSession([...session, ...stop])
    expect(foldEvents([...session, ...stop]).links.size).toBe(0)
    expect(after.degree.histogram).toEqual(before.degree.histogram)
    expect(after.degree.fit).toEqual(before.degree.fit)
    expect(after.degreeAt).toBeLessThan(stop[0]!.t)
  })
})

describe('summary and plots', () => {
  const a = analyzeSession(syntheticSession({ seeds: 3, peers: 25, gossipCount: 2, kills: 1, rngSeed: 2 }))

  it('renders a Markdown summary with every section', () => {
    const md = renderSummary(a, { plots: [{ file: 'coverage.svg', caption: 'Coverage' }] })
    for (const heading of ['## Gossip dissemination', '## Topology', '## Failure detection', '![Coverage](coverage.svg)']) {
      expect(md).toContain(heading)
    }
    expect(md).toMatch(/alpha = \d\.\d\d/)
  })

  it('renders standalone SVG plots for both themes without invalid numbers', () => {
    for (const theme of ['light', 'dark', 'auto'] as const) {
      const plots = sessionPlots(a, theme)
      expect(plots.map((p) => p.name)).toEqual(['coverage', 'latency-cdf', 'per-broadcast', 'degree-histogram', 'degree-loglog', 'failures'])
      for (const p of plots) {
        expect(p.svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
        expect(p.svg.endsWith('</svg>')).toBe(true)
        expect(p.svg).not.toMatch(/NaN|undefined|Infinity/)
        expect(p.svg).toContain(`id="gsp-${p.name}-${theme}"`)
      }
    }
    expect(sessionPlots(a, 'auto')[0]!.svg).toContain('prefers-color-scheme: dark')
    const empty = sessionPlots(analyzeSession([]), 'light')
    for (const p of empty) expect(p.svg).not.toMatch(/NaN|undefined|Infinity/)
  })
})
