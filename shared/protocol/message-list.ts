import type { NodeId } from '../address'

/**
 * The Message List (ML): one record per gossip message seen, keyed by the SHA-256 (hex)
 * of its text, so a lookup is O(1) however long the run.
 *
 * Honest traffic puts at most (peers ever joined) x gossipCount records here (1,000 for
 * the assignment's 10 messages from 100 peers). `limit` bounds memory against a neighbour
 * that invents messages: past it the oldest record is dropped (Map keeps insertion order,
 * so that is O(1)). A dropped message could be forwarded again if a copy arrived later,
 * which honest gossip, long finished by then, never does.
 */
export interface MessageRecord {
  /** Neighbour it was first received from; null for a message this peer created. */
  from: NodeId | null
  /** Neighbours it was sent to or received from: it never crosses those links again. */
  peers: NodeId[]
}

export const MESSAGE_LIST_LIMIT = 200_000

export class MessageList {
  private readonly records = new Map<string, MessageRecord>()

  constructor(readonly limit = MESSAGE_LIST_LIMIT) {}

  get size(): number {
    return this.records.size
  }

  get(id: string): MessageRecord | undefined {
    return this.records.get(id)
  }

  /** Adds a record for a message seen for the first time (the caller checked `get`). */
  add(id: string, from: NodeId | null): MessageRecord {
    const record: MessageRecord = { from, peers: from === null ? [] : [from] }
    this.records.set(id, record)
    if (this.records.size > this.limit) {
      const oldest = this.records.keys().next()
      if (!oldest.done) this.records.delete(oldest.value)
    }
    return record
  }
}
