import { describe, expect, it } from 'vitest'
import { Animator, DOT_MS, DROP_FADE_MS, hopDisplayMs } from '../../../renderer/src/graph/animations'
import { NetView } from '../../../renderer/src/network/net-view'
import { withLink, withPartition, type NetConditions } from '../../../shared/net/conditions'
import { A, B, C, sequence } from './fixtures'

const base: NetConditions = { defaults: { delayMs: 50, jitterMs: 0, loss: 0 }, links: [], partitions: [] }

describe('animations under network conditions', () => {
  it('a dot takes the hop real duration once both ends are known, the configured delay before', () => {
    const view = new NetView()
    view.update(base, [A, B, C])
    const animator = new Animator(() => A, view)
    const e = sequence()
    animator.push([e({ node: A, type: 'gossip.forwarded', id: 'm', to: B }, 0)], 0)
    expect(animator.dots[0]!.duration).toBe(hopDisplayMs(50))
    // The receipt 600 ms later (node clocks): the same dot now takes hopDisplayMs(600).
    animator.push([e({ node: B, type: 'gossip.received', id: 'm', text: 'x', from: A }, 600)], 20)
    expect(animator.dots).toHaveLength(1)
    expect(animator.dots[0]!.duration).toBe(hopDisplayMs(600))
    expect(hopDisplayMs(1)).toBeGreaterThanOrEqual(DOT_MS)
    expect(hopDisplayMs(600)).toBeGreaterThan(3 * hopDisplayMs(1))
    expect(animator.advance(hopDisplayMs(600) - 1)).toBe(true)
    expect(animator.advance(hopDisplayMs(600) + 1)).toBe(false)
    // A receipt that arrives after its dot finished draws no second dot.
    animator.push([e({ node: A, type: 'gossip.forwarded', id: 'n', to: C }, 0)], 10_000)
    animator.advance(20_000)
    animator.push([e({ node: C, type: 'gossip.received', id: 'n', text: 'y', from: A }, 5_000)], 20_001)
    expect(animator.dots).toHaveLength(0)
  })

  it('net.dropped fades that many dots of the link still waiting for a receipt (accepted connections matched by IP)', () => {
    const view = new NetView()
    view.update(base, [A, B, C])
    const animator = new Animator(() => A, view)
    const e = sequence()
    animator.push(
      [
        e({ node: B, type: 'gossip.forwarded', id: 'm1', to: A }),
        e({ node: B, type: 'gossip.forwarded', id: 'm2', to: A }),
        e({ node: B, type: 'gossip.forwarded', id: 'm3', to: C }),
        e({ node: A, type: 'gossip.received', id: 'm1', text: 'x', from: B }),
        e({ node: B, type: 'net.dropped', to: '127.0.1.1:45678', reason: 'loss', count: 3, gossip: 1 }),
      ],
      0,
    )
    const faded = animator.dots.filter((d) => d.droppedAt !== null)
    expect(faded.map((d) => `${d.from}>${d.to}`)).toEqual([`${B}>${A}`])
    expect(animator.alpha(faded[0]!, DROP_FADE_MS / 2)).toBeCloseTo(0.5)
    expect(animator.dots.filter((d) => d.droppedAt === null)).toHaveLength(2)
  })

  it('a dot on a link a partition holds waits at the cut until its receipt', () => {
    const view = new NetView()
    view.update(withPartition(base, { name: 'p1', side: [A], other: null, direction: 'both' }), [A, B, C])
    expect(view.cut(A, B)).toBe(true)
    expect(view.cut(B, C)).toBe(false)
    const animator = new Animator(() => A, view)
    const e = sequence()
    animator.push([e({ node: A, type: 'gossip.forwarded', id: 'm', to: B })], 0)
    const dot = animator.dots[0]!
    expect(dot.held).toBe(true)
    expect(animator.progress(dot, 5_000)).toBe(0.5)
    expect(animator.advance(5_000)).toBe(true)
    animator.push([e({ node: B, type: 'gossip.received', id: 'm', text: 'x', from: A }, 4_000)], 5_000)
    expect(animator.progress(dot, 5_000)).toBe(1)
  })

  it('labels links with their own conditions', () => {
    const view = new NetView()
    view.update(withLink(base, A, B, { delayMs: 600, jitterMs: 20, loss: 0.02 }), [A, B, C])
    expect(view.label(B, A)).toBe('600±20 ms 2%')
    expect(view.label(A, C)).toBeNull()
    expect(view.expectedMs(A, B)).toBe(600)
    expect(view.expectedMs(B, A)).toBe(50)
  })
})
