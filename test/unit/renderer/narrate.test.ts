import { describe, expect, it } from 'vitest'
import { EVENT_TYPES, type EventType, type SessionEvent } from '../../../shared/events'
import { DEFAULT_SETTINGS } from '../../../shared/settings'
import { listOf, narrate, ordinal, type MessageNames } from '../../../renderer/src/narration/narrate'
import { A, B, C, S1, S2 } from './fixtures'

type Body = SessionEvent extends infer E ? (E extends SessionEvent ? Omit<E, 'v' | 't' | 'seq'> : never) : never
const ev = (body: Body, seq = 7): SessionEvent => ({ v: 1, t: 5_000, seq, ...body }) as SessionEvent

/**
 * One sample event per kind and what its sentence must say. A new event kind fails the
 * coverage test below until a sample (and its narration) is added.
 */
const CASES: Record<EventType, { event: SessionEvent; says: RegExp[]; level: 'key' | 'detail' }> = {
  'node.started': { event: ev({ node: A, type: 'node.started', role: 'peer', seeds: [S1, S2, C], settings: DEFAULT_SETTINGS }), says: [/Peer 127\.0\.1\.1:10000 started/, /majority of the 3 seeds \(2\)/], level: 'key' },
  'node.stopping': { event: ev({ node: A, type: 'node.stopping', reason: 'SIGTERM' }), says: [/is stopping \(SIGTERM\)/], level: 'key' },
  'node.warning': { event: ev({ node: A, type: 'node.warning', message: 'seed 127.0.0.1:9000 unreachable' }), says: [/warns: seed .* unreachable/], level: 'key' },
  'seed.registered': { event: ev({ node: S1, type: 'seed.registered', peer: A }), says: [/Seed 127\.0\.0\.1:9000 added 127\.0\.1\.1:10000 to its Peer List/], level: 'detail' },
  'seed.peer-removed': { event: ev({ node: S1, type: 'seed.peer-removed', peer: A, reporter: B }), says: [/Seed 127\.0\.0\.1:9000 removed 127\.0\.1\.1:10000/, /127\.0\.1\.2:10001's Dead Node report/], level: 'key' },
  'seed.report-rejected': { event: ev({ node: S1, type: 'seed.report-rejected', peer: A, reporter: B, reason: 'it answered a probe' }), says: [/did not believe 127\.0\.1\.2:10001's report that 127\.0\.1\.1:10000 is dead \(it answered a probe\)/], level: 'key' },
  'peer.registered': { event: ev({ node: A, type: 'peer.registered', seed: S1 }), says: [/registered with seed 127\.0\.0\.1:9000/], level: 'detail' },
  'peer.peer-list': { event: ev({ node: A, type: 'peer.peer-list', seed: S1, peers: [B, C] }), says: [/Peer List of 2 peers/], level: 'key' },
  'peer.link-up': { event: ev({ node: A, type: 'peer.link-up', peer: B, initiator: true }), says: [/127\.0\.1\.1:10000 linked to 127\.0\.1\.2:10001/], level: 'key' },
  'peer.link-down': { event: ev({ node: A, type: 'peer.link-down', peer: B, reason: 'dead' }), says: [/closed its link to 127\.0\.1\.2:10001, which it considers dead/], level: 'key' },
  'peer.link-failed': { event: ev({ node: A, type: 'peer.link-failed', peer: B, reason: 'ECONNREFUSED' }), says: [/could not link to 127\.0\.1\.2:10001 \(ECONNREFUSED\)/], level: 'key' },
  'gossip.created': { event: ev({ node: A, type: 'gossip.created', id: 'm1', text: '1700000000000:127.0.1.1:2', n: 2 }), says: [/created message #2/, /all its neighbours/], level: 'key' },
  'gossip.received': { event: ev({ node: B, type: 'gossip.received', id: 'm9', text: '1700000000000:127.0.1.1:4', from: A }), says: [/got message #4 of 127\.0\.1\.1 for the first time, from 127\.0\.1\.1:10000/], level: 'detail' },
  'gossip.duplicate': { event: ev({ node: C, type: 'gossip.duplicate', id: 'm1', from: B }), says: [/got message #2 of 127\.0\.1\.1:10000 again/, /dropped it/], level: 'detail' },
  'gossip.forwarded': { event: ev({ node: B, type: 'gossip.forwarded', id: 'm1', to: C }), says: [/forwarded message #2 of 127\.0\.1\.1:10000 to 127\.0\.1\.3:10002/], level: 'detail' },
  'gossip.coverage': { event: ev({ node: '0.0.0.0:0', type: 'gossip.coverage', fromSeq: 3, hops: 4, messages: [{ id: 'm1', firstT: 5_000, lastT: 5_010, received: [[B, 5_000, A], [C, 5_010, B]], duplicates: [[C, 1]], forwards: 1 }] }), says: [/2 peers got message #2 of 127\.0\.1\.1:10000 for the first time \(1 duplicate copies dropped, 1 sends\)/, /every hop is in the session file/], level: 'detail' },
  'liveness.sent': { event: ev({ node: A, type: 'liveness.sent', peer: B }), says: [/asked 127\.0\.1\.2:10001 whether it is alive/], level: 'detail' },
  'liveness.ok': { event: ev({ node: A, type: 'liveness.ok', peer: B, rttMs: 1.6 }), says: [/127\.0\.1\.2:10001 answered 127\.0\.1\.1:10000's liveness request in 2 ms/], level: 'detail' },
  'liveness.missed': { event: ev({ node: A, type: 'liveness.missed', peer: B, count: 3 }), says: [/127\.0\.1\.1:10000 missed its 3rd liveness reply in a row from 127\.0\.1\.2:10001/, /not proof of death: a busy machine that answers late/], level: 'key' },
  'peer.dead-reported': { event: ev({ node: A, type: 'peer.dead-reported', peer: B, seeds: [S1, S2] }), says: [/reported 127\.0\.1\.2:10001 dead to seeds 127\.0\.0\.1:9000 and 127\.0\.0\.1:9001/], level: 'key' },
  'frame.rejected': { event: ev({ node: A, type: 'frame.rejected', from: '127.0.0.9:5555', reason: 'not a protocol message' }), says: [/refused a line from 127\.0\.0\.9:5555: not a protocol message/], level: 'key' },
  'net.conditions': { event: ev({ node: A, type: 'net.conditions', conditions: { defaults: { delayMs: 50, jitterMs: 20, loss: 0 }, links: [], partitions: [] } }), says: [/now applies emulated network conditions/, /delay 50 ms ± 20 ms, loss 0%/], level: 'detail' },
  'net.dropped': { event: ev({ node: A, type: 'net.dropped', to: B, reason: 'loss', count: 3, gossip: 2 }), says: [/3 messages 127\.0\.1\.1:10000 sent to 127\.0\.1\.2:10001 were lost/, /2 of them gossip/], level: 'detail' },
  'host.spawned': { event: ev({ node: A, type: 'host.spawned', role: 'peer', pid: 42 }), says: [/started a peer process for 127\.0\.1\.1:10000 \(pid 42\)/], level: 'detail' },
  'host.kill': { event: ev({ node: A, type: 'host.kill', signal: 'SIGKILL' }), says: [/was killed \(SIGKILL\)/, /notice only when it stops answering/], level: 'key' },
  'host.exited': { event: ev({ node: A, type: 'host.exited', code: null, signal: 'SIGSEGV', expected: false }), says: [/crashed \(SIGSEGV\)/], level: 'key' },
  'node.paused': { event: ev({ node: A, type: 'node.paused' }), says: [/was paused \(SIGSTOP\)/], level: 'key' },
  'node.resumed': { event: ev({ node: A, type: 'node.resumed' }), says: [/was resumed \(SIGCONT\)/], level: 'key' },
  'host.stream-error': { event: ev({ node: A, type: 'host.stream-error', line: '{', reason: 'not JSON' }), says: [/could not read an event line from 127\.0\.1\.1:10000 \(not JSON\)/], level: 'detail' },
  'host.stderr': { event: ev({ node: A, type: 'host.stderr', text: 'boom' }), says: [/wrote on stderr: boom/], level: 'detail' },
  'host.action': { event: ev({ node: A, type: 'host.action', by: 'scenario', step: 1, action: 'kill', name: 'peer3' }), says: [/Scenario step 2 chose the action "kill" on peer3 \(127\.0\.1\.1:10000\)\./], level: 'key' },
}

describe('narrate', () => {
  it('has a sample for every event kind', () => {
    expect(Object.keys(CASES).sort()).toEqual([...EVENT_TYPES].sort())
  })

  // Kinds in the order a session produces them, so gossip.created names the message first.
  const names: MessageNames = new Map()
  for (const type of EVENT_TYPES) {
    it(`tells ${type} in a sentence`, () => {
      const { event, says, level } = CASES[type]
      if (type === 'gossip.duplicate' || type === 'gossip.forwarded') narrate(CASES['gossip.created'].event, names)
      const n = narrate(event, names)
      for (const re of says) expect(n.text).toMatch(re)
      expect(n.level).toBe(level)
      expect(n.seq).toBe(event.seq)
      expect(n.t).toBe(event.t)
      expect(n.nodes[0]).toBe(event.node)
      expect(n.text.endsWith('.') || n.text.endsWith(')') || type === 'node.warning' || type === 'host.stderr').toBe(true)
    })
  }

  it('links every node a sentence mentions', () => {
    const n = narrate(CASES['peer.dead-reported'].event, new Map())
    expect(n.nodes).toEqual([A, B, S1, S2])
    const g = narrate(CASES['gossip.created'].event, new Map())
    expect(g.message).toBe('m1')
  })

  it('names a message it has not seen created as its short id', () => {
    expect(narrate(ev({ node: C, type: 'gossip.duplicate', id: 'abcdef0123456789', from: B }), new Map()).text).toMatch(/message abcdef01 again/)
  })

  it('tells a second start at the same address as a restart', () => {
    const started = new Set<string>()
    const first = narrate(CASES['node.started'].event, new Map(), started)
    expect(first.text).toMatch(/^Peer 127\.0\.1\.1:10000 started;/)
    const again = narrate({ ...CASES['node.started'].event, seq: 99 }, new Map(), started)
    expect(again.text).toMatch(/^127\.0\.1\.1:10000 started again at the same address, a new incarnation/)
    expect(again.level).toBe('key')
  })

  it('a link seen from both ends tells it once (the dialling side is the key sentence)', () => {
    expect(narrate(ev({ node: B, type: 'peer.link-up', peer: A, initiator: false }), new Map()).level).toBe('detail')
  })
})

describe('words', () => {
  it('ordinals and lists', () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 101].map(ordinal)).toEqual(['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '101st'])
    expect(listOf(['A'])).toBe('A')
    expect(listOf(['A', 'B'])).toBe('A and B')
    expect(listOf(['A', 'B', 'C'])).toBe('A, B and C')
  })
})
