import { describe, expect, it } from 'vitest'
import { analyzeSession } from '../../../shared/analysis/analyze'
import { renderSummary } from '../../../shared/analysis/summary'
import type { SessionEvent } from '../../../shared/events'
import { syntheticSession } from '../../../shared/model/synthetic'
import { renderChart } from '../../../shared/plots/chart'
import { sessionPlots } from '../../../shared/plots/session-plots'

/**
 * Sessions far past the ~125k values at which `Math.min(...xs)` overflows the call stack
 * (issue 11: 10 peers, gossip count 10,000, time scale 0.01 reach 43,000+ messages).
 */

/** A synthetic 3-peer session plus `count` messages created by one peer and received by another. */
function withMessages(count: number): SessionEvent[] {
  const base = syntheticSession({ seeds: 2, peers: 3, gossipCount: 1, kills: 0 })
  const a = '127.0.2.1:7000'
  const b = '127.0.2.2:7000'
  let seq = base.length
  let t = base[base.length - 1]!.t
  const out = [...base]
  for (let i = 1; i <= count; i++) {
    const text = `${t}:127.0.2.1:${i + 1}`
    out.push({ v: 1, seq: ++seq, t, node: a, type: 'gossip.created', id: `m${i}`, text, n: i + 1 } as SessionEvent)
    out.push({ v: 1, seq: ++seq, t: t + 1, node: b, type: 'gossip.received', id: `m${i}`, text, from: a } as SessionEvent)
    t += 1
  }
  return out
}

describe('analysis, plots and summary of a 200,000-message session', () => {
  it('renders a chart of 250,000 points', () => {
    const points = Array.from({ length: 250_000 }, (_, i): [number, number] => [i, (i * 7919) % 1000])
    const svg = renderChart({ id: 'big', title: 'big', xLabel: 'x', yLabel: 'y', series: [{ name: 's', kind: 'line', points }] })
    expect(svg).toContain('<svg')
    expect(svg).toContain('250k') // the x axis reaches the last point
  })

  it('analyses, plots and summarises without overflowing the stack', () => {
    const events = withMessages(200_000)
    const analysis = analyzeSession(events)
    expect(analysis.messages.length).toBeGreaterThanOrEqual(200_000)
    const plots = sessionPlots(analysis)
    expect(plots.length).toBeGreaterThan(0)
    for (const plot of plots) expect(plot.svg).toContain('<svg')
    expect(renderSummary(analysis)).toMatch(/Messages: 200\d{3};/)
  }, 120_000)
})
