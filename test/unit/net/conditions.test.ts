import { describe, expect, it } from 'vitest'
import {
  NO_CONDITIONS,
  checkNetConditions,
  describeConditions,
  effectiveLink,
  endpointOf,
  healed,
  isIdle,
  nextPartitionName,
  planSend,
  sampleDelay,
  withLink,
  withPartition,
  type NetConditions,
} from '../../../shared/net/conditions'
import { parseNodeCommand } from '../../../shared/net/node-command'
import { DropTally, DROP_REPORT_MS } from '../../../shared/net/drop-tally'
import { seededRandom } from '../../../shared/protocol/rng'

const A = '127.0.1.1:7000'
const B = '127.0.1.2:7000'
const C = '127.0.1.3:7000'
const link = (delayMs: number, jitterMs = 0, loss = 0) => ({ delayMs, jitterMs, loss })
const model = (extra: Partial<NetConditions> = {}): NetConditions => ({ defaults: link(10), links: [], partitions: [], ...extra })

describe('conditions model', () => {
  it('uses the defaults, a directed override, and matches accepted connections by IP', () => {
    const c = withLink(model(), A, B, link(50, 5, 0.5))
    expect(effectiveLink(c, endpointOf(A), endpointOf(B))).toMatchObject({ delayMs: 50, jitterMs: 5, loss: 0.5, blocked: false })
    // Directed: the reverse keeps the defaults.
    expect(effectiveLink(c, endpointOf(B), endpointOf(A)).delayMs).toBe(10)
    // An accepted connection from A's IP (ephemeral port unknown) matches A.
    expect(effectiveLink(c, endpointOf(A), { ip: '127.0.1.2', port: null }).delayMs).toBe(50)
    expect(effectiveLink(c, endpointOf(A), { ip: '127.0.1.2', port: 9999 }).delayMs).toBe(10)
    expect(withLink(c, A, B, null).links).toEqual([])
  })

  it('blocks partitions both ways, one way, and against "the rest"', () => {
    const e = endpointOf
    const both = withPartition(model(), { name: 'p1', side: [A], other: null, direction: 'both' })
    expect(effectiveLink(both, e(A), e(B))).toMatchObject({ blocked: true, blockedBack: true })
    expect(effectiveLink(both, e(B), e(C))).toMatchObject({ blocked: false, blockedBack: false })
    const out = withPartition(model(), { name: 'p1', side: [A], other: [B], direction: 'outbound' })
    expect(effectiveLink(out, e(A), e(B))).toMatchObject({ blocked: true, blockedBack: false })
    expect(effectiveLink(out, e(B), e(A))).toMatchObject({ blocked: false, blockedBack: true })
    expect(effectiveLink(out, e(A), e(C)).blocked).toBe(false)
    const inbound = withPartition(model(), { name: 'p2', side: [A], other: null, direction: 'inbound' })
    expect(effectiveLink(inbound, e(C), e(A)).blocked).toBe(true)
    expect(effectiveLink(inbound, e(A), e(C)).blocked).toBe(false)
    expect(nextPartitionName(both)).toBe('p2')
    expect(healed(withPartition(both, { name: 'x', side: [C], other: null, direction: 'both' }), 'p1').partitions.map((p) => p.name)).toEqual(['x'])
    expect(healed(both).partitions).toEqual([])
  })

  it('keeps FIFO, draws jitter uniformly in delay ± jitter and loss at its rate', () => {
    const random = seededRandom(9)
    const l = { ...link(50, 20), blocked: false, blockedBack: false }
    const samples = Array.from({ length: 20_000 }, () => sampleDelay(l, random))
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(30)
    expect(Math.max(...samples)).toBeLessThanOrEqual(70)
    expect(samples.reduce((a, b) => a + b, 0) / samples.length).toBeCloseTo(50, 0)
    // A message never leaves before the one before it.
    let last = 0
    for (let now = 0; now < 1000; now++) {
      const plan = planSend(l, now, last, random)
      if (plan.kind !== 'at') throw new Error('unexpected plan')
      expect(plan.time).toBeGreaterThanOrEqual(last)
      last = plan.time
    }
    const lossy = { ...link(0, 0, 0.25), blocked: false, blockedBack: false }
    const lost = Array.from({ length: 40_000 }, () => planSend(lossy, 0, 0, random)).filter((p) => p.kind === 'drop').length
    expect(Math.abs(lost / 40_000 - 0.25)).toBeLessThan(0.01)
    expect(planSend({ ...l, blocked: true }, 0, 0, random)).toEqual({ kind: 'hold' })
    // Zero jitter draws nothing: a run replays identically with or without it.
    let draws = 0
    sampleDelay(link(5), () => (draws++, 0.5))
    expect(draws).toBe(0)
  })

  it('validates with one message naming the field, and an idle model is recognised', () => {
    expect(isIdle(NO_CONDITIONS)).toBe(true)
    expect(isIdle(model())).toBe(false)
    const bad: [unknown, RegExp][] = [
      [null, /conditions must be an object/],
      [{ defaults: link(-1) }, /defaults.delayMs must be in 0..60000/],
      [{ defaults: link(1, Number.NaN) }, /defaults.jitterMs must be a number/],
      [{ defaults: link(1, 0, 1.5) }, /defaults.loss must be in 0..1/],
      [{ defaults: link(1), links: [{ from: A, to: A, conditions: link(1) }] }, /same node/],
      [{ defaults: link(1), links: [{ from: 'x', to: A, conditions: link(1) }] }, /links\[0\].from must be a node id/],
      [{ defaults: link(1), partitions: [{ name: 'p', side: [], direction: 'both' }] }, /at least one node/],
      [{ defaults: link(1), partitions: [{ name: 'p', side: [A], other: [A], direction: 'both' }] }, /both sides/],
      [{ defaults: link(1), partitions: [{ name: 'p', side: [A], direction: 'sideways' }] }, /direction must be one of/],
      [{ defaults: link(1), partitions: [{ name: 'p', side: [A] }, { name: 'p', side: [B] }] }, /used twice/],
    ]
    for (const [value, message] of bad) {
      const checked = checkNetConditions(value)
      expect(checked.ok).toBe(false)
      if (!checked.ok) expect(checked.error).toMatch(message)
    }
    const good = checkNetConditions({ defaults: link(1), partitions: [{ name: 'p', side: [A, A] }] })
    expect(good).toEqual({ ok: true, value: { defaults: link(1), links: [], partitions: [{ name: 'p', side: [A], other: null, direction: 'both' }] } })
    expect(describeConditions(withPartition(model({ defaults: link(50, 20, 0.02) }), { name: 'p1', side: [A], other: null, direction: 'both' }))).toBe(
      'delay 50 ms ± 20 ms, loss 2%, partition p1 (1 node, both)',
    )
    // Jitter above the delay: draws below 0 are clamped, and the description says so.
    expect(describeConditions(model({ defaults: link(10, 30) }))).toBe('delay 10 ms ± 30 ms (clamped at 0), loss 0%')
    expect(describeConditions(model({ defaults: link(30, 30) }))).toBe('delay 30 ms ± 30 ms, loss 0%')
  })

  it('parses host commands to a node and refuses anything else', () => {
    expect(parseNodeCommand({ type: 'net.set', conditions: model() })).toEqual({ ok: true, value: { type: 'net.set', conditions: model() } })
    expect(parseNodeCommand({ type: 'net.set', conditions: { defaults: link(1, 0, 2) } })).toMatchObject({ ok: false, error: expect.stringMatching(/loss/) })
    expect(parseNodeCommand({ type: 'format-disk' })).toMatchObject({ ok: false, error: expect.stringMatching(/unknown command/) })
    expect(parseNodeCommand('net.set')).toMatchObject({ ok: false })
  })

  it('aggregates drops per link and reason per window', () => {
    const tally = new DropTally()
    expect(tally.add(B, 'loss', true, 1000)).toBe(1000 + DROP_REPORT_MS)
    expect(tally.add(B, 'loss', false, 1001)).toBeNull()
    expect(tally.add(C, 'partition', false, 1002)).toBeNull()
    expect(tally.drain()).toEqual([
      { to: B, reason: 'loss', count: 2, gossip: 1 },
      { to: C, reason: 'partition', count: 1, gossip: 0 },
    ])
    expect(tally.add(B, 'loss', false, 2000)).toBe(2000 + DROP_REPORT_MS)
  })
})
