import type { SessionEvent } from '../events'

/**
 * Node files carry no host events, so a node killed by hand leaves no trace of its death
 * except silence. A node whose own events end without `node.stopping` and that another
 * node later reports dead (`peer.dead-reported`, `seed.peer-removed`) is taken to have
 * crashed right after its last event, the earliest moment it can have died: a
 * `host.exited` (code and signal null, `expected: false`) is inserted there, so the fold
 * records the failure and detection times are measured from it (upper bounds of the true
 * ones). Returns the events with seq renumbered, and the nodes concerned.
 */
export function inferCrashes(events: readonly SessionEvent[]): { events: SessionEvent[]; crashed: string[] } {
  const lastOwn = new Map<string, number>()
  const stopped = new Set<string>()
  events.forEach((e, i) => {
    lastOwn.set(e.node, i)
    if (e.type === 'node.stopping' || e.type.startsWith('host.')) stopped.add(e.node)
  })
  const crashAfter = new Map<number, string>()
  for (const e of events) {
    if (e.type !== 'peer.dead-reported' && e.type !== 'seed.peer-removed') continue
    const last = lastOwn.get(e.peer)
    if (last === undefined || stopped.has(e.peer) || events[last]!.t > e.t) continue
    crashAfter.set(last, e.peer)
  }
  if (crashAfter.size === 0) return { events: events.slice(), crashed: [] }
  const out: SessionEvent[] = []
  events.forEach((e, i) => {
    out.push({ ...e, seq: out.length + 1 })
    const node = crashAfter.get(i)
    if (node) {
      out.push({ v: 1, t: e.t, node, type: 'host.exited', code: null, signal: null, expected: false, seq: out.length + 1 })
    }
  })
  return { events: out, crashed: [...crashAfter.values()] }
}
