import { describe, expect, it } from 'vitest'
import { foldEvents } from '../../../shared/model/network'
import { Animator } from '../../../renderer/src/graph/animations'
import { GraphModel } from '../../../renderer/src/graph/graph-model'
import { paint } from '../../../renderer/src/graph/paint'
import { readTheme } from '../../../renderer/src/graph/theme'
import { A, smallNetwork } from './fixtures'

/** A 2D context that records arcs and, like Chromium's, throws on a negative radius. */
function strictContext(): { ctx: CanvasRenderingContext2D; radii: number[] } {
  const radii: number[] = []
  const target: Record<string, unknown> = {
    arc: (_x: number, _y: number, r: number) => {
      if (r < 0) throw new DOMException(`The radius provided (${r}) is negative.`, 'IndexSizeError')
      radii.push(r)
    },
    measureText: (text: string) => ({ width: text.length * 6 }),
  }
  const ctx = new Proxy(target, {
    get: (t, key) => (key in t ? t[key as string] : () => undefined),
    set: (t, key, value) => ((t[key as string] = value), true),
  }) as unknown as CanvasRenderingContext2D
  return { ctx, radii }
}

describe('paint', () => {
  it('draws nothing for a pulse scheduled after the frame, and never a negative radius', () => {
    const state = foldEvents(smallNetwork())
    const model = new GraphModel()
    model.sync(state, 0)
    const animator = new Animator(() => A)
    // A pulse that starts 500 ms after the frame being drawn (a hop's real duration ahead).
    animator.pulses.push({ node: A, kind: 'origin', colour: 0, start: 1_500 })
    const { ctx, radii } = strictContext()
    globalThis.getComputedStyle ??= (() => ({ getPropertyValue: () => '' })) as unknown as typeof getComputedStyle
    const theme = readTheme({} as Element) // the fallback palette
    const input = { ctx, width: 800, height: 600, dpr: 1, view: { x: 0, y: 0, k: 1 }, model, animator, state, theme, selected: null, hovered: null }
    expect(() => paint({ ...input, now: 1_000 })).not.toThrow()
    const before = radii.length
    expect(() => paint({ ...input, now: 1_600 })).not.toThrow()
    expect(radii.length).toBeGreaterThan(before) // the pulse's ring, once it started
    expect(radii.every((r) => r >= 0)).toBe(true)
  })
})
