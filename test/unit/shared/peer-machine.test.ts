import { describe, expect, it } from 'vitest'
import type { Effect } from '../../../shared/protocol/machine'
import { MESSAGE_MAX_AGE_MS } from '../../../shared/protocol/message-list'
import { chooseNeighbours } from '../../../shared/protocol/neighbour-choice'
import { HELLO_TIMEOUT_MS, JOIN_RETRY_MS, SEED_TIMEOUT_MS, createPeerMachine } from '../../../shared/protocol/peer-machine'
import { seededRandom } from '../../../shared/protocol/rng'
import { Harness, closed, events, logs, sent, sha256 } from './helpers'

const SELF = { ip: '127.0.1.1', port: 7000 }
const SEEDS = [1, 2, 3].map((n) => ({ ip: `127.0.0.${n}`, port: 6000 }))
const GOSSIP_MS = 100
const LIVENESS_MS = 260

function peer(
  options: { maxLinks?: number; gossipCount?: number; topology?: 'powerlaw' | 'random'; rng?: number; livenessMs?: number } = {},
) {
  const machine = createPeerMachine(
    { self: SELF, seeds: SEEDS, random: seededRandom(options.rng ?? 7), sha256 },
    {
      intervals: { gossipMs: GOSSIP_MS, livenessMs: options.livenessMs ?? LIVENESS_MS },
      gossipCount: options.gossipCount ?? 3,
      livenessMisses: 3,
      maxLinks: options.maxLinks ?? 2,
      topology: options.topology ?? 'random',
    },
  )
  return new Harness(machine)
}

const connects = (effects: Effect[], to: 'seeds' | 'peers' | 'all' = 'all') =>
  effects.flatMap((e) => {
    if (e.type !== 'connect') return []
    const isSeed = e.to.port === 6000
    if ((to === 'seeds' && !isSeed) || (to === 'peers' && isSeed)) return []
    return [{ conn: e.conn, to: `${e.to.ip}:${e.to.port}` }]
  })
/** New links dialed (not connections to seeds). */
const dialsIn = (effects: Effect[]) => connects(effects, 'peers')

/** Starts the peer and lets the seeds it picked answer with `list`; returns its seed conns and dials. */
function joined(h: Harness, list = '') {
  const seedConns = connects(h.feed({ type: 'start' }))
  const after: Effect[] = []
  for (const { conn } of seedConns) {
    h.feed({ type: 'connected', conn })
    h.feed({ type: 'line', conn, line: 'Registered:127.0.1.1:7000' })
    after.push(...h.feed({ type: 'line', conn, line: `Peer List:1/1:${list}` }))
  }
  // The seed it did not register with gets a report channel, opened with Hello.
  const report = connects(after, 'seeds')
  for (const { conn } of report) after.push(...h.feed({ type: 'connected', conn }))
  return { seedConns: seedConns.map((c) => c.conn), reportConns: report.map((c) => c.conn), dials: dialsIn(after), effects: after }
}

/** Completes the Hello exchange on each dial. */
function linkAll(h: Harness, dials: Array<{ conn: string; to: string }>) {
  const effects: Effect[] = []
  for (const { conn, to } of dials) {
    effects.push(...h.feed({ type: 'connected', conn }))
    effects.push(...h.feed({ type: 'line', conn, line: `Hello:${to}` }))
  }
  return effects
}

describe('peer machine: joining', () => {
  it('registers with a random majority of seeds and asks each for its list', () => {
    const h = peer()
    const dials = connects(h.feed({ type: 'start' }))
    expect(dials).toHaveLength(2)
    expect(new Set(dials.map((d) => d.to)).size).toBe(2)
    expect(dials.map((d) => d.conn)).toEqual(['o1', 'o2'])
    expect(sent(h.feed({ type: 'connected', conn: 'o1' }))).toEqual(['Register:127.0.1.1:7000:1800000000000', 'Peer List Request:127.0.1.1:7000'])
  })

  it('picks different seed majorities with different rng seeds', () => {
    const picks = new Set<string>()
    for (let rng = 1; rng <= 20; rng++) {
      const h = peer({ rng })
      picks.add(connects(h.feed({ type: 'start' })).map((d) => d.to).sort().join(' '))
    }
    expect(picks.size).toBe(3)
  })

  it('logs each seed\'s list, takes the union without itself and dials maxLinks of them', () => {
    const h = peer({ maxLinks: 2 })
    const seedConns = connects(h.feed({ type: 'start' }))
    const all: Effect[] = []
    const lists = ['127.0.2.1:7000@0,127.0.2.2:7000@1', '127.0.2.2:7000@3,127.0.1.1:7000@0,127.0.2.3:7000@0']
    seedConns.forEach(({ conn }, i) => {
      h.feed({ type: 'connected', conn })
      all.push(...h.feed({ type: 'line', conn, line: 'Registered:127.0.1.1:7000' }))
      all.push(...h.feed({ type: 'line', conn, line: `Peer List:1/1:${lists[i]}` }))
    })
    expect(events(all, 'peer.registered')).toHaveLength(2)
    expect(events(all, 'peer.peer-list').map((e) => (e.type === 'peer.peer-list' ? e.peers : []))).toEqual([
      ['127.0.2.1:7000', '127.0.2.2:7000'],
      ['127.0.2.2:7000', '127.0.1.1:7000', '127.0.2.3:7000'],
    ])
    expect(logs(all).filter((l) => l.startsWith('Peer list from seed'))).toHaveLength(2)
    const dials = dialsIn(all)
    expect(dials).toHaveLength(2)
    expect(dials.every((d) => ['127.0.2.1:7000', '127.0.2.2:7000', '127.0.2.3:7000'].includes(d.to))).toBe(true)
    expect(new Set(dials.map((d) => d.to)).size).toBe(2)
  })

  it('after joining opens a report channel (Hello, no Register) to the seed it did not register with', () => {
    const h = peer()
    const { seedConns, reportConns, effects } = joined(h)
    expect(reportConns).toHaveLength(1)
    expect(seedConns).not.toContain(reportConns[0])
    expect(sent(effects, reportConns[0])).toEqual(['Hello:127.0.1.1:7000:1800000000000'])
  })

  it('reconnects a report channel the seed keeps closing after 2, 4, 8... s, and starts over once one lasted a minute', () => {
    const h = peer({ livenessMs: 1_000_000 })
    let [conn] = joined(h).reportConns
    const reconnectAfter = (wait: number) => {
      h.feed({ type: 'closed', conn: conn! })
      expect(connects(h.tickAt(h.now + wait - 1))).toEqual([])
      const again = connects(h.tickAt(h.now + 1))
      expect(again, `reconnects ${wait} ms later`).toHaveLength(1)
      conn = again[0]!.conn
      expect(sent(h.feed({ type: 'connected', conn }), conn)).toEqual(['Hello:127.0.1.1:7000:1800000000000'])
    }
    // A seed at its connection cap closes the channel at its Hello: the waits grow.
    for (const wait of [JOIN_RETRY_MS, 2 * JOIN_RETRY_MS, 4 * JOIN_RETRY_MS]) reconnectAfter(wait)
    // This one stays open for a minute before it ends: a new outage, the wait starts over.
    h.tickAt(h.now + 60_000)
    reconnectAfter(JOIN_RETRY_MS)
  })

  it('retries a failed join after 2, 4, 8... s (a seed busy with a wave of joiners is not asked again at once)', () => {
    const h = peer({ livenessMs: 100_000 })
    let dials = connects(h.feed({ type: 'start' }))
    for (const wait of [JOIN_RETRY_MS, 2 * JOIN_RETRY_MS, 4 * JOIN_RETRY_MS]) {
      // Every seed dialed refuses: the join fails.
      let failed: Effect[] = []
      for (const { conn } of dials) failed = h.feed({ type: 'connect-failed', conn, reason: 'ECONNREFUSED' })
      expect(events(failed, 'node.warning').map((e) => (e as { message: string }).message)).toContain(`registered with 0 of the 2 seeds needed; retrying in ${wait} ms`)
      expect(h.machine.nextWakeAt()).toBe(h.now + wait)
      dials = connects(h.tickAt(h.now + wait))
      expect(dials).toHaveLength(2)
    }
  })

  it('reconnects and re-registers after joining when a seed connection ends, backing off', () => {
    const h = peer({ maxLinks: 1, gossipCount: 0, livenessMs: 3_600_000 })
    const { seedConns, dials } = joined(h, '127.0.2.1:7000@0')
    linkAll(h, dials)
    const lostAt = h.now
    const lost = h.feed({ type: 'closed', conn: seedConns[0]! })
    expect(events(lost, 'node.warning')).toHaveLength(1)
    expect(h.machine.nextWakeAt()).toBe(lostAt + JOIN_RETRY_MS)
    const retry = connects(h.tickAt(lostAt + JOIN_RETRY_MS), 'seeds')
    expect(retry).toHaveLength(1)
    // Refused again: the next try waits twice as long, without another warning.
    const refused = h.feed({ type: 'connect-failed', conn: retry[0]!.conn, reason: 'ECONNREFUSED' })
    expect(events(refused, 'node.warning')).toEqual([])
    expect(h.machine.nextWakeAt()).toBe(h.now + 2 * JOIN_RETRY_MS)
    const again = connects(h.tickAt(h.now + 2 * JOIN_RETRY_MS), 'seeds')
    expect(sent(h.feed({ type: 'connected', conn: again[0]!.conn }))).toEqual(['Register:127.0.1.1:7000:1800000000000'])
    const back = h.feed({ type: 'line', conn: again[0]!.conn, line: 'Registered:127.0.1.1:7000' })
    expect(events(back, 'peer.registered')).toHaveLength(1)
    expect(sent(back)).toEqual(['Degree:127.0.1.1:7000:1'])
  })

  it('reassembles a list sent in parts before acting on it', () => {
    const h = peer({ maxLinks: 5 })
    const seedConns = connects(h.feed({ type: 'start' }))
    for (const { conn } of seedConns) {
      h.feed({ type: 'connected', conn })
      h.feed({ type: 'line', conn, line: 'Registered:127.0.1.1:7000' })
    }
    const [a, b] = seedConns
    expect(dialsIn(h.feed({ type: 'line', conn: a!.conn, line: 'Peer List:1/2:127.0.2.1:7000@0' }))).toEqual([])
    h.feed({ type: 'line', conn: a!.conn, line: 'Peer List:2/2:127.0.2.2:7000@0' })
    const effects = h.feed({ type: 'line', conn: b!.conn, line: 'Peer List:1/1:' })
    expect(dialsIn(effects).map((d) => d.to).sort()).toEqual(['127.0.2.1:7000', '127.0.2.2:7000'])
  })

  it('waits for a majority: a failed seed is logged and replaced on retry', () => {
    const h = peer()
    const [a, b] = connects(h.feed({ type: 'start' }))
    h.feed({ type: 'connected', conn: a!.conn })
    h.feed({ type: 'line', conn: a!.conn, line: 'Registered:127.0.1.1:7000' })
    h.feed({ type: 'line', conn: a!.conn, line: 'Peer List:1/1:127.0.2.1:7000@0' })
    const failed = h.feed({ type: 'connect-failed', conn: b!.conn, reason: 'ECONNREFUSED' })
    expect(events(failed, 'node.warning').length).toBeGreaterThan(0)
    expect(connects(failed)).toEqual([])
    expect(h.machine.nextWakeAt()).toBe(h.now + JOIN_RETRY_MS)
    const retry = h.tickAt(h.now + JOIN_RETRY_MS)
    const third = connects(retry)
    expect(third).toHaveLength(1)
    expect(third[0]!.to).not.toBe(a!.to)
    h.feed({ type: 'connected', conn: third[0]!.conn })
    h.feed({ type: 'line', conn: third[0]!.conn, line: 'Registered:127.0.1.1:7000' })
    const done = h.feed({ type: 'line', conn: third[0]!.conn, line: 'Peer List:1/1:' })
    expect(dialsIn(done).map((d) => d.to)).toEqual(['127.0.2.1:7000'])
  })

  it('at the timeout drops a seed it could not connect to, keeps waiting for a connected silent one and registers with the untried seed meanwhile', () => {
    const h = peer()
    const [a, b] = connects(h.feed({ type: 'start' }))
    const start = h.now
    h.feed({ type: 'connected', conn: a!.conn })
    expect(h.machine.nextWakeAt()).toBe(start + SEED_TIMEOUT_MS)
    const timeout = h.tickAt(start + SEED_TIMEOUT_MS)
    // b never connected: closed. a is connected: kept. The third seed is asked too.
    expect(closed(timeout)).toEqual([b!.conn])
    const [c] = connects(timeout)
    expect(c!.to).not.toBe(a!.to)
    expect(c!.to).not.toBe(b!.to)
    expect(JSON.stringify(events(timeout, 'node.warning'))).toMatch(/have not answered within 5000 ms; waiting up to 520 ms for them; registering with/)
    // The first majority to answer (a, then c) completes the join: b gets a report channel.
    h.feed({ type: 'connected', conn: c!.conn })
    const done: Effect[] = []
    for (const conn of [a!.conn, c!.conn]) {
      done.push(...h.feed({ type: 'line', conn, line: 'Peer List:1/1:' }))
      done.push(...h.feed({ type: 'line', conn, line: 'Registered:127.0.1.1:7000' }))
    }
    expect(events(done, 'peer.registered').map((e) => (e as { seed?: string }).seed).sort()).toEqual([a!.to, c!.to].sort())
    expect(connects(done, 'seeds').map((d) => d.to)).toEqual([b!.to])
    expect(closed(done)).toEqual([])
    expect(JSON.stringify(events(h.tickAt(start + SEED_TIMEOUT_MS + 2 * LIVENESS_MS), 'node.warning'))).not.toMatch(/retrying/)
  })

  it('gives up on seeds still silent at the end of the verification window and retries', () => {
    const h = peer()
    const [a, b] = connects(h.feed({ type: 'start' }))
    const start = h.now
    h.feed({ type: 'connected', conn: a!.conn })
    h.feed({ type: 'connected', conn: b!.conn })
    const timeout = h.tickAt(start + SEED_TIMEOUT_MS)
    expect(closed(timeout)).toEqual([])
    const [c] = connects(timeout)
    h.feed({ type: 'connected', conn: c!.conn })
    expect(h.machine.nextWakeAt()).toBe(start + SEED_TIMEOUT_MS + 2 * LIVENESS_MS)
    const end = h.tickAt(start + SEED_TIMEOUT_MS + 2 * LIVENESS_MS)
    expect(closed(end).sort()).toEqual([a!.conn, b!.conn, c!.conn].sort())
    expect(JSON.stringify(events(end, 'node.warning'))).toMatch(/retrying in 2000 ms/)
    expect(connects(h.tickAt(start + SEED_TIMEOUT_MS + 2 * LIVENESS_MS + JOIN_RETRY_MS))).toHaveLength(2)
  })
})

describe('peer machine: links', () => {
  it('exchanges Hello, reports link-up and its new degree to its seeds', () => {
    const h = peer({ maxLinks: 1 })
    const { seedConns, dials } = joined(h, '127.0.2.1:7000@0')
    expect(sent(h.feed({ type: 'connected', conn: dials[0]!.conn }))).toEqual(['Hello:127.0.1.1:7000:1800000000000'])
    const up = h.feed({ type: 'line', conn: dials[0]!.conn, line: 'Hello:127.0.2.1:7000' })
    expect(events(up, 'peer.link-up')).toEqual([{ type: 'peer.link-up', peer: '127.0.2.1:7000', initiator: true }])
    for (const conn of seedConns) expect(sent(up, conn)).toEqual(['Degree:127.0.1.1:7000:1'])
  })

  it('accepts incoming links without a cap and answers their Hello', () => {
    const h = peer({ maxLinks: 1 })
    joined(h)
    for (let n = 1; n <= 10; n++) {
      h.feed({ type: 'accepted', conn: `i${n}`, remote: { ip: `127.0.3.${n}`, port: 50000 } })
      const effects = h.feed({ type: 'line', conn: `i${n}`, line: `Hello:127.0.3.${n}:7000` })
      expect(sent(effects, `i${n}`)).toEqual(['Hello:127.0.1.1:7000:1800000000000'])
      expect(events(effects, 'peer.link-up')).toEqual([{ type: 'peer.link-up', peer: `127.0.3.${n}:7000`, initiator: false }])
    }
  })

  it('refuses a dialed peer that answers with another address', () => {
    const h = peer({ maxLinks: 1 })
    const { dials } = joined(h, '127.0.2.1:7000@0')
    h.feed({ type: 'connected', conn: dials[0]!.conn })
    const effects = h.feed({ type: 'line', conn: dials[0]!.conn, line: 'Hello:127.0.2.9:7000' })
    expect(events(effects, 'frame.rejected')).toHaveLength(1)
    expect(events(effects, 'peer.link-failed')).toHaveLength(1)
    expect(closed(effects)).toEqual([dials[0]!.conn])
  })

  it('gives up a dial that never says Hello and replaces it from the list', () => {
    const h = peer({ maxLinks: 1 })
    const { dials } = joined(h, '127.0.2.1:7000@0,127.0.2.2:7000@0')
    expect(dials).toHaveLength(1)
    h.feed({ type: 'connected', conn: dials[0]!.conn })
    expect(h.machine.nextWakeAt()).toBe(h.now + HELLO_TIMEOUT_MS)
    const effects = h.tickAt(h.now + HELLO_TIMEOUT_MS)
    expect(events(effects, 'peer.link-failed')).toHaveLength(1)
    const next = dialsIn(effects)
    expect(next).toHaveLength(1)
    expect(next[0]!.to).not.toBe(dials[0]!.to)
  })

  it('keeps one link when two peers dial each other at once (the smaller id\'s dial wins)', () => {
    // Self 127.0.1.1:7000 < 127.0.2.1:7000: our dial survives, their incoming one is closed.
    const h = peer({ maxLinks: 1 })
    const { dials } = joined(h, '127.0.2.1:7000@0')
    h.feed({ type: 'connected', conn: dials[0]!.conn })
    h.feed({ type: 'accepted', conn: 'i1', remote: { ip: '127.0.2.1', port: 50000 } })
    expect(closed(h.feed({ type: 'line', conn: 'i1', line: 'Hello:127.0.2.1:7000' }))).toEqual(['i1'])
    const up = h.feed({ type: 'line', conn: dials[0]!.conn, line: 'Hello:127.0.2.1:7000' })
    expect(events(up, 'peer.link-up')).toHaveLength(1)
    // And the other way round: a larger id's dial gives way to the incoming one.
    const g = peer({ maxLinks: 1 })
    const other = joined(g, '127.0.0.200:7000@0')
    g.feed({ type: 'connected', conn: other.dials[0]!.conn })
    g.feed({ type: 'accepted', conn: 'i1', remote: { ip: '127.0.0.200', port: 50000 } })
    const effects = g.feed({ type: 'line', conn: 'i1', line: 'Hello:127.0.0.200:7000' })
    expect(closed(effects)).toEqual([other.dials[0]!.conn])
    expect(events(effects, 'peer.link-up')).toEqual([{ type: 'peer.link-up', peer: '127.0.0.200:7000', initiator: false }])
  })
})

describe('peer machine: gossip', () => {
  function linkedPeer(gossipCount = 3) {
    const h = peer({ maxLinks: 2, gossipCount })
    const { dials } = joined(h, '127.0.2.1:7000@0,127.0.2.2:7000@0')
    linkAll(h, dials)
    const linkedAt = h.now
    return { h, dials, linkedAt }
  }

  it('creates gossipCount messages, the first 1-2 intervals after linking (random phase) and then one per interval, text exactly <ts>:<ip>:<n>', () => {
    const { h, dials, linkedAt } = linkedPeer(3)
    const firstAt = h.machine.nextWakeAt()!
    expect(firstAt).toBeGreaterThanOrEqual(linkedAt + GOSSIP_MS)
    expect(firstAt).toBeLessThan(linkedAt + 2 * GOSSIP_MS)
    const created: string[] = []
    for (let i = 1; i <= 3; i++) {
      const at = firstAt + (i - 1) * GOSSIP_MS
      const effects = h.advanceTo(at)
      const text = `${at}:127.0.1.1:${i}`
      expect(events(effects, 'gossip.created')).toEqual([{ type: 'gossip.created', id: sha256(text), text, n: i }])
      for (const d of dials) expect(sent(effects, d.conn)).toContain(text)
      expect(events(effects, 'gossip.forwarded')).toHaveLength(2)
      created.push(text)
    }
    expect(created).toHaveLength(3)
    // Only liveness rounds wake it now.
    expect([linkedAt + LIVENESS_MS, linkedAt + 2 * LIVENESS_MS]).toContain(h.machine.nextWakeAt())
    const rest = h.advanceTo(linkedAt + 100 * GOSSIP_MS)
    expect(events(rest, 'gossip.created')).toEqual([])
  })

  it('a peer that dialed fewer than maxLinks asks the seeds again after 2, 4, 8... s, and stops once it dialed maxLinks', () => {
    const h = peer({ maxLinks: 2, gossipCount: 0, livenessMs: 100_000 })
    const { seedConns } = joined(h)
    const asked = (effects: Effect[]) => seedConns.filter((c) => sent(effects, c).includes('Peer List Request:127.0.1.1:7000'))
    let at = h.now
    for (const wait of [JOIN_RETRY_MS, 2 * JOIN_RETRY_MS, 4 * JOIN_RETRY_MS]) {
      expect(h.machine.nextWakeAt()).toBe(at + wait)
      const effects = h.tickAt(at + wait)
      expect(asked(effects)).toEqual(seedConns)
      // Both seeds still list nobody.
      for (const conn of seedConns) h.feed({ type: 'line', conn, line: 'Peer List:1/1:' })
      at = h.now
    }
    expect(h.machine.nextWakeAt()).toBe(at + 8 * JOIN_RETRY_MS)
    h.tickAt(at + 8 * JOIN_RETRY_MS)
    const lists = seedConns.map((conn) => h.feed({ type: 'line', conn, line: 'Peer List:1/1:127.0.2.1:7000@0,127.0.2.2:7000@1' }))
    const dials = dialsIn(lists.flat())
    expect(dials.map((d) => d.to).sort()).toEqual(['127.0.2.1:7000', '127.0.2.2:7000'])
    linkAll(h, dials)
    // maxLinks dialed: no more requests, only the liveness rounds wake it.
    const next = h.machine.nextWakeAt()!
    expect(asked(h.advanceTo(next))).toEqual([])
  })

  it('a peer that found no one to link to waits for its first link before gossiping', () => {
    const h = peer({ maxLinks: 2, gossipCount: 3, livenessMs: 3_600_000 })
    const { seedConns } = joined(h)
    const joinedAt = h.now
    // It dialed nobody: it asks the seeds again soon (see the relist test); no gossip timer.
    expect(h.machine.nextWakeAt()).toBe(joinedAt + JOIN_RETRY_MS)
    h.now = joinedAt + 5 * GOSSIP_MS
    h.feed({ type: 'accepted', conn: 'i1', remote: { ip: '127.0.3.1', port: 1 } })
    h.feed({ type: 'line', conn: 'i1', line: 'Hello:127.0.3.1:7000' })
    const firstAt = h.machine.nextWakeAt()!
    expect(firstAt).toBeGreaterThanOrEqual(h.now + GOSSIP_MS)
    expect(firstAt).toBeLessThan(h.now + 2 * GOSSIP_MS)
    const first = h.tickAt(firstAt)
    expect(sent(first, 'i1')).toEqual([`${h.now}:127.0.1.1:1`])
    // Seeds were told the new degree.
    expect(sent(h.all, seedConns[0])).toContain('Degree:127.0.1.1:7000:1')
  })

  it('forwards a first receipt to every neighbour but the sender, logs it, drops later copies', () => {
    const { h, dials } = linkedPeer(0)
    h.feed({ type: 'accepted', conn: 'i1', remote: { ip: '127.0.3.1', port: 1 } })
    h.feed({ type: 'line', conn: 'i1', line: 'Hello:127.0.3.1:7000' })
    const text = '1800000000000:127.0.2.1:4'
    const [a, b] = dials
    const first = h.feed({ type: 'line', conn: a!.conn, line: text })
    expect(events(first, 'gossip.received')).toEqual([{ type: 'gossip.received', id: sha256(text), text, from: a!.to }])
    expect(logs(first).some((l) => l.startsWith(`${text} received from ${a!.to} at `))).toBe(true)
    expect(sent(first, a!.conn)).toEqual([])
    expect(sent(first, b!.conn)).toEqual([text])
    expect(sent(first, 'i1')).toEqual([text])
    expect(events(first, 'gossip.forwarded').map((e) => (e.type === 'gossip.forwarded' ? e.to : ''))).toEqual([b!.to, '127.0.3.1:7000'])
    const again = h.feed({ type: 'line', conn: b!.conn, line: text })
    expect(events(again)).toEqual([{ type: 'gossip.duplicate', id: sha256(text), from: b!.to }])
    expect(sent(again)).toEqual([])
    // A neighbour linked later gets nothing old, and nothing crosses a link twice.
    h.feed({ type: 'accepted', conn: 'i2', remote: { ip: '127.0.3.2', port: 1 } })
    h.feed({ type: 'line', conn: 'i2', line: 'Hello:127.0.3.2:7000' })
    expect(sent(h.feed({ type: 'line', conn: 'i2', line: text }))).toEqual([])
  })

  it('refuses gossip from a connection that has not said Hello', () => {
    const { h } = linkedPeer(0)
    h.feed({ type: 'accepted', conn: 'i1', remote: { ip: '127.0.3.1', port: 1 } })
    const effects = h.feed({ type: 'line', conn: 'i1', line: '1800000000000:127.0.2.1:4' })
    expect(events(effects, 'frame.rejected')).toHaveLength(1)
    expect(events(effects, 'gossip.received')).toHaveLength(0)
  })
})

describe('peer machine: liveness', () => {
  function linked() {
    const h = peer({ maxLinks: 1, gossipCount: 0 })
    const { seedConns, dials } = joined(h, '127.0.2.1:7000@0')
    linkAll(h, dials)
    return { h, seedConns, link: dials[0]!.conn, linkedAt: h.now }
  }

  it('sends a request every interval, measures the reply and answers requests by echoing them', () => {
    const { h, seedConns, link, linkedAt } = linked()
    expect(h.machine.nextWakeAt()).toBe(linkedAt + LIVENESS_MS)
    const t = linkedAt + LIVENESS_MS
    const round = h.tickAt(t)
    expect(sent(round, link)).toEqual([`Liveness Request:${t}:127.0.1.1`])
    expect(events(round)).toEqual([{ type: 'liveness.sent', peer: '127.0.2.1:7000' }])
    h.now = t + 7
    const ok = h.feed({ type: 'line', conn: link, line: `Liveness Reply:${t}:127.0.1.1:127.0.2.1` })
    expect(events(ok)).toEqual([{ type: 'liveness.ok', peer: '127.0.2.1:7000', rttMs: 7 }])
    expect(sent(h.feed({ type: 'line', conn: link, line: 'Liveness Request:123:127.0.2.1' }))).toEqual([
      'Liveness Reply:123:127.0.2.1:127.0.1.1',
    ])
    // Seeds verify reports with the same request on the registration connection.
    expect(sent(h.feed({ type: 'line', conn: seedConns[0]!, line: 'Liveness Request:456:127.0.0.1' }))).toEqual([
      'Liveness Reply:456:127.0.0.1:127.0.1.1',
    ])
  })

  it('reports a silent neighbour after exactly livenessMisses missed rounds, to every seed', () => {
    const { h, seedConns, link, linkedAt } = linked()
    const seen: Effect[] = []
    for (let round = 1; round <= 3; round++) seen.push(...h.tickAt(linkedAt + round * LIVENESS_MS))
    expect(events(seen, 'liveness.missed').map((e) => (e.type === 'liveness.missed' ? e.count : 0))).toEqual([1, 2])
    expect(events(seen, 'peer.dead-reported')).toEqual([])
    const t = linkedAt + 4 * LIVENESS_MS
    const verdict = h.tickAt(t)
    expect(events(verdict)).toEqual([
      { type: 'liveness.missed', peer: '127.0.2.1:7000', count: 3 },
      { type: 'peer.dead-reported', peer: '127.0.2.1:7000', seeds: expect.any(Array) },
      { type: 'peer.link-down', peer: '127.0.2.1:7000', reason: 'dead' },
    ])
    const line = `Dead Node:127.0.2.1:7000:${t}:127.0.1.1`
    // To the two seeds it registered with and to the third, over its report channel.
    for (const conn of seedConns) expect(sent(verdict, conn)).toContain(line)
    expect(sent(verdict).filter((l) => l === line)).toHaveLength(3)
    expect(logs(verdict).some((l) => l.startsWith(`${line} sent to seeds`))).toBe(true)
    expect(closed(verdict)).toEqual([link])
  })

  it('a reply resets the miss count', () => {
    const { h, link, linkedAt } = linked()
    h.tickAt(linkedAt + LIVENESS_MS)
    h.tickAt(linkedAt + 2 * LIVENESS_MS)
    h.tickAt(linkedAt + 3 * LIVENESS_MS)
    h.feed({ type: 'line', conn: link, line: `Liveness Reply:${linkedAt + 3 * LIVENESS_MS}:127.0.1.1:127.0.2.1` })
    const next = h.tickAt(linkedAt + 4 * LIVENESS_MS)
    expect(events(next, 'liveness.missed')).toEqual([])
    expect(events(next, 'peer.dead-reported')).toEqual([])
  })

  it('treats a broken TCP link as missed replies, not as instant death', () => {
    const { h, link, linkedAt } = linked()
    const broken = h.feed({ type: 'closed', conn: link })
    expect(events(broken)).toEqual([])
    const seen: Effect[] = []
    for (let round = 1; round <= 4; round++) seen.push(...h.tickAt(linkedAt + round * LIVENESS_MS))
    expect(events(seen, 'liveness.missed')).toHaveLength(3)
    expect(events(seen, 'peer.dead-reported')).toHaveLength(1)
    expect(events(seen, 'peer.link-down')).toEqual([{ type: 'peer.link-down', peer: '127.0.2.1:7000', reason: 'dead' }])
  })

  it('after reporting its only neighbour, asks the seeds for peers and dials a replacement', () => {
    const { h, seedConns, linkedAt } = linked()
    for (let round = 1; round <= 4; round++) h.tickAt(linkedAt + round * LIVENESS_MS)
    const asked = h.all.filter((e) => e.type === 'send' && e.line === 'Peer List Request:127.0.1.1:7000' && seedConns.includes(e.conn))
    expect(asked).toHaveLength(4) // two at join, two for the repair
    // The dead peer, still listed by a seed that has not removed it yet, is not dialed again.
    const fresh = h.feed({ type: 'line', conn: seedConns[0]!, line: 'Peer List:1/1:127.0.2.1:7000@0,127.0.2.7:7000@2' })
    expect(dialsIn(fresh)).toEqual([])
    const done = h.feed({ type: 'line', conn: seedConns[1]!, line: 'Peer List:1/1:' })
    expect(dialsIn(done).map((d) => d.to)).toEqual(['127.0.2.7:7000'])
  })

  it('a peer that found nobody at join asks the seeds every liveness round and dials whoever registered since', () => {
    // Peers that join in one wave can all get empty lists (each hidden from the others
    // while its seed verifies it); none of them may wait for good to be dialed.
    const h = peer({ gossipCount: 0 })
    const { seedConns } = joined(h)
    const asks = () => h.all.filter((e) => e.type === 'send' && e.line.startsWith('Peer List Request') && seedConns.includes(e.conn))
    expect(asks()).toHaveLength(2) // the join
    h.advanceTo(h.now + LIVENESS_MS)
    expect(asks()).toHaveLength(4) // and again after one round with no links
    h.feed({ type: 'line', conn: seedConns[0]!, line: 'Peer List:1/1:' })
    const done = h.feed({ type: 'line', conn: seedConns[1]!, line: 'Peer List:1/1:127.0.2.7:7000@0' })
    expect(dialsIn(done).map((d) => d.to)).toEqual(['127.0.2.7:7000'])
  })

  it('refuses replies it never asked for', () => {
    const { h, link } = linked()
    const effects = h.feed({ type: 'line', conn: link, line: `Liveness Reply:${h.now}:127.0.1.1:127.0.2.1` })
    expect(events(effects, 'frame.rejected')).toHaveLength(1)
    expect(events(effects, 'liveness.ok')).toHaveLength(0)
  })
})

describe('peer machine: hostile input and shutdown', () => {
  it('rejects garbage with frame.rejected, closes after three bad lines, never throws', () => {
    const h = peer()
    joined(h)
    h.feed({ type: 'accepted', conn: 'x', remote: { ip: '127.0.0.66', port: 5555 } })
    let state = 99
    const junk = () => {
      state = (state * 48271) % 2147483647
      return ['Dead Node:1.2.3.4:5:6:7.8.9.0', 'Register:127.0.0.1:7000', 'Peer List:1/1:x', '\u00ff\u0000', String(state)][state % 5]!
    }
    const first = h.feed({ type: 'line', conn: 'x', line: junk() })
    expect(events(first, 'frame.rejected')).toHaveLength(1)
    h.feed({ type: 'line', conn: 'x', line: junk() })
    expect(closed(h.feed({ type: 'line', conn: 'x', line: junk() }))).toEqual(['x'])
    for (let i = 0; i < 2000; i++) {
      const conn = `y${i % 7}`
      if (i % 7 === 0) h.feed({ type: 'accepted', conn: `${conn}-${i}`, remote: { ip: '127.0.0.66', port: i + 1 } })
      // A throw here fails the test.
      h.feed({ type: 'line', conn: `${conn}-${i - (i % 7)}`, line: junk() })
    }
  })

  it('closes the connection at once after an over-long line', () => {
    const h = peer()
    joined(h)
    h.feed({ type: 'accepted', conn: 'x', remote: { ip: '127.0.0.66', port: 5555 } })
    expect(closed(h.feed({ type: 'frame-error', conn: 'x', reason: 'line-too-long: line longer than 65536 bytes' }))).toEqual(['x'])
  })

  it('on stop closes every connection, reports its links down and exits 0', () => {
    const h = peer({ maxLinks: 1 })
    const { dials } = joined(h, '127.0.2.1:7000@0')
    linkAll(h, dials)
    const effects = h.feed({ type: 'stop' })
    expect(events(effects)).toEqual([{ type: 'peer.link-down', peer: '127.0.2.1:7000', reason: 'shutdown' }])
    expect(closed(effects)).toHaveLength(4) // three seeds and one link
    expect(effects.at(-1)).toEqual({ type: 'exit', code: 0, reason: 'stopped' })
    expect(h.machine.nextWakeAt()).toBeNull()
  })
})

describe('neighbour choice', () => {
  const entries = [
    { ip: '127.0.2.1', port: 7000, degree: 0 },
    { ip: '127.0.2.2', port: 7000, degree: 9 },
    { ip: '127.0.2.3', port: 7000, degree: 0 },
  ]

  it('powerlaw picks in proportion to degree + 1', () => {
    const random = seededRandom(3)
    let hub = 0
    for (let i = 0; i < 6000; i++) if (chooseNeighbours(entries, 1, 'powerlaw', random)[0]!.degree === 9) hub++
    // Expected 10/12 of the picks.
    expect(hub / 6000).toBeGreaterThan(0.8)
    expect(hub / 6000).toBeLessThan(0.87)
  })

  it('random picks uniformly, always distinct, never more than asked', () => {
    const random = seededRandom(3)
    let hub = 0
    let distinct = 0
    for (let i = 0; i < 6000; i++) {
      const two = chooseNeighbours(entries, 2, 'random', random)
      if (two.length === 2 && two[0]!.ip !== two[1]!.ip) distinct++
      if (two.some((e) => e.degree === 9)) hub++
    }
    expect(distinct).toBe(6000)
    expect(hub / 6000).toBeGreaterThan(0.63)
    expect(hub / 6000).toBeLessThan(0.7)
    expect(chooseNeighbours(entries, 10, 'powerlaw', random)).toHaveLength(3)
  })
})

describe('peer machine: nodes that come back', () => {
  function linkedPeer(gossipCount = 3) {
    const h = peer({ maxLinks: 2, gossipCount })
    const { dials } = joined(h, '127.0.2.1:7000@0,127.0.2.2:7000@0')
    linkAll(h, dials)
    return { h, dials, linkedAt: h.now }
  }

  it('never creates a text already in its Message List (a peer on the same IP sent it): ts + 1 ms, and nothing is sent back', () => {
    const { h, dials } = linkedPeer(2)
    const at = h.machine.nextWakeAt()!
    // Another peer on 127.0.1.1 (another port) created message 1 in the same ms, and it arrived first.
    const clash = `${at}:127.0.1.1:1`
    h.now = at - 1
    h.feed({ type: 'line', conn: dials[0]!.conn, line: clash })
    const effects = h.advanceTo(at)
    const created = events(effects, 'gossip.created')
    const text = `${at + 1}:127.0.1.1:1`
    expect(created).toEqual([{ type: 'gossip.created', id: sha256(text), text, n: 1 }])
    expect(logs(effects).some((l) => l.includes('already in the Message List'))).toBe(true)
    // The received copy is untouched: the new text goes to both links, the old one to nobody again.
    for (const d of dials) expect(sent(effects, d.conn)).toEqual([text])
    // Two clashes in a row: the next free ms.
    const { h: h2, dials: d2 } = linkedPeer(1)
    const at2 = h2.machine.nextWakeAt()!
    h2.now = at2 - 1
    h2.feed({ type: 'line', conn: d2[0]!.conn, line: `${at2}:127.0.1.1:1` })
    h2.feed({ type: 'line', conn: d2[1]!.conn, line: `${at2 + 1}:127.0.1.1:1` })
    const e2 = events(h2.advanceTo(at2), 'gossip.created')
    expect(e2.map((e) => (e.type === 'gossip.created' ? e.text : ''))).toEqual([`${at2 + 2}:127.0.1.1:1`])
  })

  it('a copy is a duplicate while its record is kept, and refused (never forwarded again) once it aged out', () => {
    const { h, dials } = linkedPeer(0)
    const text = `${h.now}:127.0.2.1:4`
    const first = h.feed({ type: 'line', conn: dials[0]!.conn, line: text })
    expect(sent(first, dials[1]!.conn)).toEqual([text])
    const receivedAt = h.now
    h.now = receivedAt + MESSAGE_MAX_AGE_MS
    const late = h.feed({ type: 'line', conn: dials[1]!.conn, line: text })
    const gossipOrRefusal = (effects: Effect[]) => events(effects).map((e) => e.type).filter((t) => t.startsWith('gossip.') || t === 'frame.rejected')
    expect(gossipOrRefusal(late)).toEqual(['gossip.duplicate'])
    h.now = receivedAt + MESSAGE_MAX_AGE_MS + 1
    const aged = h.feed({ type: 'line', conn: dials[1]!.conn, line: text })
    expect(sent(aged).filter((line) => line === text)).toEqual([])
    expect(gossipOrRefusal(aged)).toEqual(['frame.rejected'])
  })

  it('a duplicate never goes back to the neighbour it came from', () => {
    const { h, dials } = linkedPeer(0)
    const text = '1800000000000:127.0.2.1:4'
    h.feed({ type: 'line', conn: dials[0]!.conn, line: text })
    const again = h.feed({ type: 'line', conn: dials[1]!.conn, line: text })
    expect(sent(again)).toEqual([])
  })

  it('replaces the link of a neighbour that restarted (a later incarnation in its Hello), refuses an older one', () => {
    const { h } = linkedPeer(0)
    h.feed({ type: 'accepted', conn: 'i1', remote: { ip: '127.0.3.1', port: 1 } })
    h.feed({ type: 'line', conn: 'i1', line: 'Hello:127.0.3.1:7000:1000' })
    // The same address again on a new connection, a later process: the old link is stale.
    h.feed({ type: 'accepted', conn: 'i2', remote: { ip: '127.0.3.1', port: 2 } })
    const restarted = h.feed({ type: 'line', conn: 'i2', line: 'Hello:127.0.3.1:7000:2000' })
    expect(events(restarted).map((e) => e.type)).toEqual(['peer.link-down', 'peer.link-up'])
    expect(events(restarted, 'peer.link-down')).toEqual([{ type: 'peer.link-down', peer: '127.0.3.1:7000', reason: 'replaced' }])
    expect(closed(restarted)).toEqual(['i1'])
    expect(sent(restarted, 'i2')).toEqual(['Hello:127.0.1.1:7000:1800000000000'])
    // The old process (still connected somewhere) cannot take the link back.
    h.feed({ type: 'accepted', conn: 'i3', remote: { ip: '127.0.3.1', port: 3 } })
    const stale = h.feed({ type: 'line', conn: 'i3', line: 'Hello:127.0.3.1:7000:1000' })
    expect(events(stale, 'frame.rejected')).toHaveLength(1)
    expect(closed(stale)).toEqual(['i3'])
    // The same incarnation again is a second link, closed as before.
    h.feed({ type: 'accepted', conn: 'i4', remote: { ip: '127.0.3.1', port: 4 } })
    expect(closed(h.feed({ type: 'line', conn: 'i4', line: 'Hello:127.0.3.1:7000:2000' }))).toEqual(['i4'])
  })

  it('dials a neighbour whose link broke once per liveness round; its Hello restores the link without a report', () => {
    const { h, dials } = linkedPeer(0)
    const [a] = dials
    h.feed({ type: 'closed', conn: a!.conn })
    const round = h.advanceTo(h.now + LIVENESS_MS)
    const redial = dialsIn(round)
    expect(redial.map((d) => d.to)).toEqual([a!.to])
    expect(sent(h.feed({ type: 'connected', conn: redial[0]!.conn }))).toEqual(['Hello:127.0.1.1:7000:1800000000000'])
    const back = h.feed({ type: 'line', conn: redial[0]!.conn, line: `Hello:${a!.to}` })
    expect(events(back, 'peer.link-up')).toHaveLength(1)
    // Misses start again from zero on the restored link: the next round asks over it.
    const next = h.advanceTo(h.now + LIVENESS_MS)
    expect(sent(next, redial[0]!.conn).some((l) => l.startsWith('Liveness Request:'))).toBe(true)
    expect(events(next, 'liveness.missed').filter((e) => e.type === 'liveness.missed' && e.peer === a!.to)).toEqual([])
  })
})
