import { describe, expect, it } from 'vitest'
import { applyEvent, foldEvents } from '../../../shared/model/network'
import { Animator, MAX_DOTS, colourOf } from '../../../renderer/src/graph/animations'
import { GraphModel } from '../../../renderer/src/graph/graph-model'
import { SpatialGrid } from '../../../renderer/src/graph/spatial-grid'
import { fit, toWorld, zoomAt } from '../../../renderer/src/graph/viewport'
import { A, B, C, S1, S2, sequence, smallNetwork } from './fixtures'

describe('GraphModel', () => {
  it('reuses node objects by id so positions survive updates', () => {
    const events = smallNetwork()
    const state = foldEvents(events.slice(0, 8))
    const model = new GraphModel()
    expect(model.sync(state, 0)).toBe(true)
    for (let i = 0; i < 30; i++) model.tick()
    const a = model.nodes.get(A)!
    const position = { x: a.x, y: a.y }
    for (const event of events.slice(8)) applyEvent(state, event)
    expect(model.sync(state, 1)).toBe(true) // the B-C link is new
    expect(model.nodes.get(A)).toBe(a)
    expect({ x: a.x, y: a.y }).toEqual(position)
    expect(model.links.map((l) => l.key).sort()).toEqual([`${A}|${B}`, `${B}|${C}`].sort())
    expect(model.sync(state, 2)).toBe(false) // nothing added or removed
  })

  it('sizes nodes by degree, pins seeds on a ring, and shows misses on links', () => {
    const state = foldEvents(smallNetwork())
    const e = sequence(state.seq + 1, 9_000)
    applyEvent(state, e({ node: A, type: 'liveness.missed', peer: B, count: 2 }))
    const model = new GraphModel()
    model.sync(state, 0)
    expect(model.nodes.get(B)!.radius).toBeGreaterThan(model.nodes.get(A)!.radius)
    const s1 = model.nodes.get(S1)!
    const s2 = model.nodes.get(S2)!
    expect(s1.fx).toBeTypeOf('number')
    expect(Math.hypot(s1.fx!, s1.fy!)).toBeCloseTo(Math.hypot(s2.fx!, s2.fy!))
    expect(model.links.find((l) => l.key === `${A}|${B}`)!.misses).toBe(2)
  })

  it('marks a dead node removed once no live seed lists it', () => {
    const state = foldEvents(smallNetwork())
    const e = sequence(state.seq + 1, 9_000)
    const model = new GraphModel()
    applyEvent(state, e({ node: S1, type: 'seed.registered', peer: C }))
    applyEvent(state, e({ node: S2, type: 'seed.registered', peer: C }))
    applyEvent(state, e({ node: C, type: 'host.kill', signal: 'SIGKILL' }))
    model.sync(state, 10)
    expect(model.nodes.get(C)).toMatchObject({ status: 'dead', removed: false })
    applyEvent(state, e({ node: S1, type: 'seed.peer-removed', peer: C, reporter: B }))
    model.sync(state, 20)
    expect(model.nodes.get(C)!.removed).toBe(false)
    applyEvent(state, e({ node: S2, type: 'seed.peer-removed', peer: C, reporter: B }))
    model.sync(state, 30)
    expect(model.nodes.get(C)).toMatchObject({ removed: true, removedAt: 30 })
  })

  it('hit-tests through the grid', () => {
    const model = new GraphModel()
    model.sync(foldEvents(smallNetwork()), 0)
    const b = model.nodes.get(B)!
    // At B's centre (new nodes are placed near a neighbour with random jitter, so a point
    // off-centre may be nearer another node's centre: that made this test flaky).
    expect(model.hitTest(b.x!, b.y!)?.id).toBe(B)
    expect(model.hitTest(b.x! + 500, b.y! + 500)).toBeNull()
  })
})

describe('SpatialGrid', () => {
  it('returns the nearest item within its radius plus slack, across cell borders', () => {
    const grid = new SpatialGrid<{ x: number; y: number; radius: number; name: string }>(10)
    grid.rebuild([
      { x: 9, y: 9, radius: 3, name: 'a' },
      { x: 12, y: 9, radius: 3, name: 'b' },
      { x: 40, y: 40, radius: 2, name: 'c' },
    ])
    expect(grid.hit(10.9, 9)?.name).toBe('b')
    expect(grid.hit(10.1, 9)?.name).toBe('a')
    expect(grid.hit(43, 40)).toBeNull()
    expect(grid.hit(43, 40, 1.5)?.name).toBe('c')
  })
})

describe('Animator', () => {
  it('draws one dot per hop whichever of its two events arrives first', () => {
    const animator = new Animator(() => A)
    const e = sequence()
    animator.push(
      [
        e({ node: A, type: 'gossip.forwarded', id: 'm', to: B }),
        e({ node: B, type: 'gossip.received', id: 'm', text: 'x', from: A }),
        e({ node: C, type: 'gossip.received', id: 'm', text: 'x', from: B }),
        e({ node: B, type: 'gossip.forwarded', id: 'm', to: C }),
      ],
      0,
    )
    expect(animator.dots.map((d) => `${d.from}>${d.to}`)).toEqual([`${A}>${B}`, `${B}>${C}`])
    expect(animator.dots.every((d) => d.colour === colourOf(A))).toBe(true)
    expect(animator.advance(100)).toBe(true)
    expect(animator.advance(10_000)).toBe(false)
  })

  it('caps the dots in flight and counts the rest', () => {
    const animator = new Animator(() => undefined)
    const e = sequence()
    const events = Array.from({ length: MAX_DOTS + 50 }, (_, i) => e({ node: A, type: 'gossip.forwarded', id: `m${i}`, to: B }))
    animator.push(events, 0)
    expect(animator.dots).toHaveLength(MAX_DOTS)
    expect(animator.skipped).toBe(50)
  })

  it('pulses at the origin of a new message and at a seed removing a peer', () => {
    const animator = new Animator(() => undefined)
    const e = sequence()
    animator.push([e({ node: A, type: 'gossip.created', id: 'm', text: 't', n: 1 }), e({ node: S1, type: 'seed.peer-removed', peer: C, reporter: B })], 0)
    expect(animator.pulses.map((p) => [p.node, p.kind])).toEqual([
      [A, 'origin'],
      [S1, 'removal'],
    ])
  })
})

describe('viewport', () => {
  it('zooms around the cursor and fits a box', () => {
    const v = zoomAt({ x: 0, y: 0, k: 1 }, 100, 50, 2)
    expect(v.k).toBe(2)
    expect(toWorld(v, 100, 50)).toEqual({ x: 100, y: 50 })
    const f = fit({ x0: -100, y0: -50, x1: 100, y1: 50 }, 440, 240, 20)
    expect(f.k).toBe(2)
    expect(toWorld(f, 220, 120)).toEqual({ x: 0, y: 0 })
  })
})
