import { describe, expect, it } from 'vitest'
import { type Frame, LineFramer } from '../../../shared/protocol/framer'

const bytes = (text: string) => new TextEncoder().encode(text)
const lines = (frames: Frame[]) => frames.map((f) => (f.kind === 'line' ? f.line : `!${f.reason}`))

describe('LineFramer', () => {
  it('splits one chunk into several lines and keeps the remainder', () => {
    const framer = new LineFramer(100)
    expect(lines(framer.push(bytes('a\nbb\ncc')))).toEqual(['a', 'bb'])
    expect(framer.pendingBytes).toBe(2)
    expect(lines(framer.push(bytes('c\n')))).toEqual(['ccc'])
    expect(framer.pendingBytes).toBe(0)
  })

  it('joins a line split across many chunks, byte by byte', () => {
    const framer = new LineFramer(100)
    const out: Frame[] = []
    for (const b of bytes('Hello:127.0.0.1:7000\n')) out.push(...framer.push(Uint8Array.of(b)))
    expect(lines(out)).toEqual(['Hello:127.0.0.1:7000'])
  })

  it('strips CRLF and skips empty lines', () => {
    const framer = new LineFramer(100)
    expect(lines(framer.push(bytes('a\r\n\r\n\nb\r\n')))).toEqual(['a', 'b'])
  })

  it('reports an over-long line once, never buffers it, and recovers on the next line', () => {
    const framer = new LineFramer(16)
    const out = [...framer.push(bytes('x'.repeat(10)))]
    expect(out).toEqual([])
    for (let i = 0; i < 1000; i++) {
      out.push(...framer.push(bytes('y'.repeat(1000))))
      expect(framer.pendingBytes).toBeLessThanOrEqual(16)
    }
    out.push(...framer.push(bytes('z\nok\n')))
    expect(lines(out)).toEqual(['!line-too-long', 'ok'])
  })

  it('accepts a line of exactly the limit', () => {
    const framer = new LineFramer(8)
    expect(lines(framer.push(bytes('12345678\n123456789\n')))).toEqual(['12345678', '!line-too-long'])
  })

  it('reports invalid UTF-8 per line and keeps going', () => {
    const framer = new LineFramer(100)
    const chunk = Uint8Array.of(0x61, 0xff, 0xfe, 0x0a, 0x62, 0x0a)
    expect(lines(framer.push(chunk))).toEqual(['!invalid-utf8', 'b'])
  })

  it('decodes a multi-byte character split across chunks', () => {
    const framer = new LineFramer(100)
    const all = bytes('é\n')
    expect(framer.push(all.subarray(0, 1))).toEqual([])
    expect(lines(framer.push(all.subarray(1)))).toEqual(['é'])
  })

  it('holds a half line until more arrives', () => {
    const framer = new LineFramer(100)
    expect(framer.push(bytes('Register:127.0'))).toEqual([])
    expect(framer.pendingBytes).toBe(14)
    expect(lines(framer.push(bytes('.0.1:7000\n')))).toEqual(['Register:127.0.0.1:7000'])
  })

  it('does not keep a reference to the caller\'s buffer', () => {
    const framer = new LineFramer(100)
    const buffer = bytes('abc')
    framer.push(buffer)
    buffer.fill(0x7a)
    expect(lines(framer.push(bytes('\n')))).toEqual(['abc'])
  })
})

describe('LineFramer line ends and end of stream', () => {
  it('takes a lone CR as a line end, and CRLF split across chunks as one', () => {
    const framer = new LineFramer(100)
    expect(lines(framer.push(bytes('a\rb\rc')))).toEqual(['a', 'b'])
    expect(lines(framer.push(bytes('\r')))).toEqual(['c'])
    expect(lines(framer.push(bytes('\nd\r\n')))).toEqual(['d'])
    expect(framer.pendingBytes).toBe(0)
  })

  it('returns an unterminated last line at end of stream (the deadnode-no-newline field case)', () => {
    const framer = new LineFramer(100)
    const report = 'Dead Node:127.0.44.12:14412:1800000000000:127.0.44.251'
    expect(framer.push(bytes(report))).toEqual([])
    expect(lines(framer.finish())).toEqual([report])
    expect(framer.pendingBytes).toBe(0)
    expect(framer.finish()).toEqual([])
  })

  it('gives nothing at end of stream after a complete line, a bare CR or an over-long tail', () => {
    const framer = new LineFramer(8)
    framer.push(bytes('ok\n'))
    expect(framer.finish()).toEqual([])
    framer.push(bytes('ok\r'))
    expect(framer.finish()).toEqual([])
    expect(lines(framer.push(bytes('123456789')))).toEqual(['!line-too-long'])
    expect(framer.finish()).toEqual([])
    expect(lines(framer.push(bytes('next\n')))).toEqual(['next'])
  })

  it('reports invalid UTF-8 in an unterminated last line', () => {
    const framer = new LineFramer(100)
    framer.push(Uint8Array.of(0x61, 0xc3))
    expect(lines(framer.finish())).toEqual(['!invalid-utf8'])
  })

  it('gives the same lines whatever the chunking, for every line-end style', () => {
    const text = 'Register:127.0.0.1:7000\r\nHello:127.0.0.2:7001\rDegree:127.0.0.1:7000:3\nPeer List Request:127.0.0.1:7000'
    const expected = ['Register:127.0.0.1:7000', 'Hello:127.0.0.2:7001', 'Degree:127.0.0.1:7000:3', 'Peer List Request:127.0.0.1:7000']
    const all = bytes(text)
    for (const size of [1, 2, 3, 7, 24, all.length]) {
      const framer = new LineFramer(100)
      const out: Frame[] = []
      for (let i = 0; i < all.length; i += size) out.push(...framer.push(all.subarray(i, i + size)))
      out.push(...framer.finish())
      expect(lines(out), `chunks of ${size}`).toEqual(expected)
    }
  })

  it('gives the same frames for lines whole in a chunk (decoded in place) as byte by byte, errors included', () => {
    // Deterministic pseudo-random streams of short, long (over the limit), invalid and empty lines.
    let state = 7
    const next = (n: number) => ((state = (state * 1103515245 + 12345) & 0x7fffffff), state % n)
    const pieces = [bytes('Liveness Request:1:127.0.0.1'), bytes('x'.repeat(40)), Uint8Array.of(0x61, 0xff, 0x62), bytes('é漢'), new Uint8Array(0)]
    const ends = [bytes('\n'), bytes('\r\n'), bytes('\r')]
    for (let run = 0; run < 50; run++) {
      const parts: Uint8Array[] = []
      for (let i = 0; i < 30; i++) parts.push(pieces[next(pieces.length)]!, ends[next(ends.length)]!)
      const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
      let at = 0
      for (const p of parts) (all.set(p, at), (at += p.length))
      const reference = new LineFramer(32)
      const expected: Frame[] = []
      for (let i = 0; i < all.length; i++) expected.push(...reference.push(all.subarray(i, i + 1)))
      const framer = new LineFramer(32)
      const got: Frame[] = []
      for (let i = 0; i < all.length; ) {
        const size = 1 + next(90)
        got.push(...framer.push(all.subarray(i, i + size)))
        i += size
      }
      expect(got, `run ${run}`).toEqual(expected)
      expect(framer.pendingBytes).toBe(reference.pendingBytes)
    }
  })

  it('framers share one decoder: a line cut inside a character or invalid on one connection does not touch another', () => {
    const a = new LineFramer(64)
    const b = new LineFramer(64)
    const snowman = bytes('☃') // 3 bytes
    expect(lines(a.push(Uint8Array.of(0x41, snowman[0]!)))).toEqual([])
    expect(lines(b.push(Uint8Array.of(0x62, 0xff, 0x0a, 0x63, 0x0a)))).toEqual(['!invalid-utf8', 'c'])
    expect(lines(b.push(Uint8Array.of(snowman[1]!, snowman[2]!, 0x0a)))).toEqual(['!invalid-utf8'])
    expect(lines(a.push(Uint8Array.of(snowman[1]!, snowman[2]!, 0x0a)))).toEqual(['A☃'])
  })
})
