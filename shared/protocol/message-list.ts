import type { NodeId } from '../address'

/**
 * The Message List (ML): one record per gossip message seen, keyed by the SHA-256 (hex)
 * of its text, so a lookup is O(1) however long the run.
 *
 * Records age out: a record is dropped MESSAGE_MAX_AGE_MS after it was added (a Map keeps
 * insertion order, which is receipt order, so the oldest are at its head: O(1) each).
 * Forgetting is safe because a peer refuses gossip whose `<ts>` is older than that same
 * age (see `gossipProblem` in peer-gossip.ts): a copy that arrives after its record aged
 * out is refused, never forwarded again. `limit` bounds memory within the window against
 * a neighbour that invents messages: past it the oldest record is dropped early.
 *
 * Honest traffic puts at most (peers joined) x gossipCount records here (1,000 for the
 * assignment's 10 messages from 100 peers). Per origin IP the list counts records, so a
 * peer can refuse an origin that created implausibly many (ORIGIN_BUDGET).
 */
export interface MessageRecord {
  /** Neighbour it was first received from; null for a message this peer created. */
  from: NodeId | null
  /** Neighbours it was sent to or received from: it never crosses those links again. */
  peers: NodeId[]
  /** ms since epoch it was added. */
  addedAt: number
  /** IP of the peer that created it (the `<ip>` field of its text). */
  origin: string
}

export const MESSAGE_LIST_LIMIT = 200_000
/** ms a record is kept, and the oldest `<ts>` a peer accepts (10 minutes). */
export const MESSAGE_MAX_AGE_MS = 600_000

export class MessageList {
  private readonly records = new Map<string, MessageRecord>()
  private readonly perOrigin = new Map<string, number>()

  constructor(readonly limit = MESSAGE_LIST_LIMIT) {}

  get size(): number {
    return this.records.size
  }

  get(id: string): MessageRecord | undefined {
    return this.records.get(id)
  }

  /** Records held whose message was created by `ip`. */
  fromOrigin(ip: string): number {
    return this.perOrigin.get(ip) ?? 0
  }

  /** Adds a record for a message seen for the first time (the caller checked `get`). */
  add(id: string, from: NodeId | null, origin: string, now: number): MessageRecord {
    const record: MessageRecord = { from, peers: from === null ? [] : [from], addedAt: now, origin }
    this.records.set(id, record)
    this.perOrigin.set(origin, this.fromOrigin(origin) + 1)
    if (this.records.size > this.limit) this.dropOldest()
    return record
  }

  /** Drops records added more than MESSAGE_MAX_AGE_MS before `now`. */
  expire(now: number): void {
    for (;;) {
      const oldest = this.records.values().next()
      if (oldest.done || now - oldest.value.addedAt <= MESSAGE_MAX_AGE_MS) return
      this.dropOldest()
    }
  }

  private dropOldest(): void {
    const oldest = this.records.entries().next()
    if (oldest.done) return
    const [id, record] = oldest.value
    this.records.delete(id)
    const n = this.fromOrigin(record.origin) - 1
    if (n > 0) this.perOrigin.set(record.origin, n)
    else this.perOrigin.delete(record.origin)
  }
}
