import type { SessionEvent } from '../events'

/**
 * Arrows of the sequence (space-time) diagram for a window of events: one per message
 * crossing between two nodes, from the sender's event to the receiver's.
 * - gossip: `gossip.forwarded` A->B matched to B's `gossip.received`/`gossip.duplicate`
 *   from A (an unmatched receipt starts at its own time: the send is outside the window);
 * - liveness: A's `liveness.sent` to B, answered by A's `liveness.ok` after rttMs: drawn
 *   as request A->B and reply B->A meeting at half the round trip;
 * - dead report: A's `peer.dead-reported` to each seed, ending at that seed's removal or
 *   refusal when it is in the window.
 */
export interface Arrow {
  kind: 'gossip' | 'duplicate' | 'liveness' | 'reply' | 'report'
  from: string
  to: string
  /** ms since epoch at the sender and at the receiver. */
  sentAt: number
  receivedAt: number
  /** Message id (gossip), or a key shared by a request and its reply. */
  key: string
  label: string
}

export function arrowsOf(events: readonly SessionEvent[], limit: number): Arrow[] {
  const arrows: Arrow[] = []
  const forwards = new Map<string, number>()
  const probes = new Map<string, number[]>()
  const reports = new Map<string, { t: number; node: string }>()
  for (const e of events) {
    switch (e.type) {
      case 'gossip.forwarded':
        forwards.set(`${e.node}>${e.to}#${e.id}`, e.t)
        break
      case 'gossip.received':
      case 'gossip.duplicate': {
        const sent = forwards.get(`${e.from}>${e.node}#${e.id}`) ?? e.t
        const duplicate = e.type === 'gossip.duplicate'
        arrows.push({
          kind: duplicate ? 'duplicate' : 'gossip',
          from: e.from,
          to: e.node,
          sentAt: sent,
          receivedAt: e.t,
          key: e.id,
          label: `${duplicate ? 'duplicate of' : 'gossip'} ${e.type === 'gossip.received' ? e.text : e.id.slice(0, 10)} ${e.from} -> ${e.node}`,
        })
        break
      }
      case 'liveness.sent': {
        const key = `${e.node}>${e.peer}`
        probes.set(key, [...(probes.get(key) ?? []), e.t])
        break
      }
      case 'liveness.ok': {
        const key = `${e.node}>${e.peer}`
        const sent = probes.get(key)?.shift() ?? e.t - e.rttMs
        const mid = sent + (e.t - sent) / 2
        const id = `${key}@${sent}`
        arrows.push({ kind: 'liveness', from: e.node, to: e.peer, sentAt: sent, receivedAt: mid, key: id, label: `Liveness Request ${e.node} -> ${e.peer}` })
        arrows.push({ kind: 'reply', from: e.peer, to: e.node, sentAt: mid, receivedAt: e.t, key: id, label: `Liveness Reply ${e.peer} -> ${e.node} (${e.rttMs} ms)` })
        break
      }
      case 'peer.dead-reported':
        for (const seed of e.seeds) reports.set(`${e.node}>${seed}#${e.peer}`, { t: e.t, node: e.node })
        break
      case 'seed.peer-removed':
      case 'seed.report-rejected': {
        const report = reports.get(`${e.reporter}>${e.node}#${e.peer}`)
        arrows.push({
          kind: 'report',
          from: e.reporter,
          to: e.node,
          sentAt: report?.t ?? e.t,
          receivedAt: e.t,
          key: `dead:${e.peer}`,
          label: `Dead Node ${e.peer} ${e.reporter} -> ${e.node}${e.type === 'seed.report-rejected' ? ' (rejected)' : ''}`,
        })
        break
      }
      default:
        break
    }
  }
  return arrows.length > limit ? arrows.slice(arrows.length - limit) : arrows
}
