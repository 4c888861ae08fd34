import { NO_CONDITIONS } from '../../../shared/net/conditions'
import { describe, expect, it } from 'vitest'
import type { SessionEvent } from '../../../shared/events'
import type { EventBatch, HostStatus } from '../../../shared/ipc'
import { DEFAULT_SETTINGS } from '../../../shared/settings'
import { ClientHub, REPLAY_CHUNK, type EventSource } from '../../../electron/host/clients'

const event = (seq: number): SessionEvent => ({ v: 1, t: seq, node: '127.0.1.1:20001', type: 'node.warning', message: 'x', seq })
const status = (sessionId: string): HostStatus => ({ sessionId, running: true, settings: DEFAULT_SETTINGS, nodes: [], lastSeq: 0, maxNodes: 200, conditions: NO_CONDITIONS })

/** A source holding seqs 1..n, with the first `onDisk` only readable asynchronously. */
function source(n: number, onDisk = 0): EventSource & { add(count: number): SessionEvent[] } {
  const events = Array.from({ length: n }, (_, i) => event(i + 1))
  return {
    get deliveredSeq() {
      return events.length
    },
    recent: (from) => (from < onDisk ? null : events.slice(from)),
    since: async (from) => events.slice(from),
    add(count) {
      const added = Array.from({ length: count }, (_, i) => event(events.length + i + 1))
      events.push(...added)
      return added
    },
  }
}

function recorder() {
  const events: number[] = []
  const statuses: HostStatus[] = []
  let batches = 0
  return {
    events,
    statuses,
    get batches() {
      return batches
    },
    target: {
      events: (b: EventBatch) => {
        batches++
        events.push(...b.events.map((e) => e.seq))
      },
      status: (s: HostStatus) => statuses.push(s),
    },
  }
}

describe('ClientHub', () => {
  it('sends nothing before ready, then status, the backlog after fromSeq, then live batches once each', async () => {
    const src = source(5)
    const hub = new ClientHub(() => src, () => status('s1'))
    const rec = recorder()
    const client = hub.open(rec.target)
    hub.broadcast(src.add(2))
    hub.broadcastStatus(status('s1'))
    expect(rec.events).toEqual([])
    expect(rec.statuses).toEqual([])
    await client.ready(3)
    expect(rec.statuses).toHaveLength(1)
    expect(rec.events).toEqual([4, 5, 6, 7])
    hub.broadcast(src.add(2))
    expect(rec.events).toEqual([4, 5, 6, 7, 8, 9])
  })

  it('replays from the file, then catches up with batches delivered meanwhile, nothing twice', async () => {
    const src = source(10, 6)
    const hub = new ClientHub(() => src, () => status('s1'))
    const rec = recorder()
    const client = hub.open(rec.target)
    const ready = client.ready(0)
    hub.broadcast(src.add(3)) // arrives while the file is being read
    await ready
    hub.broadcast(src.add(1))
    expect(rec.events).toEqual(Array.from({ length: 14 }, (_, i) => i + 1))
  })

  it('a fromSeq past the end (another session) gets the session from seq 1', async () => {
    const src = source(3)
    const hub = new ClientHub(() => src, () => status('s2'))
    const rec = recorder()
    await hub.open(rec.target).ready(50)
    expect(rec.events).toEqual([1, 2, 3])
  })

  it('a new session restarts every client at seq 1', async () => {
    let src = source(4)
    const hub = new ClientHub(() => src, () => status('s'))
    const rec = recorder()
    await hub.open(rec.target).ready(0)
    src = source(0)
    hub.sessionChanged()
    hub.broadcast(src.add(2))
    expect(rec.events).toEqual([1, 2, 3, 4, 1, 2])
  })

  it('splits a long replay into chunks and stops pushing once closed', async () => {
    const src = source(REPLAY_CHUNK * 2 + 1)
    const hub = new ClientHub(() => src, () => status('s'))
    const rec = recorder()
    const client = hub.open(rec.target)
    await client.ready(0)
    expect(rec.batches).toBe(3)
    expect(rec.events).toHaveLength(REPLAY_CHUNK * 2 + 1)
    client.close()
    hub.broadcast(src.add(1))
    expect(rec.events).toHaveLength(REPLAY_CHUNK * 2 + 1)
    expect(hub.size).toBe(0)
  })
})
