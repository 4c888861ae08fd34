import { NETWORK_NODE, EVENT_VERSION, type EventOf, type SessionEvent } from '../events'

/**
 * Hop summaries for a page watching a large network. A broadcast over N peers with E links
 * makes about N first receipts, 2E - N + 1 sends and 2E - 2N + 2 duplicate copies (flooding:
 * each link carries the message both ways but the first), so at 1,000 peers one message is
 * several thousand hop events. `summariseHops` folds the hop events of a run of events into
 * `gossip.coverage` items, one per window, which `applyEvent` (model/network.ts) folds into
 * exactly the state the hops would have made: the same receipts (receiver, time, sender) in
 * the same order, the same per-node and per-message duplicate and send counts, the same event
 * counts. What a summary leaves out: the sender of each duplicate copy and the receiver of
 * each send (the session file keeps both). Every other event passes through unchanged.
 */

export type HopEvent = EventOf<'gossip.received'> | EventOf<'gossip.duplicate'> | EventOf<'gossip.forwarded'>
export type CoverageEvent = EventOf<'gossip.coverage'> & { seq: number }
type CoverageMessage = CoverageEvent['messages'][number]

export function isHop(event: SessionEvent): event is HopEvent & { seq: number } {
  return event.type === 'gossip.received' || event.type === 'gossip.duplicate' || event.type === 'gossip.forwarded'
}

interface OpenMessage {
  message: CoverageMessage
  /** Receiver -> index in message.duplicates. */
  dupAt: Map<string, number>
}

/** One `gossip.coverage` item being filled. */
class OpenCoverage {
  fromSeq = 0
  seq = 0
  t = 0
  hops = 0
  readonly messages = new Map<string, OpenMessage>()
  /** Nodes with a receipt or a duplicate folded here (a restart of one closes the item). */
  readonly touched = new Set<string>()

  add(e: HopEvent & { seq: number }): void {
    if (this.hops === 0) this.fromSeq = e.seq
    this.hops++
    this.seq = e.seq
    this.t = Math.max(this.t, e.t)
    let open = this.messages.get(e.id)
    if (!open) {
      open = { message: { id: e.id, firstT: e.t, lastT: e.t, received: [], duplicates: [], forwards: 0 }, dupAt: new Map() }
      this.messages.set(e.id, open)
    }
    const m = open.message
    m.firstT = Math.min(m.firstT, e.t)
    m.lastT = Math.max(m.lastT, e.t)
    switch (e.type) {
      case 'gossip.received':
        m.received.push([e.node, e.t, e.from])
        this.touched.add(e.node)
        return
      case 'gossip.duplicate': {
        const at = open.dupAt.get(e.node)
        if (at === undefined) {
          open.dupAt.set(e.node, m.duplicates.length)
          m.duplicates.push([e.node, 1])
        } else m.duplicates[at]![1]++
        this.touched.add(e.node)
        return
      }
      case 'gossip.forwarded':
        m.forwards++
        return
    }
  }

  close(): CoverageEvent {
    return {
      v: EVENT_VERSION,
      t: this.t,
      node: NETWORK_NODE,
      type: 'gossip.coverage',
      fromSeq: this.fromSeq,
      hops: this.hops,
      messages: [...this.messages.values()].map((o) => o.message),
      seq: this.seq,
    }
  }
}

/**
 * `events` (ascending seq) with every hop event folded into `gossip.coverage` items, in seq
 * order: an item takes the seq of the last hop it folds and sits after the events before
 * that seq. Normally one item for the whole run; a new one starts after a `node.started` of
 * a node whose receipts are in the open item (a restart clears what the node held, so its
 * receipts must be folded before it). Pure; the input is not changed.
 */
export function summariseHops(events: readonly SessionEvent[]): SessionEvent[] {
  const out: SessionEvent[] = []
  let open: OpenCoverage | null = null
  // Events after the open item's last hop wait here: the item goes before them.
  let after: SessionEvent[] = []
  const closeOpen = (): void => {
    if (!open) return
    out.push(open.close(), ...after)
    open = null
    after = []
  }
  for (const event of events) {
    if (isHop(event)) {
      if (open) {
        out.push(...after)
        after = []
      } else open = new OpenCoverage()
      open.add(event)
    } else if (!open) out.push(event)
    else {
      if (event.type === 'node.started' && open.touched.has(event.node)) closeOpen()
      if (open) after.push(event)
      else out.push(event)
    }
  }
  closeOpen()
  return out
}

/**
 * The first seq a batch accounts for: its first event's, or earlier when a coverage item
 * folds hops from before it (0 for an empty batch). A batch continues a stream that ended at
 * seq S when this is S + 1; seqs inside a batch with coverage items are not consecutive.
 */
export function batchStart(events: readonly SessionEvent[]): number {
  let start = events[0]?.seq ?? 0
  for (const e of events) if (e.type === 'gossip.coverage' && e.fromSeq < start) start = e.fromSeq
  return start
}

/** How many recorded events an item stands for: the hops of a coverage item, else 1. */
export function eventsIn(event: SessionEvent): number {
  return event.type === 'gossip.coverage' ? event.hops : 1
}

/** Totals of a coverage item: first receipts, duplicate copies and sends folded, and messages. */
export function coverageTotals(event: CoverageEvent | EventOf<'gossip.coverage'>): { messages: number; received: number; duplicates: number; forwards: number } {
  let received = 0
  let duplicates = 0
  let forwards = 0
  for (const m of event.messages) {
    received += m.received.length
    for (const [, n] of m.duplicates) duplicates += n
    forwards += m.forwards
  }
  return { messages: event.messages.length, received, duplicates, forwards }
}
