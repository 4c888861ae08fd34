import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../../shared/protocol/rng'
import { UNREGISTERED_TIMEOUT_MS, createSeedMachine } from '../../../shared/protocol/seed-machine'
import { Harness, closed, events, logs, sent, sha256 } from './helpers'

const SELF = { ip: '127.0.0.1', port: 6000 }
const VERIFY_MS = 500

function seed() {
  const h = new Harness(
    createSeedMachine({ self: SELF, seeds: [SELF, { ip: '127.0.0.2', port: 6000 }], random: seededRandom(1), sha256 }, { verifyTimeoutMs: VERIFY_MS }),
  )
  h.feed({ type: 'start' })
  return h
}

/** Accepts connection `conn` from the peer at 127.0.1.<n>:7000 and registers it. */
function join(h: Harness, n: number, conn = `i${n}`) {
  h.feed({ type: 'accepted', conn, remote: { ip: `127.0.1.${n}`, port: 40000 + n } })
  return h.feed({ type: 'line', conn, line: `Register:127.0.1.${n}:7000` })
}

const listOf = (lines: string[]) =>
  lines.flatMap((l) => l.replace(/^Peer List:\d+\/\d+:/, '').split(',').filter((e) => e !== ''))

describe('seed machine', () => {
  it('answers a registration, logs it and emits seed.registered', () => {
    const h = seed()
    const effects = join(h, 1)
    expect(sent(effects, 'i1')).toEqual(['Registered:127.0.1.1:7000'])
    expect(events(effects)).toEqual([{ type: 'seed.registered', peer: '127.0.1.1:7000' }])
    expect(logs(effects).some((l) => l.startsWith('Connection request from 127.0.1.1:7000'))).toBe(true)
  })

  it('lists every other registered peer once, never the asker, with degrees', () => {
    const h = seed()
    for (let n = 1; n <= 3; n++) join(h, n)
    join(h, 2, 'i2b') // the same peer again, on a new connection: still one entry
    h.feed({ type: 'line', conn: 'i3', line: 'Degree:127.0.1.3:7000:5' })
    const lines = sent(h.feed({ type: 'line', conn: 'i1', line: 'Peer List Request:127.0.1.1:7000' }), 'i1')
    expect(lines).toEqual(['Peer List:1/1:127.0.1.2:7000@0,127.0.1.3:7000@5'])
  })

  it('removes a peer reported on a connection that closes right after its only line (a report sent with no newline)', () => {
    const h = seed()
    join(h, 1)
    h.feed({ type: 'closed', conn: 'i1' })
    h.feed({ type: 'accepted', conn: 'r1', remote: { ip: '127.0.44.251', port: 40999 } })
    const report = h.feed({ type: 'line', conn: 'r1', line: 'Dead Node:127.0.1.1:7000:2026-11-29 13:24:44.123456:127.0.44.251' })
    h.feed({ type: 'closed', conn: 'r1' })
    expect(events(report)).toContainEqual({ type: 'seed.peer-removed', peer: '127.0.1.1:7000', reporter: '127.0.44.251:40999' })
  })

  it('answers an empty list as one empty part', () => {
    const h = seed()
    join(h, 1)
    expect(sent(h.feed({ type: 'line', conn: 'i1', line: 'Peer List Request:127.0.1.1:7000' }))).toEqual(['Peer List:1/1:'])
  })

  it('splits a long list into parts', () => {
    const h = seed()
    for (let n = 1; n <= 250; n++) {
      for (let m = 0; m < 10; m++) {
        const conn = `c${n}-${m}`
        h.feed({ type: 'accepted', conn, remote: { ip: `127.2.${m}.${n}`, port: 40000 } })
        h.feed({ type: 'line', conn, line: `Register:127.2.${m}.${n}:7000` })
      }
    }
    join(h, 1)
    const lines = sent(h.feed({ type: 'line', conn: 'i1', line: 'Peer List Request:127.0.1.1:7000' }))
    expect(lines.map((l) => l.slice(0, 14))).toEqual(['Peer List:1/3:', 'Peer List:2/3:', 'Peer List:3/3:'])
    const entries = listOf(lines)
    expect(entries).toHaveLength(2500)
    expect(new Set(entries).size).toBe(2500)
  })

  it('takes Degree only from the connection that registered that peer', () => {
    const h = seed()
    join(h, 1)
    join(h, 2)
    const forged = h.feed({ type: 'line', conn: 'i2', line: 'Degree:127.0.1.1:7000:40' })
    expect(events(forged, 'frame.rejected')).toHaveLength(1)
    h.feed({ type: 'accepted', conn: 'i9', remote: { ip: '127.0.1.9', port: 1 } })
    const lines = sent(h.feed({ type: 'line', conn: 'i9', line: 'Peer List Request:127.0.1.9:7000' }))
    expect(lines).toEqual(['Peer List:1/1:127.0.1.1:7000@0,127.0.1.2:7000@0'])
  })

  it('removes a reported peer at once when its connection is already closed', () => {
    const h = seed()
    join(h, 1)
    join(h, 2)
    h.feed({ type: 'closed', conn: 'i1' })
    // A closed connection alone does not remove the peer.
    expect(listOf(sent(h.feed({ type: 'line', conn: 'i2', line: 'Peer List Request:127.0.1.2:7000' })))).toEqual(['127.0.1.1:7000@0'])
    const effects = h.feed({ type: 'line', conn: 'i2', line: `Dead Node:127.0.1.1:7000:${h.now}:127.0.1.2` })
    expect(events(effects)).toEqual([{ type: 'seed.peer-removed', peer: '127.0.1.1:7000', reporter: '127.0.1.2:7000' }])
    expect(logs(effects)[0]).toBe(`Dead Node:127.0.1.1:7000:${h.now}:127.0.1.2 received from 127.0.1.2:7000`)
    expect(listOf(sent(h.feed({ type: 'line', conn: 'i2', line: 'Peer List Request:127.0.1.2:7000' })))).toEqual([])
  })

  it('accepts the Disconnected Node prefix', () => {
    const h = seed()
    join(h, 1)
    join(h, 2)
    h.feed({ type: 'closed', conn: 'i1' })
    const effects = h.feed({ type: 'line', conn: 'i2', line: `Disconnected Node:127.0.1.1:7000:${h.now}:127.0.1.2` })
    expect(events(effects, 'seed.peer-removed')).toHaveLength(1)
  })

  it('does not let one forged report evict a live peer: it probes the peer first', () => {
    const h = seed()
    join(h, 1)
    join(h, 2)
    const report = h.feed({ type: 'line', conn: 'i2', line: `Dead Node:127.0.1.1:7000:${h.now}:127.0.1.2` })
    const probe = sent(report, 'i1')
    expect(probe).toEqual([`Liveness Request:${h.now}:127.0.0.1`])
    expect(events(report, 'seed.peer-removed')).toEqual([])
    expect(h.machine.nextWakeAt()).toBe(h.now + VERIFY_MS)
    h.now += 20
    const reply = h.feed({ type: 'line', conn: 'i1', line: `Liveness Reply:${h.now - 20}:127.0.0.1:127.0.1.1` })
    expect(events(reply)).toEqual([
      { type: 'seed.report-rejected', peer: '127.0.1.1:7000', reporter: '127.0.1.2:7000', reason: "peer answered the seed's liveness probe in 20 ms" },
    ])
    // Nothing left to wait for: both connections registered, no probe pending.
    expect(h.machine.nextWakeAt()).toBeNull()
    const later = h.advanceTo(h.now + 10 * VERIFY_MS)
    expect(events(later, 'seed.peer-removed')).toEqual([])
  })

  it('removes a connected peer that does not answer the probe in time, exactly at the deadline', () => {
    const h = seed()
    join(h, 1)
    join(h, 2)
    const t = h.now
    h.feed({ type: 'line', conn: 'i2', line: `Dead Node:127.0.1.1:7000:${t}:127.0.1.2` })
    h.feed({ type: 'line', conn: 'i3', line: 'ignored: no such connection' })
    expect(events(h.tickAt(t + VERIFY_MS - 1))).toEqual([])
    const effects = h.tickAt(t + VERIFY_MS)
    expect(events(effects)).toEqual([{ type: 'seed.peer-removed', peer: '127.0.1.1:7000', reporter: '127.0.1.2:7000' }])
    expect(closed(effects)).toEqual(['i1'])
  })

  it('removes a probed peer at once when its connection closes', () => {
    const h = seed()
    join(h, 1)
    join(h, 2)
    h.feed({ type: 'line', conn: 'i2', line: `Dead Node:127.0.1.1:7000:${h.now}:127.0.1.2` })
    const effects = h.feed({ type: 'closed', conn: 'i1' })
    expect(events(effects, 'seed.peer-removed')).toHaveLength(1)
  })

  it('rejects a report about a peer it does not know, and a stray Liveness Reply', () => {
    const h = seed()
    join(h, 2)
    const effects = h.feed({ type: 'line', conn: 'i2', line: `Dead Node:127.0.1.7:7000:${h.now}:127.0.1.2` })
    expect(events(effects)).toEqual([
      { type: 'seed.report-rejected', peer: '127.0.1.7:7000', reporter: '127.0.1.2:7000', reason: 'not in the Peer List' },
    ])
    const stray = h.feed({ type: 'line', conn: 'i2', line: `Liveness Reply:${h.now}:127.0.0.1:127.0.1.2` })
    expect(events(stray, 'frame.rejected')).toHaveLength(1)
  })

  it('rejects garbage, closes after three bad lines in a row and keeps serving others', () => {
    const h = seed()
    join(h, 1)
    h.feed({ type: 'accepted', conn: 'bad', remote: { ip: '127.0.0.66', port: 5555 } })
    const first = h.feed({ type: 'line', conn: 'bad', line: 'GET / HTTP/1.1' })
    expect(events(first)).toEqual([{ type: 'frame.rejected', from: '127.0.0.66:5555', reason: 'unknown message "GET / HTTP/1.1"' }])
    expect(closed(first)).toEqual([])
    h.feed({ type: 'frame-error', conn: 'bad', reason: 'invalid-utf8: invalid UTF-8 in a 3-byte line' })
    const third = h.feed({ type: 'line', conn: 'bad', line: 'Registered:127.0.0.66:1' })
    expect(closed(third)).toEqual(['bad'])
    expect(sent(h.feed({ type: 'line', conn: 'i1', line: 'Peer List Request:127.0.1.1:7000' }))).toEqual(['Peer List:1/1:'])
  })

  it('resets the bad-line count on a good line', () => {
    const h = seed()
    join(h, 1)
    for (let i = 0; i < 5; i++) {
      expect(closed(h.feed({ type: 'line', conn: 'i1', line: 'nonsense' }))).toEqual([])
      expect(closed(h.feed({ type: 'line', conn: 'i1', line: 'nonsense' }))).toEqual([])
      h.feed({ type: 'line', conn: 'i1', line: 'Degree:127.0.1.1:7000:1' })
    }
  })

  it('closes a connection at once after an over-long line', () => {
    const h = seed()
    h.feed({ type: 'accepted', conn: 'x', remote: { ip: '127.0.0.66', port: 5555 } })
    const effects = h.feed({ type: 'frame-error', conn: 'x', reason: 'line-too-long: line longer than 65536 bytes' })
    expect(events(effects, 'frame.rejected')).toHaveLength(1)
    expect(closed(effects)).toEqual(['x'])
  })

  it('closes connections that never register, at the exact deadline', () => {
    const h = seed()
    h.feed({ type: 'accepted', conn: 'idle', remote: { ip: '127.0.0.66', port: 5555 } })
    join(h, 1)
    expect(h.machine.nextWakeAt()).toBe(h.now + UNREGISTERED_TIMEOUT_MS)
    const effects = h.tickAt(h.now + UNREGISTERED_TIMEOUT_MS)
    expect(closed(effects)).toEqual(['idle'])
    expect(h.machine.nextWakeAt()).toBeNull()
  })

  it('takes reports over a Hello-identified report channel, which is not a registration', () => {
    const h = seed()
    join(h, 1)
    h.feed({ type: 'closed', conn: 'i1' })
    h.feed({ type: 'accepted', conn: 'r', remote: { ip: '127.0.1.2', port: 40002 } })
    expect(events(h.feed({ type: 'line', conn: 'r', line: 'Hello:127.0.1.2:7000' }))).toEqual([])
    // Identified connections are not closed as idle.
    expect(h.machine.nextWakeAt()).toBeNull()
    const effects = h.feed({ type: 'line', conn: 'r', line: `Dead Node:127.0.1.1:7000:${h.now}:127.0.1.2` })
    expect(events(effects)).toEqual([{ type: 'seed.peer-removed', peer: '127.0.1.1:7000', reporter: '127.0.1.2:7000' }])
    h.feed({ type: 'accepted', conn: 'q', remote: { ip: '127.0.1.3', port: 40003 } })
    expect(sent(h.feed({ type: 'line', conn: 'q', line: 'Peer List Request:127.0.1.3:7000' }))).toEqual(['Peer List:1/1:'])
  })

  it('refuses peer-only messages and a second registration on one connection', () => {
    const h = seed()
    join(h, 1)
    for (const line of ['1800000000000:127.0.1.1:1', 'Hello:127.0.1.1:7000', 'Register:127.0.1.2:7000', 'Peer List:1/1:']) {
      expect(events(h.feed({ type: 'line', conn: 'i1', line }), 'frame.rejected')).toHaveLength(1)
      h.feed({ type: 'line', conn: 'i1', line: 'Degree:127.0.1.1:7000:1' })
    }
  })

  it('closes everything and exits 0 on stop, then ignores input', () => {
    const h = seed()
    join(h, 1)
    join(h, 2)
    const effects = h.feed({ type: 'stop' })
    expect(closed(effects).sort()).toEqual(['i1', 'i2'])
    expect(effects.at(-1)).toEqual({ type: 'exit', code: 0, reason: 'stopped' })
    expect(h.feed({ type: 'line', conn: 'i1', line: 'Peer List Request:127.0.1.1:7000' })).toEqual([])
    expect(h.machine.nextWakeAt()).toBeNull()
  })
})

describe('seed machine: incarnations and verification', () => {
  it('a later incarnation replaces the registration; an earlier one is refused', () => {
    const h = seed()
    h.feed({ type: 'accepted', conn: 'a', remote: { ip: '127.0.1.1', port: 40001 } })
    expect(events(h.feed({ type: 'line', conn: 'a', line: 'Register:127.0.1.1:7000:1000' }))).toEqual([
      { type: 'seed.registered', peer: '127.0.1.1:7000', incarnation: 1000 },
    ])
    h.feed({ type: 'accepted', conn: 'b', remote: { ip: '127.0.1.1', port: 40002 } })
    const restarted = h.feed({ type: 'line', conn: 'b', line: 'Register:127.0.1.1:7000:2000' })
    expect(sent(restarted, 'b')).toEqual(['Registered:127.0.1.1:7000'])
    expect(logs(restarted).some((l) => l.includes('restarted: incarnation 2000 replaces 1000'))).toBe(true)
    h.feed({ type: 'accepted', conn: 'c', remote: { ip: '127.0.1.1', port: 40003 } })
    const stale = h.feed({ type: 'line', conn: 'c', line: 'Register:127.0.1.1:7000:1000' })
    expect(sent(stale, 'c')).toEqual([])
    expect(events(stale, 'frame.rejected')).toHaveLength(1)
    join(h, 2)
    expect(sent(h.feed({ type: 'line', conn: 'i2', line: 'Peer List Request:127.0.1.2:7000' }))).toEqual(['Peer List:1/1:127.0.1.1:7000@0'])
  })

  it('a restart while a report about the old incarnation is verified confirms the report', () => {
    const h = seed()
    h.feed({ type: 'accepted', conn: 'a', remote: { ip: '127.0.1.1', port: 40001 } })
    h.feed({ type: 'line', conn: 'a', line: 'Register:127.0.1.1:7000:1000' })
    join(h, 2)
    h.feed({ type: 'line', conn: 'i2', line: `Dead Node:127.0.1.1:7000:${h.now}:127.0.1.2` })
    h.feed({ type: 'accepted', conn: 'b', remote: { ip: '127.0.1.1', port: 40002 } })
    const effects = h.feed({ type: 'line', conn: 'b', line: 'Register:127.0.1.1:7000:2000' })
    expect(events(effects)).toEqual([
      { type: 'seed.peer-removed', peer: '127.0.1.1:7000', reporter: '127.0.1.2:7000' },
      { type: 'seed.registered', peer: '127.0.1.1:7000', incarnation: 2000 },
    ])
    expect(closed(effects)).toEqual(['a'])
  })

  it('does not list a peer under verification until it answers', () => {
    const h = seed()
    join(h, 1)
    join(h, 2)
    join(h, 3)
    h.feed({ type: 'line', conn: 'i2', line: `Dead Node:127.0.1.1:7000:${h.now}:127.0.1.2` })
    const probe = sent(h.all, 'i1').find((l) => l.startsWith('Liveness Request:'))!
    expect(sent(h.feed({ type: 'line', conn: 'i3', line: 'Peer List Request:127.0.1.3:7000' }))).toEqual(['Peer List:1/1:127.0.1.2:7000@0'])
    const [, ts, ip] = probe.split(':')
    h.feed({ type: 'line', conn: 'i1', line: `Liveness Reply:${ts}:${ip}:127.0.1.1` })
    expect(listOf(sent(h.feed({ type: 'line', conn: 'i3', line: 'Peer List Request:127.0.1.3:7000' })))).toEqual(['127.0.1.1:7000@0', '127.0.1.2:7000@0'])
  })
})
