import type { SessionEvent } from '../events'

/** Timeline markers, found incrementally as events are appended. */
/** `step`: a user's or a scenario's action (host.action). */
export type MarkerKind = 'kill' | 'report' | 'removal' | 'first' | 'last' | 'step'

export interface Marker {
  kind: MarkerKind
  seq: number
  /** ms since epoch */
  t: number
  label: string
  /** first/last delivery: the gossip message's id (the timeline follows it when clicked). */
  message?: string
}

export class MarkerIndex {
  /** Kills, reports, removals: in seq order. */
  readonly fixed: Marker[] = []
  /** Message id -> its first and latest delivery (a receipt). */
  readonly first = new Map<string, Marker>()
  readonly last = new Map<string, Marker>()

  add(events: readonly SessionEvent[]): void {
    for (const e of events) {
      switch (e.type) {
        case 'host.kill':
          if (e.signal === 'SIGKILL') this.fixed.push({ kind: 'kill', seq: e.seq, t: e.t, label: `kill ${e.node}` })
          break
        case 'host.exited':
          if (!e.expected) this.fixed.push({ kind: 'kill', seq: e.seq, t: e.t, label: `crash ${e.node}` })
          break
        case 'peer.dead-reported':
          this.fixed.push({ kind: 'report', seq: e.seq, t: e.t, label: `${e.node} reports ${e.peer} dead` })
          break
        case 'host.action': {
          const who = e.by === 'user' ? 'user' : `step ${(e.step ?? 0) + 1}`
          const target = e.name ?? (e.count !== undefined ? String(e.count) : e.nodes ? `${e.nodes.length} nodes` : '')
          const label = `${who}: ${e.action}${target ? ` ${target}` : ''}${e.error ? ' (failed)' : ''}`
          this.fixed.push({ kind: 'step', seq: e.seq, t: e.t, label })
          break
        }
        case 'seed.peer-removed':
          this.fixed.push({ kind: 'removal', seq: e.seq, t: e.t, label: `${e.node} removes ${e.peer}` })
          break
        case 'gossip.received': {
          const text = `message ${e.text}`
          if (!this.first.has(e.id)) this.first.set(e.id, { kind: 'first', seq: e.seq, t: e.t, label: `first delivery of ${text}`, message: e.id })
          this.last.set(e.id, { kind: 'last', seq: e.seq, t: e.t, label: `last delivery of ${text}`, message: e.id })
          break
        }
        case 'gossip.coverage':
          // Hops folded per message (model/coverage.ts): the earliest and latest receipt of each.
          for (const m of e.messages) {
            if (m.received.length === 0) continue
            let first = m.received[0]![1]
            let last = first
            for (const [, at] of m.received) (first = Math.min(first, at)), (last = Math.max(last, at))
            const text = `message ${m.id.slice(0, 10)}`
            if (!this.first.has(m.id)) this.first.set(m.id, { kind: 'first', seq: e.seq, t: first, label: `first delivery of ${text}`, message: m.id })
            this.last.set(m.id, { kind: 'last', seq: e.seq, t: last, label: `last delivery of ${text}`, message: m.id })
          }
          break
        default:
          break
      }
    }
  }

  all(): Marker[] {
    return [...this.fixed, ...this.first.values(), ...this.last.values()]
  }
}
