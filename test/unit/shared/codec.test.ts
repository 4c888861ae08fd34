import { describe, expect, it } from 'vitest'
import { DEFAULT_MAX_LINE_BYTES } from '../../../shared/settings'
import {
  PEER_LIST_PART_SIZE,
  type PeerEntry,
  type WireMessage,
  decodeLine,
  encodeMessage,
  gossipText,
  peerEntryText,
  peerListLines,
  peerListMessages,
} from '../../../shared/protocol/wire'

const samples: WireMessage[] = [
  { kind: 'gossip', text: '1800000000123:127.0.0.5:7', ts: '1800000000123', ip: '127.0.0.5', seq: 7 },
  { kind: 'liveness-request', ts: '1800000000123', ip: '127.0.0.5' },
  { kind: 'liveness-reply', ts: '1800000000123', ip: '127.0.0.5', replierIp: '127.0.0.9' },
  { kind: 'dead-node', dead: { ip: '127.0.0.9', port: 7001 }, ts: '1800000000123', reporterIp: '127.0.0.5', prefix: 'Dead Node' },
  { kind: 'dead-node', dead: { ip: '127.0.0.9', port: 7001 }, ts: '1800000000123', reporterIp: '127.0.0.5', prefix: 'Disconnected Node' },
  { kind: 'register', peer: { ip: '127.0.0.5', port: 7000 } },
  { kind: 'registered', peer: { ip: '127.0.0.5', port: 7000 } },
  { kind: 'peer-list-request', peer: { ip: '127.0.0.5', port: 7000 } },
  { kind: 'peer-list', part: 1, parts: 1, entries: [] },
  { kind: 'peer-list', part: 2, parts: 3, entries: [{ ip: '127.0.0.5', port: 7000, degree: 3 }, { ip: '10.1.2.3', port: 65535, degree: 0 }] },
  { kind: 'degree', peer: { ip: '127.0.0.5', port: 7000 }, degree: 12 },
  { kind: 'hello', peer: { ip: '127.0.0.5', port: 1 } },
]

describe('wire codec', () => {
  it.each(samples.map((m) => [m.kind, m] as const))('round-trips %s', (_kind, message) => {
    const line = encodeMessage(message)
    expect(line).not.toContain('\n')
    expect(decodeLine(line)).toEqual({ ok: true, message })
  })

  it('encodes the assignment formats exactly', () => {
    expect(gossipText(1800000000123, '127.0.0.5', 3)).toBe('1800000000123:127.0.0.5:3')
    expect(encodeMessage(samples[1]!)).toBe('Liveness Request:1800000000123:127.0.0.5')
    expect(encodeMessage(samples[2]!)).toBe('Liveness Reply:1800000000123:127.0.0.5:127.0.0.9')
    expect(encodeMessage(samples[3]!)).toBe('Dead Node:127.0.0.9:7001:1800000000123:127.0.0.5')
  })

  it.each([
    ['empty', ''],
    ['unknown verb', 'Hi there'],
    ['gossip with bad ip', '123:127.0.0.256:1'],
    ['gossip with letters', '123:127.0.0.1:x'],
    ['gossip with extra field', '123:127.0.0.1:1:2'],
    ['register port 0', 'Register:127.0.0.1:0'],
    ['register port too big', 'Register:127.0.0.1:65536'],
    ['register without port', 'Register:127.0.0.1'],
    ['dead node without port (oldest text)', 'Dead Node:127.0.0.9:123:127.0.0.1'],
    ['dead node bad port', 'Dead Node:127.0.0.9:99999:123:127.0.0.1'],
    ['liveness request trailing space', 'Liveness Request:123:127.0.0.1 '],
    ['liveness reply missing replier', 'Liveness Reply:123:127.0.0.1'],
    ['degree negative', 'Degree:127.0.0.1:7000:-1'],
    ['peer list part 0', 'Peer List:0/1:'],
    ['peer list part beyond parts', 'Peer List:3/2:'],
    ['peer list bad entry', 'Peer List:1/1:127.0.0.1:7000'],
    ['peer list empty entry', 'Peer List:1/1:127.0.0.1:7000@1,,127.0.0.2:7000@0'],
    ['peer list trailing comma', 'Peer List:1/1:127.0.0.1:7000@1,'],
    ['lower-case verb', 'register:127.0.0.1:7000'],
    ['NUL bytes', 'Hello:127.0.0.1:7000\u0000'],
  ])('rejects %s', (_name, line) => {
    const result = decodeLine(line)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.reason.length).toBeGreaterThan(0)
  })

  it.each([
    ['decimal ms (Date.now)', '1800000000123'],
    ['decimal seconds with a fraction (time.time)', '1800000000.123456'],
    ['str(datetime.now())', '2026-11-29 13:24:44.123456'],
    ['ISO 8601 with zone', '2026-11-29T13:24:44.123+01:00'],
    ['ISO 8601 UTC', '2026-11-29T13:24:44Z'],
    ['ctime()', 'Sun Nov  1 13:24:44 2026'],
  ])('accepts a Dead Node timestamp written as %s', (_name, ts) => {
    const result = decodeLine(`Dead Node:127.0.0.9:7001:${ts}:127.0.0.5`)
    expect(result).toEqual({
      ok: true,
      message: { kind: 'dead-node', dead: { ip: '127.0.0.9', port: 7001 }, ts, reporterIp: '127.0.0.5', prefix: 'Dead Node' },
    })
  })

  it.each(['yesterday', '2026-11-29', '13:24:44', '1e12', ''])('rejects a Dead Node timestamp "%s"', (ts) => {
    expect(decodeLine(`Dead Node:127.0.0.9:7001:${ts}:127.0.0.5`).ok).toBe(false)
  })

  it('rejects a peer list part with more than the part size', () => {
    const entries = Array.from({ length: PEER_LIST_PART_SIZE + 1 }, (_, i) => `127.0.${i >> 8}.${i & 255}:7000@0`)
    expect(decodeLine(`Peer List:1/1:${entries.join(',')}`).ok).toBe(false)
  })

  it('never throws on random junk', () => {
    let state = 12345
    const next = () => (state = (state * 1103515245 + 12345) & 0x7fffffff)
    const alphabet = 'Dead Node:Liveness RequestReplyPeer List@,/0123456789.:\u00e9\u0000'
    let decoded = 0
    for (let i = 0; i < 5000; i++) {
      let line = ''
      const length = next() % 80
      for (let j = 0; j < length; j++) line += alphabet[next() % alphabet.length]
      if (decodeLine(line).ok !== undefined) decoded++
    }
    expect(decoded).toBe(5000)
  })

  it('sends a 10,000-entry peer list in parts, each line under 64 KiB, and reassembles it', () => {
    const entries: PeerEntry[] = Array.from({ length: 10_000 }, (_, i) => ({
      ip: `127.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      port: 1000 + (i % 60000),
      degree: i % 97,
    }))
    const messages = peerListMessages(entries)
    expect(messages.length).toBe(Math.ceil(10_000 / PEER_LIST_PART_SIZE))
    const back: PeerEntry[] = []
    messages.forEach((message, i) => {
      const line = encodeMessage(message)
      expect(new TextEncoder().encode(line).length).toBeLessThan(DEFAULT_MAX_LINE_BYTES)
      const decoded = decodeLine(line)
      expect(decoded.ok).toBe(true)
      if (decoded.ok && decoded.message.kind === 'peer-list') {
        expect(decoded.message.part).toBe(i + 1)
        expect(decoded.message.parts).toBe(messages.length)
        back.push(...decoded.message.entries)
      }
    })
    expect(back).toEqual(entries)
  })

  it('sends an empty list as one empty part', () => {
    expect(peerListMessages([]).map(encodeMessage)).toEqual(['Peer List:1/1:'])
  })

  it('writes a list from entry texts (as a seed does) exactly as it encodes the messages', () => {
    for (const n of [0, 1, 999, PEER_LIST_PART_SIZE, PEER_LIST_PART_SIZE + 1, 2500]) {
      const entries: PeerEntry[] = Array.from({ length: n }, (_, i) => ({ ip: `127.1.${i >> 8}.${i & 255}`, port: 7000 + (i % 3), degree: (i * 7) % 41 }))
      expect(peerListLines(entries.map(peerEntryText)), `${n} entries`).toEqual(peerListMessages(entries).map(encodeMessage))
    }
  })
})
