import { z } from 'zod'
import { netConditionsSchema } from './net/conditions-schema'
import { protocolSettingsSchema } from './settings'
import { packingSchema } from './packing'
import { conditionsSchema, PARTITION_DIRECTIONS, STEP_KINDS } from './scenario/schema'

/**
 * Node events: the contract between the node programs and everything that watches them
 * (the app's host, replay, reports). NDJSON, one object per line:
 *   {"v":1,"t":<ms since epoch>,"node":"IP:PORT","type":...,...fields}
 * `v` is the schema version; new event types and new optional fields may be added within
 * v1, nothing is ever removed or renamed. `t` is the emitting node's wall clock in ms
 * since epoch (not comparable across machines: see model/merge for skew handling).
 * `node` is the emitter's listening address.
 *
 * Host events are written by the app's supervisor about a node (spawn, kill, exit...)
 * into the same stream, with `node` the node they are about.
 */

export const EVENT_VERSION = 1

const nodeId = z.string().min(3).max(64)
const messageId = z.string().min(1).max(128)
const gossipText = z.string().max(256)
const count = z.number().int().min(0)

const base = { v: z.literal(EVENT_VERSION), t: z.number().finite().min(0), node: nodeId }

/** Per-type payloads. `peer`, `seed`, `from`, `to`, `reporter` are node ids (`IP:PORT`). */
const nodeEventSchemas = [
  z.object({
    ...base,
    type: z.literal('node.started'),
    role: z.enum(['seed', 'peer']),
    /** Seeds from config.txt, as `IP:PORT`. */
    seeds: z.array(nodeId).max(1000),
    settings: protocolSettingsSchema,
    pid: count.optional(),
    /**
     * ms since epoch this process started, sent in its `Register` and `Hello`: a node
     * restarted at the same address has a larger one. Absent in older recordings.
     */
    incarnation: count.optional(),
  }),
  z.object({ ...base, type: z.literal('node.stopping'), reason: z.string().max(500) }),
  /** A one-line diagnostic that is not a protocol event (e.g. a seed unreachable). */
  z.object({ ...base, type: z.literal('node.warning'), message: z.string().max(2000) }),
  /** `incarnation`: the peer's, from its `Register` (ms since epoch its process started); absent before v1.1 nodes. */
  z.object({ ...base, type: z.literal('seed.registered'), peer: nodeId, incarnation: count.optional() }),
  z.object({ ...base, type: z.literal('seed.peer-removed'), peer: nodeId, reporter: nodeId }),
  /** A Dead Node report the seed refused, e.g. because the reported peer still answers it. */
  z.object({
    ...base,
    type: z.literal('seed.report-rejected'),
    peer: nodeId,
    reporter: nodeId,
    reason: z.string().max(500),
  }),
  z.object({ ...base, type: z.literal('peer.registered'), seed: nodeId }),
  z.object({ ...base, type: z.literal('peer.peer-list'), seed: nodeId, peers: z.array(nodeId).max(100_000) }),
  /** A link is up once both sides exchanged Hello. `initiator` is true on the dialing side. */
  z.object({ ...base, type: z.literal('peer.link-up'), peer: nodeId, initiator: z.boolean() }),
  z.object({
    ...base,
    type: z.literal('peer.link-down'),
    peer: nodeId,
    reason: z.enum(['dead', 'closed', 'shutdown', 'replaced']),
  }),
  z.object({ ...base, type: z.literal('peer.link-failed'), peer: nodeId, reason: z.string().max(500) }),
  /** `id` is the SHA-256 (hex) of `text`; the Message List key. `n` is the Msg# (1-based). */
  z.object({ ...base, type: z.literal('gossip.created'), id: messageId, text: gossipText, n: count }),
  /** First receipt only; `from` is the neighbour it came from. */
  z.object({ ...base, type: z.literal('gossip.received'), id: messageId, text: gossipText, from: nodeId }),
  /** A later copy, dropped. */
  z.object({ ...base, type: z.literal('gossip.duplicate'), id: messageId, from: nodeId }),
  z.object({ ...base, type: z.literal('gossip.forwarded'), id: messageId, to: nodeId }),
  z.object({ ...base, type: z.literal('liveness.sent'), peer: nodeId }),
  /** A reply arrived; the peer's miss count is reset. `rttMs` in ms. */
  z.object({ ...base, type: z.literal('liveness.ok'), peer: nodeId, rttMs: z.number().min(0) }),
  /** `count` consecutive requests to `peer` are unanswered (1..livenessMisses). */
  z.object({ ...base, type: z.literal('liveness.missed'), peer: nodeId, count: count }),
  z.object({ ...base, type: z.literal('peer.dead-reported'), peer: nodeId, seeds: z.array(nodeId).max(1000) }),
  /** Bytes or a message refused at the edge. `from` is the remote `IP:PORT` of the connection. */
  z.object({ ...base, type: z.literal('frame.rejected'), from: z.string().max(64), reason: z.string().max(500) }),
  /**
   * The network conditions this node now applies to what it sends (shared/net/conditions.ts),
   * once per change: at start when its flags set any, and on every change from the host.
   * A partition starts when its name first appears in `conditions.partitions` and heals
   * when it is gone (model/network.ts keeps that history).
   */
  z.object({ ...base, type: z.literal('net.conditions'), conditions: netConditionsSchema }),
  /**
   * Lines this node's sends lost to emulated loss, or dropped because a partition held more
   * than the connection's cap, aggregated over one window (DROP_REPORT_MS) per link and
   * reason. `to` is the receiver as the sender knows it: its `IP:PORT` for a link it dialled,
   * the source address for one it accepted (match on the IP). `gossip` of `count` were gossip.
   */
  z.object({
    ...base,
    type: z.literal('net.dropped'),
    to: z.string().max(64),
    reason: z.enum(['loss', 'partition']),
    count: z.number().int().min(1),
    gossip: count,
  }),
] as const

/** Events the app's host writes about nodes into a session. */
const hostEventSchemas = [
  z.object({
    ...base,
    type: z.literal('host.spawned'),
    role: z.enum(['seed', 'peer']),
    pid: count,
  }),
  /** The user asked for a kill (SIGKILL) or a clean stop (SIGTERM). */
  z.object({ ...base, type: z.literal('host.kill'), signal: z.enum(['SIGKILL', 'SIGTERM']) }),
  z.object({
    ...base,
    type: z.literal('host.exited'),
    code: z.number().int().nullable(),
    signal: z.string().max(32).nullable(),
    /** False when the node exited without being asked to (a crash). */
    expected: z.boolean(),
  }),
  /** A line on a node's event stream that is not a valid event; kept for diagnosis. */
  z.object({ ...base, type: z.literal('host.stream-error'), line: z.string().max(2000), reason: z.string().max(500) }),
  /**
   * The host froze the node's process (SIGSTOP) / let it run again (SIGCONT). Named
   * `node.*` because they describe the node, but only the host writes them (a node that
   * sends one is refused like any host event).
   */
  z.object({ ...base, type: z.literal('node.paused') }),
  z.object({ ...base, type: z.literal('node.resumed') }),
  /**
   * Hop events (gossip.received / duplicate / forwarded) folded per message by the host for
   * a page watching a large network (shared/model/coverage.ts). Never recorded: the session
   * file keeps every hop; only the stream to the page carries these. `node` is NETWORK_NODE,
   * `t` the latest hop's `t`, `seq` the last folded hop's seq and `fromSeq` the first's: every
   * seq in between is either one of the `hops` folded here or an event sent on its own.
   */
  z.object({
    ...base,
    type: z.literal('gossip.coverage'),
    fromSeq: z.number().int().min(1),
    hops: z.number().int().min(1),
    messages: z
      .array(
        z.object({
          id: messageId,
          /** ms since epoch: the earliest and latest hop folded for this message (node clocks). */
          firstT: z.number().finite().min(0),
          lastT: z.number().finite().min(0),
          /** First receipts in seq order: [receiver, t (ms since epoch), the neighbour it came from]. */
          received: z.array(z.tuple([nodeId, z.number().finite().min(0), nodeId])).max(100_000),
          /** Later copies dropped, per receiver: [receiver, how many]. */
          duplicates: z.array(z.tuple([nodeId, z.number().int().min(1)])).max(100_000),
          /** Sends (gossip.forwarded) folded. */
          forwards: count,
        }),
      )
      .max(100_000),
  }),
  /** A line the node wrote on stderr. */
  z.object({ ...base, type: z.literal('host.stderr'), text: z.string().max(2000) }),
  /**
   * An action on the network, by the user (a click in the app) or by a scenario step, so a
   * session can be saved as a scenario (shared/scenario/record.ts) and steps shown on the
   * timeline. `node` is the node acted on, or NETWORK_NODE for network-wide actions.
   * `start` carries the network; `settings` the settings for nodes started from then on.
   */
  z.object({
    ...base,
    type: z.literal('host.action'),
    by: z.enum(['user', 'scenario']),
    action: z.enum(['start', ...STEP_KINDS]),
    /** Scenario step index (0-based), when by = scenario. */
    step: count.optional(),
    /** The scenario's name for the node acted on (seed2, peer7). */
    name: z.string().max(64).optional(),
    count: count.optional(),
    seeds: count.optional(),
    peers: count.optional(),
    settings: protocolSettingsSchema.optional(),
    rngSeed: count.optional(),
    packing: packingSchema.optional(),
    /** partition: the nodes cut off from `other` (absent: from the rest), in `direction`. */
    nodes: z.array(nodeId).max(5000).optional(),
    other: z.array(nodeId).max(5000).optional(),
    direction: z.enum(PARTITION_DIRECTIONS).optional(),
    conditions: conditionsSchema.optional(),
    /** Why the action could not be carried out (the step failed). */
    error: z.string().max(500).optional(),
  }),
] as const

export const nodeEventSchema = z.discriminatedUnion('type', [...nodeEventSchemas])
export const hostEventSchema = z.discriminatedUnion('type', [...hostEventSchemas])
export const anyEventSchema = z.discriminatedUnion('type', [...nodeEventSchemas, ...hostEventSchemas])

export type NodeEvent = z.infer<typeof nodeEventSchema>
export type HostEvent = z.infer<typeof hostEventSchema>
export type AnyEvent = NodeEvent | HostEvent
export type EventType = AnyEvent['type']
export type EventOf<T extends EventType> = Extract<AnyEvent, { type: T }>

/** A node event before the driver stamps `v`, `t` and `node` on it. */
export type NodeEventBody = NodeEvent extends infer E
  ? E extends NodeEvent
    ? Omit<E, 'v' | 't' | 'node'>
    : never
  : never

/**
 * An event as the host recorded it: `seq` is the session-wide arrival order (strictly
 * increasing from 1, no gaps), the order every consumer folds events in.
 */
export type SessionEvent = AnyEvent & { seq: number }

/** Types only the host writes (a node process may not send them). */
export const HOST_EVENT_TYPES: ReadonlySet<EventType> = new Set(hostEventSchemas.map((s) => s.shape.type.value))

export const EVENT_TYPES: readonly EventType[] = [...nodeEventSchemas, ...hostEventSchemas].map(
  (s) => s.shape.type.value,
)

export type EventParseResult = { ok: true; event: AnyEvent } | { ok: false; reason: string }

/** Maximum length of one NDJSON event line accepted from a node or a file. */
export const MAX_EVENT_LINE = 1 << 20

/** Parses one NDJSON line into an event. Never throws; the reason names the bad field. */
export function parseEventLine(line: string): EventParseResult {
  if (line.length > MAX_EVENT_LINE) return { ok: false, reason: `line longer than ${MAX_EVENT_LINE} characters` }
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    return { ok: false, reason: 'not JSON' }
  }
  return parseEvent(value)
}

/** Validates an already-decoded value (e.g. from IPC) as an event. */
export function parseEvent(value: unknown): EventParseResult {
  const result = anyEventSchema.safeParse(value)
  if (result.success) return { ok: true, event: result.data }
  const issue = result.error.issues[0]
  // An unknown `type` would otherwise be reported with the list of every event type (2 KB).
  if (issue?.code === 'invalid_union' && issue.path.join('.') === 'type') {
    const type = (value as { type?: unknown }).type
    return { ok: false, reason: type === undefined ? 'no event type' : `unknown event type ${JSON.stringify(type).slice(0, 80)}` }
  }
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : ''
  return { ok: false, reason: `${issue?.message ?? 'invalid event'}${where}` }
}

/** `node` of a host.action that is about the whole network rather than one node. */
export const NETWORK_NODE = '0.0.0.0:0'

export function isNodeEvent(event: AnyEvent): event is NodeEvent {
  return !HOST_EVENT_TYPES.has(event.type)
}
