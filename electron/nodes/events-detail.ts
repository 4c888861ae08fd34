import type { EventType } from '../../shared/events'

/**
 * How much of a node's event stream goes live (over the IPC channel to the app, or to
 * stdout with `--events -`). The node's events FILE always keeps every event: that file
 * is the full per-hop record of a run, whatever the live detail.
 *
 * - `full`: every event.
 * - `receipts`: leaves out the per-hop traffic that grows with links rather than with
 *   nodes: `gossip.forwarded`, `gossip.duplicate` (about 2E - N + 1 and 2E sends per
 *   message under flooding, E links) and the routine `liveness.sent` / `liveness.ok`.
 *   Kept: every first receipt (`gossip.received`, with the hop it came over), creation,
 *   links, registrations, missed probes, dead reports, removals, warnings. Coverage and
 *   latency per message and the graph are exact at this level.
 * - `lifecycle`: also leaves out `gossip.created` and `gossip.received`: only nodes,
 *   registrations, links and failure detection (used by the node benchmark, which reads
 *   gossip from the files afterwards).
 */
export const EVENTS_DETAILS = ['full', 'receipts', 'lifecycle'] as const
export type EventsDetail = (typeof EVENTS_DETAILS)[number]

const PER_HOP: readonly EventType[] = ['gossip.forwarded', 'gossip.duplicate', 'liveness.sent', 'liveness.ok']
const GOSSIP: readonly EventType[] = ['gossip.created', 'gossip.received']

const LEFT_OUT: Record<EventsDetail, ReadonlySet<string>> = {
  full: new Set(),
  receipts: new Set(PER_HOP),
  lifecycle: new Set([...PER_HOP, ...GOSSIP]),
}

/** True when an event of `type` belongs on a live stream of this detail. */
export function keepsEvent(detail: EventsDetail, type: string): boolean {
  return !LEFT_OUT[detail].has(type)
}
