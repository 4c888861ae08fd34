import { strToU8, zipSync } from 'fflate'
import { describe, expect, it } from 'vitest'
import { MAX_BAD_LINES_PER_EVENT, MAX_LEADING_BAD_LINES, parseEventsBytes, parseEventsText, type ParseProgress } from '../../../shared/archive/ndjson'
import { MAX_EVENT_LINE } from '../../../shared/events'
import { openFiles } from '../../../shared/archive/open'
import { syntheticSession } from '../../../shared/model/synthetic'

/** Hostile-but-small imports (issue 11): refused or read partly, with a message, quickly. */
describe('hostile imports', () => {
  it('stops reading 10 million lines of {} in a zip after the first 10,000, and says so', () => {
    const text = '{}\n'.repeat(10_000_000)
    const zipped = zipSync({ 'events.ndjson': strToU8(text) }, { level: 1 })
    expect(zipped.length).toBeLessThan(1_000_000)
    const opened = openFiles([{ name: 'braces.zip', bytes: zipped }])
    expect(opened.events).toEqual([])
    expect(opened.incomplete).toBe(true)
    expect(opened.problems.some((p) => p.message === `no valid event in the first ${MAX_LEADING_BAD_LINES.toLocaleString('en')} lines: the rest of the file was not read`)).toBe(true)
  }, 120_000)

  it('stops as well when a few valid events come before millions of junk lines, in any position', () => {
    const valid = syntheticSession({ seeds: 1, peers: 1, gossipCount: 0, kills: 0 }).slice(0, 2).map((e) => JSON.stringify(e))
    for (const layout of [[...valid, '{}\n'.repeat(2_000_000)], ['{}\n'.repeat(5_000), ...valid, '{}\n'.repeat(2_000_000)]]) {
      const parsed = parseEventsText('events.ndjson', `${layout.join('\n')}\n`)
      expect(parsed.stopped).toBe(true)
      expect(parsed.events).toHaveLength(2)
      // Stopped at the first line where both bounds are passed, not after two million.
      expect(parsed.badLines).toBe(MAX_LEADING_BAD_LINES)
      expect(parsed.problems.at(-2)?.message).toBe(`10,000 unreadable lines against 2 events (over ${MAX_BAD_LINES_PER_EVENT} per event): the rest of the file was not read`)
    }
    // Junk in a real recording's share (one bad line in three) is read through.
    const events = syntheticSession({ seeds: 2, peers: 8, gossipCount: 10, kills: 0 }).map((e) => JSON.stringify(e))
    const mixed = events.flatMap((l, i) => (i % 3 === 0 ? [l, '{}'] : [l]))
    const parsed = parseEventsText('events.ndjson', `${mixed.join('\n')}\n`)
    expect(parsed.stopped).toBe(false)
    expect(parsed.events).toHaveLength(events.length)
  }, 120_000)

  it('reads at most maxEvents events of a file, flags the rest, in any order of good and bad lines', () => {
    const events = syntheticSession({ seeds: 2, peers: 3, gossipCount: 1, kills: 0 })
    const lines = events.map((e) => JSON.stringify(e))
    for (const mixed of [lines, lines.flatMap((l, i) => (i % 3 === 0 ? [l, 'garbage'] : [l]))]) {
      const parsed = parseEventsText('events.ndjson', `${mixed.join('\n')}\n`, 10)
      expect(parsed.events).toHaveLength(10)
      expect(parsed.stopped).toBe(true)
      expect(parsed.problems.some((p) => /more than 10 events: the rest of the file was not read/.test(p.message))).toBe(true)
    }
    const whole = parseEventsText('events.ndjson', `${lines.join('\n')}\n`)
    expect(whole.events).toHaveLength(events.length)
    expect(whole.stopped).toBe(false)
  })

  it('reads bytes in 1 MiB steps exactly as the whole text: lines, multi-byte characters and CRLF across steps, a long line, no final newline', () => {
    const events = syntheticSession({ seeds: 2, peers: 6, gossipCount: 20, kills: 1 })
    const lines = events.map((e) => JSON.stringify(e))
    // Shift the lines across the 1 MiB boundaries with padding of multi-byte text (é: 2 bytes, 𝄞: 4 bytes).
    const pad = (i: number) => `{"pad":"${'é𝄞'.repeat(i % 7)}"}`
    const body = lines.flatMap((l, i) => [l, pad(i), i % 5 === 0 ? 'not json' : l])
    const longLine = `{"v":1,"x":"${'a'.repeat(MAX_EVENT_LINE + 5000)}"}`
    for (const [name, text] of [
      ['lf', `${body.join('\n')}\n`],
      ['crlf, no final newline', body.join('\r\n')],
      ['long line inside', [...body.slice(0, 40), longLine, ...body.slice(40)].join('\n')],
      ['long line last', `${body.join('\n')}\n${longLine}`],
    ] as const) {
      let repeated = text
      while (repeated.length < 3.5 * 1024 * 1024) repeated += `\n${text}`
      const bytes = new TextEncoder().encode(repeated)
      const progress: ParseProgress[] = []
      const fromBytes = parseEventsBytes('f', bytes, undefined, (p) => progress.push(p))
      const fromText = parseEventsText('f', repeated)
      expect(fromBytes, name).toEqual(fromText)
      expect(fromBytes.events.length).toBeGreaterThan(1000)
      expect(progress.length).toBe(Math.ceil(bytes.length / (1024 * 1024)))
      expect(progress.at(-1)).toMatchObject({ bytes: bytes.length, totalBytes: bytes.length, events: fromBytes.events.length })
    }
  })
})
