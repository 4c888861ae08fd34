import { describe, expect, it } from 'vitest'
import { analyzeSession, analyzeSessionSteps, type AnalysisProgress } from '../../../shared/analysis/analyze'
import { renderSummary } from '../../../shared/analysis/summary'
import { syntheticSession } from '../../../shared/model/synthetic'
import { runInSlices } from '../../../shared/slices'

/**
 * The analysis as a resumable generator (the Analysis tab runs it in slices so the page
 * never freezes): it yields progress that only grows and never passes its total, and
 * returns exactly what the one-go analysis returns. runInSlices runs it to the end, or
 * stops at a slice boundary when cancelled.
 */

const session = syntheticSession({ seeds: 3, peers: 40, gossipCount: 10, kills: 2, rngSeed: 7 })

describe('analyzeSessionSteps', () => {
  it('yields growing progress up to its total and returns the same analysis as analyzeSession', () => {
    expect(session.length).toBeGreaterThan(20_000)
    const steps = analyzeSessionSteps(session)
    const seen: AnalysisProgress[] = []
    let next = steps.next()
    while (!next.done) {
      seen.push(next.value)
      next = steps.next()
    }
    expect(seen.length).toBeGreaterThanOrEqual(Math.floor(session.length / 5_000))
    // One total from the start, so the fraction shown only grows.
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.done).toBeGreaterThan(seen[i - 1]!.done)
    for (const p of seen) expect(p).toMatchObject({ total: 3 * session.length })
    for (const p of seen) expect(p.done).toBeLessThanOrEqual(p.total)
    expect(renderSummary(next.value)).toBe(renderSummary(analyzeSession(session)))
    expect(next.value.messages.length).toBeGreaterThan(300)
  })
})

describe('runInSlices', () => {
  it('runs a generator to its end, reporting progress between slices', async () => {
    const progress: AnalysisProgress[] = []
    const result = await runInSlices(analyzeSessionSteps(session), { sliceMs: 0, onProgress: (p) => progress.push(p) })
    expect(result).not.toBeNull()
    expect(renderSummary(result!.value)).toBe(renderSummary(analyzeSession(session)))
    // With a 0 ms slice every yield is a slice: the page got a turn after each.
    expect(progress.length).toBeGreaterThanOrEqual(Math.floor(session.length / 5_000))
  })

  it('stops at the next slice when cancelled, and closes the generator', async () => {
    let slices = 0
    let closed = false
    function* counting(): Generator<number, string> {
      try {
        for (let i = 0; i < 1_000; i++) yield i
        return 'finished'
      } finally {
        closed = true
      }
    }
    const result = await runInSlices(counting(), { sliceMs: 0, onProgress: () => slices++, cancelled: () => slices >= 3 })
    expect(result).toBeNull()
    expect(slices).toBe(3)
    expect(closed).toBe(true)
  })

  it('returns at once when the generator finishes within the first slice', async () => {
    function* short(): Generator<number, string> {
      yield 1
      return 'done'
    }
    let calls = 0
    expect(await runInSlices(short(), { sliceMs: 1_000, onProgress: () => calls++ })).toEqual({ value: 'done' })
    expect(calls).toBe(0)
  })
})
