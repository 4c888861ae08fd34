import { type Address, IPV4_SOURCE, formatAddress, parsePort } from '../address'

/**
 * The wire protocol: one message per line (UTF-8, ended by `\n`, `\r\n` or a lone `\r`;
 * a last line cut by end of stream counts too, see framer.ts), every line one of the
 * messages below. WARNING: these formats are the
 * protocol. Changing one breaks interoperation with every node already running.
 *
 * Formats fixed by the assignment:
 *   <ts>:<ip>:<n>                                   gossip message text (ts = ms since epoch)
 *   Liveness Request:<ts>:<ip>
 *   Liveness Reply:<ts>:<ip>:<replierIp>            echoes the request's ts and ip
 *   Dead Node:<deadIp>:<deadPort>:<ts>:<reporterIp>  also accepted as `Disconnected Node:`
 *
 * Formats the assignment leaves to us:
 *   Register:<ip>:<port>:<incarnation>  peer -> seed, the peer's listening address and its
 *                                       incarnation (ms since epoch at start: a restarted
 *                                       process at the same address has a larger one);
 *                                       `Register:<ip>:<port>` (no incarnation) is accepted too
 *   Registered:<ip>:<port>              seed -> peer, acknowledges the registration
 *   Peer List Request:<ip>:<port>       peer -> seed, the asker (never listed back to itself)
 *   Peer List:<part>/<parts>:<entries>  seed -> peer; entries `ip:port@degree` joined by `,`
 *                                       (empty when there are none); a long list is split
 *                                       into parts so that every line stays under the limit
 *   Degree:<ip>:<port>:<degree>         peer -> seed, the peer's current number of links
 *   Hello:<ip>:<port>:<incarnation>     peer <-> peer, first line on a link: who I am (and which
 *                                       incarnation); also peer -> seed on a report-only
 *                                       channel (no registration); `Hello:<ip>:<port>` accepted
 */

/** A peer as a seed lists it: address plus its last reported degree (links). */
export interface PeerEntry extends Address {
  degree: number
}

export type WireMessage =
  | { kind: 'gossip'; text: string; ts: string; ip: string; seq: number }
  | { kind: 'liveness-request'; ts: string; ip: string }
  | { kind: 'liveness-reply'; ts: string; ip: string; replierIp: string }
  | { kind: 'dead-node'; dead: Address; ts: string; reporterIp: string; prefix: 'Dead Node' | 'Disconnected Node' }
  /** `incarnation`: ms since epoch when the process started; absent from older nodes. */
  | { kind: 'register'; peer: Address; incarnation?: number }
  | { kind: 'registered'; peer: Address }
  | { kind: 'peer-list-request'; peer: Address }
  | { kind: 'peer-list'; part: number; parts: number; entries: PeerEntry[] }
  | { kind: 'degree'; peer: Address; degree: number }
  | { kind: 'hello'; peer: Address; incarnation?: number }

export type DecodeResult = { ok: true; message: WireMessage } | { ok: false; reason: string }

const IP = `(${IPV4_SOURCE})`
const TS = '(\\d{1,16}(?:\\.\\d{1,6})?)'
const PORT = '(\\d{1,5})'
const GOSSIP_RE = new RegExp(`^${TS}:${IP}:(\\d{1,9})$`)
const LIVENESS_REQUEST_RE = new RegExp(`^Liveness Request:${TS}:${IP}$`)
const LIVENESS_REPLY_RE = new RegExp(`^Liveness Reply:${TS}:${IP}:${IP}$`)
/**
 * Timestamps accepted in a Dead Node report (the seed only logs them): what other
 * implementations of the assignment write for `<self.timestamp>`: decimal seconds or ms
 * with a fraction (`time.time()`, `Date.now()`), a date-time (`str(datetime.now())`,
 * ISO 8601 with `T`, a zone or `Z`) and C's `ctime()` (`Sun Nov 29 13:24:44 2026`).
 */
const DEAD_TS =
  '(\\d{1,16}(?:\\.\\d{1,9})?' +
  '|\\d{4}-\\d{2}-\\d{2}[ T]\\d{2}:\\d{2}:\\d{2}(?:[.,]\\d{1,9})?(?:Z|[+-]\\d{2}:?\\d{2})?' +
  '|[A-Z][a-z]{2} [A-Z][a-z]{2} [ \\d]\\d \\d{2}:\\d{2}:\\d{2} \\d{4})'
const DEAD_NODE_RE = new RegExp(`^(Dead Node|Disconnected Node):${IP}:${PORT}:${DEAD_TS}:${IP}$`)
const ADDRESS_MESSAGE_RE = new RegExp(`^(Register|Registered|Peer List Request|Hello):${IP}:${PORT}$`)
/** Register and Hello with an incarnation (up to 15 digits: ms since epoch, an exact integer). */
const INCARNATION_MESSAGE_RE = new RegExp(`^(Register|Hello):${IP}:${PORT}:(\\d{1,15})$`)
const DEGREE_RE = new RegExp(`^Degree:${IP}:${PORT}:(\\d{1,6})$`)
const PEER_LIST_RE = /^Peer List:(\d{1,6})\/(\d{1,6}):(.*)$/
const ENTRY_RE = new RegExp(`^${IP}:${PORT}@(\\d{1,6})$`)

/** Maximum entries in one `Peer List` part (~23 bytes each keeps a part far below 64 KiB). */
export const PEER_LIST_PART_SIZE = 1000

/** Whether a line is a gossip message (the only format that starts with a digit); no full decode. */
export function isGossipLine(line: string): boolean {
  const first = line.charCodeAt(0)
  return first >= 48 && first <= 57
}

/** Decodes one line (without its newline). Never throws. */
export function decodeLine(line: string): DecodeResult {
  if (line.length === 0) return fail('empty line')
  const first = line.charCodeAt(0)
  if (first >= 48 && first <= 57) return decodeGossip(line)
  let m: RegExpExecArray | null
  if ((m = LIVENESS_REQUEST_RE.exec(line))) return ok({ kind: 'liveness-request', ts: m[1]!, ip: m[2]! })
  if ((m = LIVENESS_REPLY_RE.exec(line))) {
    return ok({ kind: 'liveness-reply', ts: m[1]!, ip: m[2]!, replierIp: m[3]! })
  }
  if ((m = ADDRESS_MESSAGE_RE.exec(line))) {
    const port = parsePort(m[3]!)
    if (port === null) return fail(`port out of range in ${m[1]}`)
    const peer = { ip: m[2]!, port }
    switch (m[1]) {
      case 'Register': return ok({ kind: 'register', peer })
      case 'Registered': return ok({ kind: 'registered', peer })
      case 'Peer List Request': return ok({ kind: 'peer-list-request', peer })
      default: return ok({ kind: 'hello', peer })
    }
  }
  if ((m = INCARNATION_MESSAGE_RE.exec(line))) {
    const port = parsePort(m[3]!)
    if (port === null) return fail(`port out of range in ${m[1]}`)
    const incarnation = Number(m[4])
    return ok({ kind: m[1] === 'Register' ? 'register' : 'hello', peer: { ip: m[2]!, port }, incarnation })
  }
  if ((m = DEAD_NODE_RE.exec(line))) {
    const port = parsePort(m[3]!)
    if (port === null) return fail('port out of range in Dead Node')
    const prefix = m[1] as 'Dead Node' | 'Disconnected Node'
    return ok({ kind: 'dead-node', dead: { ip: m[2]!, port }, ts: m[4]!, reporterIp: m[5]!, prefix })
  }
  if ((m = DEGREE_RE.exec(line))) {
    const port = parsePort(m[2]!)
    if (port === null) return fail('port out of range in Degree')
    return ok({ kind: 'degree', peer: { ip: m[1]!, port }, degree: Number(m[3]) })
  }
  if ((m = PEER_LIST_RE.exec(line))) return decodePeerList(Number(m[1]), Number(m[2]), m[3]!)
  return fail(`unknown message "${preview(line)}"`)
}

function decodeGossip(line: string): DecodeResult {
  const m = GOSSIP_RE.exec(line)
  if (!m) return fail(`malformed gossip message "${preview(line)}"`)
  return ok({ kind: 'gossip', text: line, ts: m[1]!, ip: m[2]!, seq: Number(m[3]) })
}

function decodePeerList(part: number, parts: number, body: string): DecodeResult {
  if (parts < 1 || part < 1 || part > parts) return fail(`bad Peer List part ${part}/${parts}`)
  const entries: PeerEntry[] = []
  if (body !== '') {
    const items = body.split(',')
    if (items.length > PEER_LIST_PART_SIZE) return fail(`Peer List part has ${items.length} entries`)
    for (const item of items) {
      const m = ENTRY_RE.exec(item)
      const port = m ? parsePort(m[2]!) : null
      if (!m || port === null) return fail(`bad Peer List entry "${preview(item)}"`)
      entries.push({ ip: m[1]!, port, degree: Number(m[3]) })
    }
  }
  return ok({ kind: 'peer-list', part, parts, entries })
}

/** Encodes one message as a line, without the trailing newline. */
export function encodeMessage(message: WireMessage): string {
  switch (message.kind) {
    case 'gossip': return message.text
    case 'liveness-request': return `Liveness Request:${message.ts}:${message.ip}`
    case 'liveness-reply': return `Liveness Reply:${message.ts}:${message.ip}:${message.replierIp}`
    case 'dead-node':
      return `${message.prefix}:${formatAddress(message.dead)}:${message.ts}:${message.reporterIp}`
    case 'register': return `Register:${formatAddress(message.peer)}${incarnationSuffix(message.incarnation)}`
    case 'registered': return `Registered:${formatAddress(message.peer)}`
    case 'peer-list-request': return `Peer List Request:${formatAddress(message.peer)}`
    case 'peer-list': {
      const entries = message.entries.map(peerEntryText).join(',')
      return `Peer List:${message.part}/${message.parts}:${entries}`
    }
    case 'degree': return `Degree:${formatAddress(message.peer)}:${message.degree}`
    case 'hello': return `Hello:${formatAddress(message.peer)}${incarnationSuffix(message.incarnation)}`
    default: return assertNever(message)
  }
}

function incarnationSuffix(incarnation: number | undefined): string {
  return incarnation === undefined ? '' : `:${incarnation}`
}

/** One entry of a `Peer List` as written on the wire: `ip:port@degree`. */
export function peerEntryText(entry: PeerEntry): string {
  return `${entry.ip}:${entry.port}@${entry.degree}`
}

/**
 * The lines of a peer list whose entries are already written (peerEntryText), split as
 * peerListMessages splits it: what encodeMessage gives for each of those messages. A seed
 * keeps each listed peer's entry text and answers every request with this, so a request
 * costs one string per entry instead of an object, a copy and a template each (at 1,000
 * peers joining, building lists was half of the seeds' CPU: README, issue 9).
 */
export function peerListLines(entryTexts: readonly string[]): string[] {
  const parts = Math.max(1, Math.ceil(entryTexts.length / PEER_LIST_PART_SIZE))
  const lines: string[] = []
  for (let i = 0; i < parts; i++) {
    lines.push(`Peer List:${i + 1}/${parts}:${entryTexts.slice(i * PEER_LIST_PART_SIZE, (i + 1) * PEER_LIST_PART_SIZE).join(',')}`)
  }
  return lines
}

/** Splits a peer list into `Peer List` messages of at most PEER_LIST_PART_SIZE entries. */
export function peerListMessages(entries: readonly PeerEntry[]): WireMessage[] {
  const parts = Math.max(1, Math.ceil(entries.length / PEER_LIST_PART_SIZE))
  const out: WireMessage[] = []
  for (let i = 0; i < parts; i++) {
    const slice = entries.slice(i * PEER_LIST_PART_SIZE, (i + 1) * PEER_LIST_PART_SIZE)
    out.push({ kind: 'peer-list', part: i + 1, parts, entries: slice })
  }
  return out
}

/** The gossip text the assignment prescribes: `<timestamp>:<IP>:<Msg#>`. */
export function gossipText(ts: number, ip: string, seq: number): string {
  return `${ts}:${ip}:${seq}`
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`)
}

function ok(message: WireMessage): DecodeResult {
  return { ok: true, message }
}

function fail(reason: string): DecodeResult {
  return { ok: false, reason }
}

/** A short printable preview of untrusted text, for error messages and logs. */
export function preview(text: string, max = 80): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, '?')
  return clean.length > max ? `${clean.slice(0, max)}...` : clean
}
