import { ipv4Number } from '../address'

/**
 * The Message List (ML): every gossip message this peer has seen, keyed by the SHA-256
 * (hex) of its text, so a lookup is O(1) however long the run.
 *
 * What it keeps per message, and why no more: the key, when it was added (for the age-out)
 * and the IP that created it (for the per-origin budget). The neighbours a message crosses
 * are settled once, at its first receipt: it goes to every open link except the one it
 * came from, and a later copy is a duplicate, dropped. A message is never forwarded again
 * after that, so a list of neighbours per record would only be written, never read; the
 * node's log and events (`gossip.received` with `from`, `gossip.forwarded`,
 * `gossip.duplicate`) record them. IPs are kept as their 32-bit values (no string per
 * record or per origin). A record costs a Map entry and one float64, about 50 bytes, and
 * each origin IP seen one more Map entry; an object with a neighbour array per record cost
 * about 370 bytes, which at 1,000 peers times 1,000 messages was a third of the network's
 * memory (docs/protocol.md).
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

export const MESSAGE_LIST_LIMIT = 200_000
/** ms a record is kept, and the oldest `<ts>` a peer accepts (10 minutes). */
export const MESSAGE_MAX_AGE_MS = 600_000

/** Smallest capacity of the ring of times. */
const MIN_RING = 16

export class MessageList {
  /** Message id -> the IP that created it (ipv4Number); insertion (= receipt) order. */
  private readonly records = new Map<string, number>()
  /** Origin IP (ipv4Number) -> records held from it. */
  private readonly perOrigin = new Map<number, number>()
  /**
   * ms since epoch each record was added, in the order of `records`: a ring of `size`
   * entries starting at `head` (records are only ever dropped from the head).
   */
  private times = new Float64Array(MIN_RING)
  private head = 0

  constructor(readonly limit = MESSAGE_LIST_LIMIT) {}

  get size(): number {
    return this.records.size
  }

  /** Whether the message with this id is in the list. */
  has(id: string): boolean {
    return this.records.has(id)
  }

  /** Records held whose message was created by `ip`. */
  fromOrigin(ip: string): number {
    return this.perOrigin.get(ipv4Number(ip)) ?? 0
  }

  /** Adds a message seen for the first time (the caller checked `has`), created by `origin` (a dotted quad), at `now` (ms). */
  add(id: string, origin: string, now: number): void {
    const ip = ipv4Number(origin)
    this.perOrigin.set(ip, (this.perOrigin.get(ip) ?? 0) + 1)
    const n = this.records.size
    if (n === this.times.length) this.resize(2 * n)
    this.times[(this.head + n) % this.times.length] = now
    this.records.set(id, ip)
    if (this.records.size > this.limit) this.dropOldest()
  }

  /** Drops records added more than MESSAGE_MAX_AGE_MS before `now`. */
  expire(now: number): void {
    while (this.records.size > 0 && now - this.times[this.head]! > MESSAGE_MAX_AGE_MS) this.dropOldest()
  }

  private dropOldest(): void {
    const oldest = this.records.entries().next()
    if (oldest.done) return
    const [id, ip] = oldest.value
    this.records.delete(id)
    this.head = (this.head + 1) % this.times.length
    const left = this.perOrigin.get(ip)! - 1
    if (left > 0) this.perOrigin.set(ip, left)
    else this.perOrigin.delete(ip)
    const n = this.records.size
    if (n === 0) this.head = 0
    if (this.times.length > MIN_RING && n <= this.times.length / 4) this.resize(Math.max(MIN_RING, 2 * n))
  }

  /** Moves the ring's entries, oldest first, to a new ring of `capacity` (>= size). */
  private resize(capacity: number): void {
    const next = new Float64Array(capacity)
    const n = this.records.size
    for (let i = 0; i < n; i++) next[i] = this.times[(this.head + i) % this.times.length]!
    this.times = next
    this.head = 0
  }
}
