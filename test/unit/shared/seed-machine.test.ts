import { describe, expect, it } from 'vitest'
import type { Effect } from '../../../shared/protocol/machine'
import { seededRandom } from '../../../shared/protocol/rng'
import {
  BUSY_UNREGISTERED_TIMEOUT_MS,
  CONN_IDLE_MS,
  MAX_PEERS,
  MAX_PER_IP,
  ORPHAN_GRACE_MS,
  ORPHAN_PROBE_FACTOR,
  REGISTRATION_RESERVE,
  UNREGISTERED_TIMEOUT_MS,
  createSeedMachine,
} from '../../../shared/protocol/seed-machine'
import { MAX_PROBES } from '../../../shared/protocol/seed-probes'
import { Harness, closed, events, logs, sent, sha256 } from './helpers'

const SELF = { ip: '127.0.0.1', port: 6000 }
const VERIFY_MS = 500

function seed(maxConnections?: number) {
  const h = new Harness(
    createSeedMachine(
      { self: SELF, seeds: [SELF, { ip: '127.0.0.2', port: 6000 }], random: seededRandom(1), sha256 },
      { verifyTimeoutMs: VERIFY_MS, maxConnections },
    ),
  )
  h.feed({ type: 'start' })
  return h
}

/** The seed's probe dials in `effects`: [conn, IP:PORT dialled]. */
function dials(effects: Effect[]): Array<[string, string]> {
  return effects.flatMap((e) => (e.type === 'connect' ? [[e.conn, `${e.to.ip}:${e.to.port}`] as [string, string]] : []))
}

/** Plays the probed addresses: each dial connects and answers (or, with `answer` false, is refused). */
function answerProbes(h: Harness, effects: Effect[], answer = true): Effect[] {
  const out: Effect[] = []
  for (const [conn, to] of dials(effects)) {
    if (!answer) {
      out.push(...h.feed({ type: 'connect-failed', conn, reason: 'connection refused' }))
      continue
    }
    const request = sent(h.feed({ type: 'connected', conn }), conn)[0]!
    const [, ts, ip] = /^Liveness Request:(\d+):(.*)$/.exec(request)!
    out.push(...h.feed({ type: 'line', conn, line: `Liveness Reply:${ts}:${ip}:${to.split(':')[0]}` }))
    out.push(...h.feed({ type: 'closed', conn }))
  }
  return out
}

/** Accepts connection `conn` from the peer at 127.0.1.<n>:7000, registers it and answers the seed's probe. */
function join(h: Harness, n: number, conn = `i${n}`, ip = `127.0.1.${n}`, advance = true) {
  h.feed({ type: 'accepted', conn, remote: { ip, port: 40000 + n } })
  const effects = h.feed({ type: 'line', conn, line: `Register:${ip}:7000` })
  const all = [...effects, ...answerProbes(h, effects)]
  // Reports within one verification timeout of an answer are rejected without a probe.
  if (advance) h.now += VERIFY_MS
  return all
}

const listOf = (lines: string[]) =>
  lines.flatMap((l) => l.replace(/^Peer List:\d+\/\d+:/, '').split(',').filter((e) => e !== ''))

const ask = (h: Harness, conn: string, ip: string) => listOf(sent(h.feed({ type: 'line', conn, line: `Peer List Request:${ip}:7000` }), conn))

describe('seed machine', () => {
  it('lists a registration only after its own probe of the address answers', () => {
    const h = seed()
    h.feed({ type: 'accepted', conn: 'i1', remote: { ip: '127.0.1.1', port: 40001 } })
    const first = h.feed({ type: 'line', conn: 'i1', line: 'Register:127.0.1.1:7000' })
    expect(sent(first, 'i1')).toEqual([])
    expect(dials(first)).toEqual([['o1', '127.0.1.1:7000']])
    const t = h.now
    expect(sent(h.feed({ type: 'connected', conn: 'o1' }), 'o1')).toEqual([`Liveness Request:${t}:127.0.0.1`])
    join(h, 2, 'i2', '127.0.1.2', false)
    expect(ask(h, 'i2', '127.0.1.2')).toEqual([]) // not verified yet: not listed
    const reply = h.feed({ type: 'line', conn: 'o1', line: `Liveness Reply:${t}:127.0.0.1:127.0.1.1` })
    expect(sent(reply, 'i1')).toEqual(['Registered:127.0.1.1:7000'])
    expect(closed(reply)).toEqual(['o1'])
    expect(events(reply)).toEqual([{ type: 'seed.registered', peer: '127.0.1.1:7000' }])
    expect(ask(h, 'i2', '127.0.1.2')).toEqual(['127.0.1.1:7000@0'])
  })

  it('refuses a registration whose address does not answer, and closes that connection', () => {
    const h = seed()
    join(h, 2)
    h.feed({ type: 'accepted', conn: 'i1', remote: { ip: '127.0.1.1', port: 40001 } })
    const effects = h.feed({ type: 'line', conn: 'i1', line: 'Register:127.0.1.1:7000' })
    const refused = answerProbes(h, effects, false)
    expect(closed(refused)).toEqual(['i1'])
    expect(events(refused, 'frame.rejected')[0]).toMatchObject({ reason: expect.stringContaining('could not reach') })
    expect(ask(h, 'i2', '127.0.1.2')).toEqual([])
    // A silent listener (connects, never answers) is refused at the probe deadline.
    h.feed({ type: 'accepted', conn: 'i3', remote: { ip: '127.0.1.3', port: 40003 } })
    const probe = dials(h.feed({ type: 'line', conn: 'i3', line: 'Register:127.0.1.3:7000' }))[0]![0]
    h.feed({ type: 'connected', conn: probe })
    expect(closed(h.tickAt(h.now + VERIFY_MS - 1))).toEqual([])
    expect(closed(h.tickAt(h.now + 1)).sort()).toEqual(['i3', probe].sort())
  })

  it("refuses a Register for a seed's address or from another IP", () => {
    const h = seed()
    h.feed({ type: 'accepted', conn: 'x', remote: { ip: '127.0.0.2', port: 40000 } })
    const a = h.feed({ type: 'line', conn: 'x', line: 'Register:127.0.0.2:6000' })
    expect(events(a, 'frame.rejected')[0]).toMatchObject({ reason: expect.stringContaining("seed's address") })
    h.feed({ type: 'accepted', conn: 'y', remote: { ip: '127.0.0.66', port: 40000 } })
    const b = h.feed({ type: 'line', conn: 'y', line: 'Register:10.0.0.1:7000' })
    expect(events(b, 'frame.rejected')[0]).toMatchObject({ reason: expect.stringContaining('from another IP') })
    expect(dials([...a, ...b])).toEqual([])
  })

  it('lists every other registered peer once, never the asker, with degrees clamped to the list', () => {
    const h = seed()
    for (let n = 1; n <= 3; n++) join(h, n)
    h.feed({ type: 'line', conn: 'i3', line: 'Degree:127.0.1.3:7000:2' })
    h.feed({ type: 'line', conn: 'i2', line: 'Degree:127.0.1.2:7000:999999' })
    expect(ask(h, 'i1', '127.0.1.1')).toEqual(['127.0.1.2:7000@2', '127.0.1.3:7000@2'])
  })

  it('removes a peer reported on a connection that closes right after its only line (a report sent with no newline)', () => {
    const h = seed()
    join(h, 1)
    h.feed({ type: 'closed', conn: 'i1' })
    h.feed({ type: 'accepted', conn: 'r1', remote: { ip: '127.0.44.251', port: 40999 } })
    const report = h.feed({ type: 'line', conn: 'r1', line: 'Dead Node:127.0.1.1:7000:2026-11-29 13:24:44.123456:127.0.44.251' })
    h.feed({ type: 'closed', conn: 'r1' })
    // The seed's own probe of the reported address decides (here: nobody listens there).
    expect(events(answerProbes(h, report, false))).toContainEqual({ type: 'seed.peer-removed', peer: '127.0.1.1:7000', reporter: '127.0.44.251:40999' })
  })

  it('answers an empty list as one empty part', () => {
    const h = seed()
    join(h, 1)
    expect(sent(h.feed({ type: 'line', conn: 'i1', line: 'Peer List Request:127.0.1.1:7000' }))).toEqual(['Peer List:1/1:'])
  })

  it('splits a long list into parts', () => {
    const h = seed()
    for (let n = 1; n <= 250; n++) for (let m = 0; m < 10; m++) join(h, 0, `c${n}-${m}`, `127.2.${m}.${n}`, false)
    join(h, 1)
    const lines = sent(h.feed({ type: 'line', conn: 'i1', line: 'Peer List Request:127.0.1.1:7000' }))
    expect(lines.map((l) => l.slice(0, 14))).toEqual(['Peer List:1/3:', 'Peer List:2/3:', 'Peer List:3/3:'])
    const entries = listOf(lines)
    expect(entries).toHaveLength(2500)
    expect(new Set(entries).size).toBe(2500)
  })

  it('caps registrations per IP and the list size; a full list stays far below the 1 MiB write limit', () => {
    const h = seed()
    for (let port = 1; port <= MAX_PER_IP; port++) {
      h.feed({ type: 'accepted', conn: `p${port}`, remote: { ip: '127.3.0.1', port: 30000 + port } })
      answerProbes(h, h.feed({ type: 'line', conn: `p${port}`, line: `Register:127.3.0.1:${port}` }))
    }
    h.feed({ type: 'accepted', conn: 'over', remote: { ip: '127.3.0.1', port: 40000 } })
    const over = h.feed({ type: 'line', conn: 'over', line: 'Register:127.3.0.1:9999' })
    expect(closed(over)).toEqual(['over'])
    expect(dials(over)).toEqual([])
    let i = 0
    for (let n = MAX_PER_IP; n < MAX_PEERS; n++, i++) {
      const ip = `127.4.${Math.floor(i / 250)}.${(i % 250) + 1}`
      h.feed({ type: 'accepted', conn: `q${i}`, remote: { ip, port: 30000 } })
      answerProbes(h, h.feed({ type: 'line', conn: `q${i}`, line: `Register:${ip}:65535` }))
      h.feed({ type: 'line', conn: `q${i}`, line: `Degree:${ip}:65535:999999` })
    }
    h.feed({ type: 'accepted', conn: 'full', remote: { ip: '127.5.0.1', port: 30000 } })
    const full = h.feed({ type: 'line', conn: 'full', line: 'Register:127.5.0.1:7000' })
    expect(events(full, 'frame.rejected')[0]).toMatchObject({ reason: expect.stringContaining('Peer List is full') })
    h.feed({ type: 'accepted', conn: 'asker', remote: { ip: '127.5.0.2', port: 30000 } })
    const lines = sent(h.feed({ type: 'line', conn: 'asker', line: 'Peer List Request:127.5.0.2:7000' }))
    expect(listOf(lines)).toHaveLength(MAX_PEERS)
    expect(lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0)).toBeLessThan(512 * 1024)
  })

  it('takes Degree only from the connection that registered that peer', () => {
    const h = seed()
    join(h, 1)
    join(h, 2)
    const forged = h.feed({ type: 'line', conn: 'i2', line: 'Degree:127.0.1.1:7000:40' })
    expect(events(forged, 'frame.rejected')).toHaveLength(1)
    h.feed({ type: 'accepted', conn: 'i9', remote: { ip: '127.0.1.9', port: 1 } })
    expect(ask(h, 'i9', '127.0.1.9')).toEqual(['127.0.1.1:7000@0', '127.0.1.2:7000@0'])
  })

  it('keeps a live registration against a takeover from another connection, even from the same IP', () => {
    const h = seed()
    join(h, 1)
    join(h, 2)
    h.feed({ type: 'accepted', conn: 'evil', remote: { ip: '127.0.1.1', port: 50000 } })
    const hijack = h.feed({ type: 'line', conn: 'evil', line: 'Register:127.0.1.1:7000' })
    expect(closed(hijack)).toEqual(['evil'])
    expect(dials(hijack)).toEqual([])
    h.feed({ type: 'closed', conn: 'evil' })
    // A report from anyone is checked by dialling the victim, which answers.
    const report = h.feed({ type: 'line', conn: 'i2', line: `Dead Node:127.0.1.1:7000:${h.now}:127.0.1.2` })
    const kept = answerProbes(h, report)
    expect(events(kept)).toEqual([
      { type: 'seed.report-rejected', peer: '127.0.1.1:7000', reporter: '127.0.1.2:7000', reason: "peer answered the seed's liveness probe in 0 ms" },
    ])
    expect(ask(h, 'i2', '127.0.1.2')).toEqual(['127.0.1.1:7000@0'])
    // The victim's own connection still speaks for it.
    expect(events(h.feed({ type: 'line', conn: 'i1', line: 'Degree:127.0.1.1:7000:1' }))).toEqual([])
  })

  it('never removes on a report alone, even when the registration connection is closed: it probes the address', () => {
    const h = seed()
    join(h, 1)
    join(h, 2)
    h.feed({ type: 'closed', conn: 'i1' })
    expect(ask(h, 'i2', '127.0.1.2')).toEqual(['127.0.1.1:7000@0'])
    const report = h.feed({ type: 'line', conn: 'i2', line: `Dead Node:127.0.1.1:7000:${h.now}:127.0.1.2` })
    expect(logs(report)[0]).toBe(`Dead Node:127.0.1.1:7000:${h.now}:127.0.1.2 received from 127.0.1.2:7000`)
    expect(events(report)).toEqual([])
    expect(dials(report)).toEqual([[expect.any(String), '127.0.1.1:7000']])
    const removed = answerProbes(h, report, false)
    expect(events(removed)).toEqual([{ type: 'seed.peer-removed', peer: '127.0.1.1:7000', reporter: '127.0.1.2:7000' }])
    expect(ask(h, 'i2', '127.0.1.2')).toEqual([])
  })

  it('accepts the Disconnected Node prefix', () => {
    const h = seed()
    join(h, 1)
    join(h, 2)
    const report = h.feed({ type: 'line', conn: 'i2', line: `Disconnected Node:127.0.1.1:7000:${h.now}:127.0.1.2` })
    expect(events(answerProbes(h, report, false), 'seed.peer-removed')).toHaveLength(1)
  })

  it('removes a peer whose address does not answer two probes in a row, exactly at the deadline, and closes its connection', () => {
    const h = seed()
    join(h, 1)
    join(h, 2)
    const t = h.now
    const probe = dials(h.feed({ type: 'line', conn: 'i2', line: `Dead Node:127.0.1.1:7000:${t}:127.0.1.2` }))[0]![0]
    h.feed({ type: 'connected', conn: probe })
    h.feed({ type: 'line', conn: 'i3', line: 'ignored: no such connection' })
    expect(events(h.tickAt(t + VERIFY_MS - 1))).toEqual([])
    // A timeout (not a refusal) gets a second probe: a starved process can miss one deadline.
    const first = h.tickAt(t + VERIFY_MS)
    expect(events(first)).toEqual([])
    const second = dials(first)[0]![0]
    h.feed({ type: 'connected', conn: second })
    expect(events(h.tickAt(t + 2 * VERIFY_MS - 1))).toEqual([])
    const effects = h.tickAt(t + 2 * VERIFY_MS)
    expect(events(effects)).toEqual([{ type: 'seed.peer-removed', peer: '127.0.1.1:7000', reporter: '127.0.1.2:7000' }])
    // Closing its registration connection tells a live (but stalled) peer it is no longer listed.
    expect(closed(effects).sort()).toEqual(['i1', second].sort())
  })

  it('takes a probe dial that timed out (a slow or cut-off host) as a timeout, not a refusal: it probes once more', () => {
    const h = seed()
    join(h, 1)
    join(h, 2)
    const probe = dials(h.feed({ type: 'line', conn: 'i2', line: `Dead Node:127.0.1.1:7000:${h.now}:127.0.1.2` }))[0]![0]
    const first = h.feed({ type: 'connect-failed', conn: probe, reason: 'no answer within 3000 ms', timedOut: true })
    expect(events(first)).toEqual([])
    const second = dials(first)
    expect(second).toEqual([[expect.any(String), '127.0.1.1:7000']])
    // The second probe is answered: the peer stays, the report is rejected.
    const kept = answerProbes(h, first)
    expect(events(kept, 'seed.report-rejected')).toHaveLength(1)
    expect(events(kept, 'seed.peer-removed')).toEqual([])
    // A refused dial is definitive: removed at once.
    h.now += VERIFY_MS
    const report = h.feed({ type: 'line', conn: 'i2', line: `Dead Node:127.0.1.1:7000:${h.now}:127.0.1.2` })
    expect(events(answerProbes(h, report, false), 'seed.peer-removed')).toHaveLength(1)
  })

  it('drops the queued probe of a registrant that left before it was verified', () => {
    const h = seed()
    const ip = (n: number) => `127.1.${Math.floor(n / 200)}.${(n % 200) + 1}`
    // Fill the probe slots with registrations whose probes stay unanswered.
    for (let n = 1; n <= MAX_PROBES; n++) {
      h.feed({ type: 'accepted', conn: `i${n}`, remote: { ip: ip(n), port: 40000 } })
      expect(dials(h.feed({ type: 'line', conn: `i${n}`, line: `Register:${ip(n)}:7000` }))).toHaveLength(1)
    }
    // Two more wait their turn; one of them gives up and closes its connection.
    const [a, b] = [MAX_PROBES + 1, MAX_PROBES + 2]
    for (const n of [a, b]) {
      h.feed({ type: 'accepted', conn: `i${n}`, remote: { ip: ip(n), port: 40000 } })
      expect(dials(h.feed({ type: 'line', conn: `i${n}`, line: `Register:${ip(n)}:7000` }))).toEqual([])
    }
    h.feed({ type: 'closed', conn: `i${a}` })
    // Freeing two slots dials only the registrant still waiting.
    const freed = [...h.feed({ type: 'closed', conn: 'i1' }), ...h.feed({ type: 'closed', conn: 'i2' })]
    expect(dials(freed).map(([, to]) => to)).toEqual([`${ip(b)}:7000`])
  })

  it('answers reports right after a successful probe without probing again, and joins reports to a probe in flight', () => {
    const h = seed()
    join(h, 1)
    join(h, 2)
    join(h, 3)
    const report = h.feed({ type: 'line', conn: 'i2', line: `Dead Node:127.0.1.1:7000:${h.now}:127.0.1.2` })
    expect(dials(h.feed({ type: 'line', conn: 'i3', line: `Dead Node:127.0.1.1:7000:${h.now}:127.0.1.3` }))).toEqual([])
    const kept = answerProbes(h, report)
    expect(events(kept).map((e) => (e as { reporter: string }).reporter)).toEqual(['127.0.1.2:7000', '127.0.1.3:7000'])
    h.now += VERIFY_MS - 1
    const again = h.feed({ type: 'line', conn: 'i2', line: `Dead Node:127.0.1.1:7000:${h.now}:127.0.1.2` })
    expect(dials(again)).toEqual([])
    expect(events(again, 'seed.report-rejected')).toHaveLength(1)
  })

  it('probes a peer whose registration connection closed if no report came, and removes it if it is gone', () => {
    const h = seed()
    join(h, 1)
    join(h, 2)
    const t = h.now
    h.feed({ type: 'closed', conn: 'i1' })
    expect(h.machine.nextWakeAt()).toBe(t + ORPHAN_PROBE_FACTOR * VERIFY_MS)
    const probe = h.tickAt(t + ORPHAN_PROBE_FACTOR * VERIFY_MS)
    expect(dials(probe)).toEqual([[expect.any(String), '127.0.1.1:7000']])
    const removed = answerProbes(h, probe, false)
    expect(events(removed)).toEqual([{ type: 'seed.peer-removed', peer: '127.0.1.1:7000', reporter: '127.0.0.1:6000' }])
  })

  it('unlists an address that answers but whose owner never registers again, and keeps one that does', () => {
    const h = seed()
    join(h, 1)
    join(h, 2)
    const t = h.now
    h.feed({ type: 'closed', conn: 'i1' })
    h.feed({ type: 'closed', conn: 'i2' })
    answerProbes(h, h.tickAt(t + ORPHAN_PROBE_FACTOR * VERIFY_MS))
    h.now = t + 10_000
    join(h, 2, 'i2b') // the owner reconnects and registers again on a new connection
    const late = h.advanceTo(t + ORPHAN_GRACE_MS + 1)
    expect(events(late)).toEqual([{ type: 'seed.peer-removed', peer: '127.0.1.1:7000', reporter: '127.0.0.1:6000' }])
    h.feed({ type: 'accepted', conn: 'i9', remote: { ip: '127.0.1.9', port: 1 } })
    expect(ask(h, 'i9', '127.0.1.9')).toEqual(['127.0.1.2:7000@0'])
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

  it('reports repeated refusals of one cause at most once a second, with a count', () => {
    const h = seed()
    for (let i = 0; i < 50; i++) {
      h.feed({ type: 'accepted', conn: `b${i}`, remote: { ip: '127.0.0.66', port: 5000 + i } })
      h.feed({ type: 'line', conn: `b${i}`, line: `junk ${i}` })
    }
    expect(events(h.all, 'frame.rejected')).toHaveLength(1)
    h.now += 1000
    h.feed({ type: 'accepted', conn: 'b', remote: { ip: '127.0.0.66', port: 6000 } })
    const next = events(h.feed({ type: 'line', conn: 'b', line: 'junk again' }), 'frame.rejected')
    expect(next).toEqual([expect.objectContaining({ reason: expect.stringContaining('and 49 more like it suppressed') })])
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
    const t = h.now
    join(h, 1)
    expect(h.machine.nextWakeAt()).toBe(t + UNREGISTERED_TIMEOUT_MS)
    const effects = h.tickAt(t + UNREGISTERED_TIMEOUT_MS)
    expect(closed(effects)).toEqual(['idle'])
  })

  it('asks silent registration and report connections a Liveness Request and closes those that do not answer', () => {
    const h = seed()
    const t = h.now
    join(h, 1, 'i1', '127.0.1.1', false)
    h.feed({ type: 'accepted', conn: 'r', remote: { ip: '127.0.1.2', port: 40002 } })
    h.feed({ type: 'line', conn: 'r', line: 'Hello:127.0.1.2:7000' })
    expect(sent(h.advanceTo(t + CONN_IDLE_MS - 1))).toEqual([])
    const pings = h.advanceTo(t + CONN_IDLE_MS)
    const [ping] = sent(pings, 'i1')
    expect(ping).toMatch(/^Liveness Request:\d+:127\.0\.0\.1$/)
    expect(sent(pings, 'r')).toHaveLength(1)
    h.feed({ type: 'line', conn: 'i1', line: ping!.replace('Request', 'Reply') + ':127.0.1.1' })
    const verdict = h.advanceTo(h.now + VERIFY_MS)
    expect(closed(verdict)).toEqual(['r'])
    expect(closed(h.advanceTo(h.now + 3 * CONN_IDLE_MS))).toContain('i1') // silent again, no answer
  })

  it('keeps the last connection slots for registrations: no report channels there, and a shorter deadline', () => {
    const max = REGISTRATION_RESERVE + 4
    const h = seed(max)
    for (let n = 1; n <= 4; n++) {
      h.feed({ type: 'accepted', conn: `r${n}`, remote: { ip: `127.0.2.${n}`, port: 40000 } })
      expect(closed(h.feed({ type: 'line', conn: `r${n}`, line: `Hello:127.0.2.${n}:7000` }))).toEqual([])
    }
    h.feed({ type: 'accepted', conn: 'r5', remote: { ip: '127.0.2.5', port: 40000 } })
    expect(closed(h.feed({ type: 'line', conn: 'r5', line: 'Hello:127.0.2.5:7000' }))).toEqual(['r5'])
    h.feed({ type: 'accepted', conn: 'slow', remote: { ip: '127.0.2.6', port: 40000 } })
    expect(h.machine.nextWakeAt()).toBe(h.now + BUSY_UNREGISTERED_TIMEOUT_MS)
    const registered = join(h, 1)
    expect(sent(registered, 'i1')).toEqual(['Registered:127.0.1.1:7000'])
  })

  it('keeps one report channel per identity and refuses one for another IP', () => {
    const h = seed()
    h.feed({ type: 'accepted', conn: 'r1', remote: { ip: '127.0.1.2', port: 40002 } })
    h.feed({ type: 'line', conn: 'r1', line: 'Hello:127.0.1.2:7000' })
    h.feed({ type: 'accepted', conn: 'r2', remote: { ip: '127.0.1.2', port: 40003 } })
    expect(closed(h.feed({ type: 'line', conn: 'r2', line: 'Hello:127.0.1.2:7000' }))).toEqual(['r1'])
    h.feed({ type: 'accepted', conn: 'r3', remote: { ip: '127.0.1.3', port: 40003 } })
    expect(events(h.feed({ type: 'line', conn: 'r3', line: 'Hello:127.0.1.2:7000' }), 'frame.rejected')).toHaveLength(1)
  })

  it('takes reports over a Hello-identified report channel, which is not a registration', () => {
    const h = seed()
    join(h, 1)
    h.feed({ type: 'closed', conn: 'i1' })
    h.feed({ type: 'accepted', conn: 'r', remote: { ip: '127.0.1.2', port: 40002 } })
    expect(events(h.feed({ type: 'line', conn: 'r', line: 'Hello:127.0.1.2:7000' }))).toEqual([])
    const report = h.feed({ type: 'line', conn: 'r', line: `Dead Node:127.0.1.1:7000:${h.now}:127.0.1.2` })
    expect(events(answerProbes(h, report, false))).toEqual([{ type: 'seed.peer-removed', peer: '127.0.1.1:7000', reporter: '127.0.1.2:7000' }])
    h.feed({ type: 'accepted', conn: 'q', remote: { ip: '127.0.1.3', port: 40003 } })
    expect(sent(h.feed({ type: 'line', conn: 'q', line: 'Peer List Request:127.0.1.3:7000' }))).toEqual(['Peer List:1/1:'])
  })

  it('refuses peer-only messages and a second registration on one connection', () => {
    const h = seed()
    join(h, 1)
    for (const line of ['1800000000000:127.0.1.1:1', 'Hello:127.0.1.1:7000', 'Register:127.0.1.2:7000', 'Peer List:1/1:']) {
      h.now += 1000 // past the per-cause log limit
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
  /** Registers 127.0.1.1:7000 with `incarnation` on `conn`, answering the seed's probe. */
  function register(h: Harness, conn: string, port: number, incarnation: number, answer = true) {
    h.feed({ type: 'accepted', conn, remote: { ip: '127.0.1.1', port } })
    const effects = h.feed({ type: 'line', conn, line: `Register:127.0.1.1:7000:${incarnation}` })
    return [...effects, ...(answer ? answerProbes(h, effects) : [])]
  }

  it('a later incarnation replaces the registration once the old connection is gone; an earlier one is refused', () => {
    const h = seed()
    expect(events(register(h, 'a', 40001, 1000))).toEqual([{ type: 'seed.registered', peer: '127.0.1.1:7000', incarnation: 1000 }])
    // While the old process's connection is open, nobody takes its entry over.
    expect(closed(register(h, 'x', 40009, 3000))).toEqual(['x'])
    h.feed({ type: 'closed', conn: 'a' })
    const restarted = register(h, 'b', 40002, 2000)
    expect(sent(restarted, 'b')).toEqual(['Registered:127.0.1.1:7000'])
    expect(logs(restarted).some((l) => l.includes('restarted: incarnation 2000 replaces 1000'))).toBe(true)
    h.feed({ type: 'closed', conn: 'b' })
    h.now += 1000 // past the per-cause limit on refusal reports
    const stale = register(h, 'c', 40003, 1000)
    expect(sent(stale, 'c')).toEqual([])
    expect(events(stale, 'frame.rejected')).toHaveLength(1)
    join(h, 2)
    expect(sent(h.feed({ type: 'line', conn: 'i2', line: 'Peer List Request:127.0.1.2:7000' }))).toEqual(['Peer List:1/1:127.0.1.1:7000@0'])
  })

  it('a restart while a report about the old incarnation is verified confirms the report', () => {
    const h = seed()
    register(h, 'a', 40001, 1000)
    join(h, 2)
    h.feed({ type: 'closed', conn: 'a' })
    const report = h.feed({ type: 'line', conn: 'i2', line: `Dead Node:127.0.1.1:7000:${h.now}:127.0.1.2` })
    const effects = register(h, 'b', 40002, 2000)
    // The probe already dialling that address settles the new registration.
    expect(events([...effects, ...answerProbes(h, report)])).toEqual([
      { type: 'seed.peer-removed', peer: '127.0.1.1:7000', reporter: '127.0.1.2:7000' },
      { type: 'seed.registered', peer: '127.0.1.1:7000', incarnation: 2000 },
    ])
  })

  it('does not list a peer under verification until it answers', () => {
    const h = seed()
    join(h, 1)
    join(h, 2)
    join(h, 3)
    const report = h.feed({ type: 'line', conn: 'i2', line: `Dead Node:127.0.1.1:7000:${h.now}:127.0.1.2` })
    expect(sent(h.feed({ type: 'line', conn: 'i3', line: 'Peer List Request:127.0.1.3:7000' }))).toEqual(['Peer List:1/1:127.0.1.2:7000@0'])
    answerProbes(h, report)
    expect(listOf(sent(h.feed({ type: 'line', conn: 'i3', line: 'Peer List Request:127.0.1.3:7000' })))).toEqual(['127.0.1.1:7000@0', '127.0.1.2:7000@0'])
  })
})
