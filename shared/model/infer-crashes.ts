import type { SessionEvent } from '../events'

/**
 * Node files carry no host events, so a node killed by hand leaves no trace of its death
 * except silence. Two kinds of silence are taken as a crash right after the process's last
 * event (the earliest moment it can have died), where a `host.exited` (code and signal
 * null, `expected: false`) is inserted, so the fold records the failure and detection
 * times are measured from it (upper bounds of the true ones):
 * - a second `node.started` for the same address (a new process: restarted at the same
 *   `IP:PORT`, whether it writes its own file or appends to the old one) while the earlier
 *   process never said `node.stopping`: the earlier one ended;
 * - a process whose events end without `node.stopping` and that another node later reports
 *   dead (`peer.dead-reported`, `seed.peer-removed`).
 * Returns the events with seq renumbered, and the nodes concerned (once per crash).
 */
export function inferCrashes(events: readonly SessionEvent[]): { events: SessionEvent[]; crashed: string[] } {
  /** Node -> index of the latest event by or about it (its current process). */
  const lastOwn = new Map<string, number>()
  const stopped = new Set<string>()
  const crashAfter = new Map<number, string>()
  events.forEach((e, i) => {
    if (e.type === 'node.started') {
      const previous = lastOwn.get(e.node)
      if (previous !== undefined && !stopped.has(e.node)) crashAfter.set(previous, e.node)
      stopped.delete(e.node)
    }
    lastOwn.set(e.node, i)
    if (e.type === 'node.stopping' || e.type.startsWith('host.')) stopped.add(e.node)
  })
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
