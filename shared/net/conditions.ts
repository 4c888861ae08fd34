import { type Address, type NodeId, isIpv4, parseAddress } from '../address'

/**
 * The network conditions model: what the emulated network does to each message a node
 * sends. Pure data and pure functions (no clock, no randomness of its own), used by the TCP
 * driver (electron/nodes/shaper.ts), the in-memory simulator (shared/sim) and the host.
 *
 * Per directed link (sender -> receiver):
 * - `delayMs`: added one-way delay, ms.
 * - `jitterMs`: the delay of each message is drawn uniformly from
 *   [delayMs - jitterMs, delayMs + jitterMs] (clamped at 0). FIFO per connection holds: a
 *   message is never released before the one sent before it on the same connection, so a
 *   message drawn shorter than its predecessor waits for it (as on one TCP stream).
 * - `loss`: probability in 0..1 that one message (one line) is dropped at the sender. It is
 *   never retransmitted: TCP's retransmission does not apply to emulated loss.
 * - blocked (partitions): nothing crosses. Established connections stay open but carry
 *   nothing (lines are held back, in order, and released when the cut heals), and a new
 *   connection across the cut does not complete until it heals or the dial times out.
 *
 * `defaults` apply to every link without an override; `links` override single directed
 * links; `partitions` block traffic between named groups, both ways or one way (as
 * Jepsen's nemesis does).
 *
 * Node ids are `IP:PORT`. The receiving end of a connection a node accepted is only known by
 * its source IP, so such links match overrides and partition members by IP alone: give
 * every node its own IP (the app does) for per-link conditions on accepted connections.
 */

export interface LinkConditions {
  /** Added one-way delay, ms (0..MAX_DELAY_MS). */
  delayMs: number
  /** Half-width of the uniform delay distribution, ms (0..MAX_DELAY_MS). */
  jitterMs: number
  /** Probability that one message is dropped, 0..1. */
  loss: number
}

/** Which way a partition blocks: `both`; `outbound` = side -> other only; `inbound` = other -> side only. */
export type PartitionDirection = 'both' | 'outbound' | 'inbound'
export const PARTITION_DIRECTIONS: readonly PartitionDirection[] = ['both', 'outbound', 'inbound']

export interface Partition {
  /** Unique among the partitions in force, e.g. `p1`. */
  name: string
  /** The nodes cut off (at least one). */
  side: NodeId[]
  /** The other group; null = every node not in `side` (including nodes started later). */
  other: NodeId[] | null
  direction: PartitionDirection
}

export interface LinkOverride {
  from: NodeId
  to: NodeId
  conditions: LinkConditions
}

export interface NetConditions {
  defaults: LinkConditions
  /** At most one override per directed (from, to) pair. */
  links: LinkOverride[]
  partitions: Partition[]
}

/** Bounds that every input (flag, IPC, WebSocket, file) is checked against. */
export const MAX_DELAY_MS = 60_000
export const MAX_LINK_OVERRIDES = 10_000
export const MAX_PARTITIONS = 64
export const MAX_PARTITION_MEMBERS = 10_000

export const ZERO_LINK: LinkConditions = Object.freeze({ delayMs: 0, jitterMs: 0, loss: 0 })
export const NO_CONDITIONS: NetConditions = Object.freeze({ defaults: ZERO_LINK, links: [], partitions: [] }) as NetConditions

export function isZeroLink(link: LinkConditions): boolean {
  return link.delayMs === 0 && link.jitterMs === 0 && link.loss === 0
}

/** True when the model changes nothing: the send path can skip shaping entirely. */
export function isIdle(conditions: NetConditions): boolean {
  return isZeroLink(conditions.defaults) && conditions.links.length === 0 && conditions.partitions.length === 0
}

// ---- validation (the one validator: flags, node IPC, host API and event files use it) ----

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string }

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function checkNumber(value: unknown, name: string, max: number): string | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return `${name} must be a number`
  if (value < 0 || value > max) return `${name} must be in 0..${max}, got ${value}`
  return null
}

/** Checks one link's conditions; `where` prefixes the error (e.g. `defaults`; '' for none). */
export function checkLinkConditions(value: unknown, where = 'conditions'): Checked<LinkConditions> {
  const field = (name: string) => (where === '' ? name : `${where}.${name}`)
  if (!isObject(value)) return { ok: false, error: `${where === '' ? 'conditions' : where} must be an object {delayMs, jitterMs, loss}` }
  const error =
    checkNumber(value.delayMs, field('delayMs'), MAX_DELAY_MS) ??
    checkNumber(value.jitterMs, field('jitterMs'), MAX_DELAY_MS) ??
    checkNumber(value.loss, field('loss'), 1)
  if (error) return { ok: false, error }
  return { ok: true, value: { delayMs: value.delayMs as number, jitterMs: value.jitterMs as number, loss: value.loss as number } }
}

function checkNodeId(value: unknown, where: string): string | null {
  return typeof value === 'string' && parseAddress(value) !== null ? null : `${where} must be a node id IP:PORT`
}

function checkMembers(value: unknown, where: string): Checked<NodeId[]> {
  if (!Array.isArray(value)) return { ok: false, error: `${where} must be a list of node ids` }
  if (value.length === 0) return { ok: false, error: `${where} must name at least one node` }
  if (value.length > MAX_PARTITION_MEMBERS) return { ok: false, error: `${where} lists more than ${MAX_PARTITION_MEMBERS} nodes` }
  for (let i = 0; i < value.length; i++) {
    const error = checkNodeId(value[i], `${where}[${i}]`)
    if (error) return { ok: false, error }
  }
  return { ok: true, value: [...new Set(value as string[])] }
}

/** Checks a partition (name: 1-32 of letters, digits, `-`, `_`, `.`). */
export function checkPartition(value: unknown, where = 'partition'): Checked<Partition> {
  if (!isObject(value)) return { ok: false, error: `${where} must be an object {name, side, other, direction}` }
  if (typeof value.name !== 'string' || !/^[\w.-]{1,32}$/.test(value.name)) {
    return { ok: false, error: `${where}.name must be 1-32 letters, digits, '-', '_' or '.'` }
  }
  const side = checkMembers(value.side, `${where}.side`)
  if (!side.ok) return side
  let other: NodeId[] | null = null
  if (value.other !== null && value.other !== undefined) {
    const checked = checkMembers(value.other, `${where}.other`)
    if (!checked.ok) return checked
    if (checked.value.some((id) => side.value.includes(id))) return { ok: false, error: `${where}: a node cannot be on both sides` }
    other = checked.value
  }
  const direction = value.direction ?? 'both'
  if (!PARTITION_DIRECTIONS.includes(direction as PartitionDirection)) {
    return { ok: false, error: `${where}.direction must be one of ${PARTITION_DIRECTIONS.join(', ')}` }
  }
  return { ok: true, value: { name: value.name, side: side.value, other, direction: direction as PartitionDirection } }
}

/** Checks a whole model. Never throws; the error names the bad field. */
export function checkNetConditions(value: unknown): Checked<NetConditions> {
  if (!isObject(value)) return { ok: false, error: 'conditions must be an object {defaults, links, partitions}' }
  const defaults = checkLinkConditions(value.defaults, 'defaults')
  if (!defaults.ok) return defaults
  const rawLinks = value.links ?? []
  if (!Array.isArray(rawLinks) || rawLinks.length > MAX_LINK_OVERRIDES) {
    return { ok: false, error: `links must be a list of at most ${MAX_LINK_OVERRIDES} overrides` }
  }
  const links: LinkOverride[] = []
  const seen = new Set<string>()
  for (let i = 0; i < rawLinks.length; i++) {
    const raw: unknown = rawLinks[i]
    const where = `links[${i}]`
    if (!isObject(raw)) return { ok: false, error: `${where} must be an object {from, to, conditions}` }
    const error = checkNodeId(raw.from, `${where}.from`) ?? checkNodeId(raw.to, `${where}.to`)
    if (error) return { ok: false, error }
    if (raw.from === raw.to) return { ok: false, error: `${where}: from and to are the same node` }
    const key = `${raw.from as string}>${raw.to as string}`
    if (seen.has(key)) return { ok: false, error: `${where}: a second override for ${raw.from as string} -> ${raw.to as string}` }
    seen.add(key)
    const conditions = checkLinkConditions(raw.conditions, `${where}.conditions`)
    if (!conditions.ok) return conditions
    links.push({ from: raw.from as string, to: raw.to as string, conditions: conditions.value })
  }
  const rawPartitions = value.partitions ?? []
  if (!Array.isArray(rawPartitions) || rawPartitions.length > MAX_PARTITIONS) {
    return { ok: false, error: `partitions must be a list of at most ${MAX_PARTITIONS}` }
  }
  const partitions: Partition[] = []
  for (let i = 0; i < rawPartitions.length; i++) {
    const checked = checkPartition(rawPartitions[i], `partitions[${i}]`)
    if (!checked.ok) return checked
    if (partitions.some((p) => p.name === checked.value.name)) return { ok: false, error: `partitions[${i}]: name ${checked.value.name} is used twice` }
    partitions.push(checked.value)
  }
  return { ok: true, value: { defaults: defaults.value, links, partitions } }
}

// ---- evaluation -----------------------------------------------------------------------

/** One end of a link: a node's listening address, or (port null) only the IP of an accepted connection. */
export interface Endpoint {
  ip: string
  port: number | null
}

export function endpointOf(id: NodeId | Address): Endpoint {
  if (typeof id !== 'string') return { ip: id.ip, port: id.port }
  const address = parseAddress(id)
  if (address) return address
  return { ip: isIpv4(id) ? id : '', port: null }
}

/** Whether `id` denotes the endpoint (same IP, and same port unless the endpoint's is unknown). */
export function matches(id: NodeId, end: Endpoint): boolean {
  const colon = id.lastIndexOf(':')
  if (id.slice(0, colon) !== end.ip) return false
  return end.port === null || id.slice(colon + 1) === String(end.port)
}

const inGroup = (group: readonly NodeId[], end: Endpoint): boolean => group.some((id) => matches(id, end))

/** Whether partition `p` blocks traffic from `from` to `to`. */
export function partitionBlocks(p: Partition, from: Endpoint, to: Endpoint): boolean {
  const inSide = (end: Endpoint) => inGroup(p.side, end)
  const inOther = (end: Endpoint) => (p.other === null ? !inSide(end) : inGroup(p.other, end))
  if (p.direction !== 'inbound' && inSide(from) && inOther(to)) return true
  if (p.direction !== 'outbound' && inOther(from) && inSide(to)) return true
  return false
}

/** What one directed link does now: its conditions and whether a partition blocks it. */
export interface EffectiveLink extends LinkConditions {
  /** Traffic from -> to is held back. */
  blocked: boolean
  /** to -> from is blocked: with `blocked`, a TCP handshake cannot complete if either holds. */
  blockedBack: boolean
}

/** The conditions of the directed link from -> to: its override if any, else the defaults. */
export function effectiveLink(conditions: NetConditions, from: Endpoint, to: Endpoint): EffectiveLink {
  let link = conditions.defaults
  for (const o of conditions.links) {
    if (matches(o.from, from) && matches(o.to, to)) {
      link = o.conditions
      break
    }
  }
  let blocked = false
  let blockedBack = false
  for (const p of conditions.partitions) {
    blocked ||= partitionBlocks(p, from, to)
    blockedBack ||= partitionBlocks(p, to, from)
  }
  return { delayMs: link.delayMs, jitterMs: link.jitterMs, loss: link.loss, blocked, blockedBack }
}

/**
 * One message's one-way delay, ms: uniform in [delay - jitter, delay + jitter], clamped at
 * 0. Draws from `random` only when jitter > 0 (so zero jitter replays identically).
 */
export function sampleDelay(link: LinkConditions, random: () => number): number {
  if (link.jitterMs === 0) return link.delayMs
  return Math.max(0, link.delayMs + (2 * random() - 1) * link.jitterMs)
}

/** Whether one message is lost. Draws from `random` only when 0 < loss < 1. */
export function isLost(link: LinkConditions, random: () => number): boolean {
  if (link.loss <= 0) return false
  if (link.loss >= 1) return true
  return random() < link.loss
}

/**
 * What happens to one message sent at `now` on a connection whose previous message is
 * released at `lastAt` (ms): dropped by loss, held by a partition, or released at a time
 * that keeps FIFO order (max(now + sampled delay, lastAt)).
 */
export type SendPlan = { kind: 'drop' } | { kind: 'hold' } | { kind: 'at'; time: number }

export function planSend(link: EffectiveLink, now: number, lastAt: number, random: () => number): SendPlan {
  if (isLost(link, random)) return { kind: 'drop' }
  if (link.blocked) return { kind: 'hold' }
  return { kind: 'at', time: Math.max(now + sampleDelay(link, random), lastAt) }
}

// ---- editing (the host's verbs, the sim and scenarios use these) ------------------------

/** Sets (or with null clears) the override of the directed link from -> to. */
export function withLink(conditions: NetConditions, from: NodeId, to: NodeId, link: LinkConditions | null): NetConditions {
  const links = conditions.links.filter((o) => !(o.from === from && o.to === to))
  if (link) links.push({ from, to, conditions: { ...link } })
  return { ...conditions, links }
}

/** Adds a partition (replacing one of the same name). */
export function withPartition(conditions: NetConditions, partition: Partition): NetConditions {
  return { ...conditions, partitions: [...conditions.partitions.filter((p) => p.name !== partition.name), partition] }
}

/** Removes the named partition, or every partition when `name` is omitted. */
export function healed(conditions: NetConditions, name?: string): NetConditions {
  return { ...conditions, partitions: name === undefined ? [] : conditions.partitions.filter((p) => p.name !== name) }
}

/** A free partition name `p<n>`. */
export function nextPartitionName(conditions: NetConditions): string {
  for (let n = 1; ; n++) if (!conditions.partitions.some((p) => p.name === `p${n}`)) return `p${n}`
}

/**
 * A short description for logs: `delay 50 ms ± 20 ms, loss 2%, 1 override, partition p1`.
 * Jitter above the delay says that draws below 0 are clamped (the mean delay is then above
 * `delayMs`): `delay 10 ms ± 30 ms (clamped at 0)`.
 */
export function describeConditions(conditions: NetConditions): string {
  const d = conditions.defaults
  const jitter = d.jitterMs > 0 ? ` ± ${d.jitterMs} ms${d.jitterMs > d.delayMs ? ' (clamped at 0)' : ''}` : ''
  const parts = [`delay ${d.delayMs} ms${jitter}`, `loss ${+(d.loss * 100).toFixed(3)}%`]
  if (conditions.links.length > 0) parts.push(`${conditions.links.length} link override${conditions.links.length === 1 ? '' : 's'}`)
  for (const p of conditions.partitions) parts.push(`partition ${p.name} (${p.side.length} node${p.side.length === 1 ? '' : 's'}, ${p.direction})`)
  return parts.join(', ')
}
