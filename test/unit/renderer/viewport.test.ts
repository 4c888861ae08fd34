import { describe, expect, it } from 'vitest'
import { segmentDistance } from '../../../renderer/src/graph/GraphCanvas'
import { fit, overlayInsets, type Viewport } from '../../../renderer/src/graph/viewport'

const screen = (v: Viewport, x: number, y: number) => ({ x: x * v.k + v.x, y: y * v.k + v.y })

describe('fit with overlays', () => {
  it('keeps every corner of the box inside the area the insets leave free', () => {
    const box = { x0: -200, y0: -150, x1: 200, y1: 150 }
    const insets = { top: 40, right: 0, bottom: 60, left: 0 }
    const v = fit(box, 800, 500, 40, insets)
    for (const [x, y] of [
      [box.x0, box.y0],
      [box.x1, box.y1],
    ] as const) {
      const p = screen(v, x, y)
      expect(p.y).toBeGreaterThanOrEqual(insets.top + 40 - 1e-9)
      expect(p.y).toBeLessThanOrEqual(500 - insets.bottom - 40 + 1e-9)
      expect(p.x).toBeGreaterThanOrEqual(40 - 1e-9)
      expect(p.x).toBeLessThanOrEqual(760 + 1e-9)
    }
  })

  it('is the plain fit without insets', () => {
    const box = { x0: 0, y0: 0, x1: 100, y1: 50 }
    const v = fit(box, 400, 300)
    expect(screen(v, 50, 25)).toEqual({ x: 200, y: 150 })
  })
})

describe('overlayInsets', () => {
  it('gives a wide legend at the bottom a bottom strip, not a left one', () => {
    expect(overlayInsets(800, 600, [{ x: 8, y: 570, w: 500, h: 24 }])).toEqual({ top: 0, right: 0, bottom: 30, left: 0 })
  })
  it('gives a bar across the top a top strip, and a tall panel on the right a right strip', () => {
    const insets = overlayInsets(800, 600, [
      { x: 8, y: 6, w: 784, h: 30 },
      { x: 700, y: 100, w: 90, h: 400 },
    ])
    expect(insets).toEqual({ top: 36, right: 100, bottom: 0, left: 0 })
  })
  it('ignores hidden (empty) overlays', () => {
    expect(overlayInsets(800, 600, [{ x: 0, y: 0, w: 0, h: 0 }])).toEqual({ top: 0, right: 0, bottom: 0, left: 0 })
  })
})

describe('segmentDistance', () => {
  it('measures to the nearest point of the segment, ends included', () => {
    expect(segmentDistance(5, 3, 0, 0, 10, 0)).toBe(3)
    expect(segmentDistance(-4, 3, 0, 0, 10, 0)).toBe(5)
    expect(segmentDistance(1, 1, 2, 2, 2, 2)).toBeCloseTo(Math.SQRT2)
  })
})
