import { z } from 'zod'
import { packingSchema } from '../packing'
import { protocolSettingsSchema } from '../settings'

/**
 * The scenario file: a network, its conditions, steps fired at a time or after an event,
 * and expectations checked at the end (docs/scenarios.md). Every duration in a scenario
 * (`at`, `delayMs`, `durationMs`, the `max...Ms` expectations) is in protocol ms: it is
 * multiplied by the network's `settings.timeScale` like every protocol interval, so a
 * scenario means the same run at any time scale.
 *
 * Nodes are named by start order: `seed1`, `seed2`, ... and `peer1`, `peer2`, ... (the
 * network's nodes first, then the ones steps add), or by a label a step gave its node
 * with `as`. Both backends (real processes, the simulator) use the same names.
 */

export const SCENARIO_VERSION = 1

/** `seed3`, `peer12`: a node by its start order (1-based). */
export const NODE_NAME = /^(seed|peer)([1-9]\d{0,5})$/
/** A label given with `as`; may not look like a node name. */
const LABEL = /^[a-z][a-z0-9-]{0,31}$/

const label = z
  .string()
  .regex(LABEL, 'expected a label: a lowercase letter, then up to 31 of a-z, 0-9, -')
  .refine((s) => !NODE_NAME.test(s), 'a label may not look like a node name (seedN, peerN)')

/** `random`: any alive peer; `highest-degree`: the alive peer with most links (ties: lowest name); `seed`: any alive seed. */
export const PICKS = ['random', 'highest-degree', 'seed'] as const
export type Pick = (typeof PICKS)[number]

export const nodeRefSchema = z.union([
  z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'expected a node name (seed1, peer3), a label, or {pick: ...}'),
  z.strictObject({ pick: z.enum(PICKS) }),
])
export type NodeRef = z.infer<typeof nodeRefSchema>

const protocolMs = z.number().finite().min(0, 'must be 0 or more (protocol ms)').max(86_400_000)

/** Emulated network conditions on every link (applied by the conditions model of the backend). */
export const conditionsSchema = z.strictObject({
  /** Added one-way delay per message, ms (wall ms: not scaled). */
  latencyMs: z.number().min(0).max(60_000).optional(),
  /** Jitter added to the delay, ms. */
  jitterMs: z.number().min(0).max(60_000).optional(),
  /** Probability that a message is dropped, 0..1. */
  lossRate: z.number().min(0).max(1).optional(),
})
export type Conditions = z.infer<typeof conditionsSchema>

export const TRIGGER_EVENTS = ['all-peers-linked', 'message-created', 'node-removed', 'step-fired'] as const

/** An event a step waits for; the step fires `delayMs` after it. */
export const triggerSchema = z.discriminatedUnion('event', [
  /** Every alive peer has at least one link up (checked after every event). */
  z.strictObject({ event: z.literal('all-peers-linked'), delayMs: protocolMs.optional() }),
  /** The session's n-th gossip message (any origin, in recording order) was created. */
  z.strictObject({ event: z.literal('message-created'), n: z.number().int().min(1), delayMs: protocolMs.optional() }),
  /** A seed removed a peer (`node`: that peer only). */
  z.strictObject({ event: z.literal('node-removed'), node: nodeRefSchema.optional(), delayMs: protocolMs.optional() }),
  /** The step with this `id` fired. */
  z.strictObject({ event: z.literal('step-fired'), step: label, delayMs: protocolMs.optional() }),
])
export type Trigger = z.infer<typeof triggerSchema>

const when = {
  /** Protocol ms after the network started. */
  at: protocolMs.optional(),
  after: triggerSchema.optional(),
  /** Name other steps' `step-fired` triggers use. */
  id: label.optional(),
}
const chosen = { node: nodeRefSchema, /** Label for the node this step acted on. */ as: label.optional() }

export const PARTITION_DIRECTIONS = ['both', 'outbound', 'inbound'] as const
export type PartitionDirection = (typeof PARTITION_DIRECTIONS)[number]

export const STEP_KINDS = [
  'add-seeds', 'add-peers', 'kill', 'stop-node', 'pause', 'resume', 'restart', 'partition', 'heal', 'conditions', 'settings', 'stop',
] as const
export type StepKind = (typeof STEP_KINDS)[number]

const stepSchemas = [
  z.strictObject({ ...when, do: z.literal('add-seeds'), count: z.number().int().min(1).max(16) }),
  z.strictObject({ ...when, do: z.literal('add-peers'), count: z.number().int().min(1).max(5000) }),
  /** SIGKILL: a crash. */
  z.strictObject({ ...when, do: z.literal('kill'), ...chosen }),
  /** SIGTERM: a clean stop of one node. */
  z.strictObject({ ...when, do: z.literal('stop-node'), ...chosen }),
  z.strictObject({ ...when, do: z.literal('pause'), ...chosen }),
  z.strictObject({ ...when, do: z.literal('resume'), ...chosen }),
  /** A killed, stopped or paused node starts again at the same address. */
  z.strictObject({ ...when, do: z.literal('restart'), ...chosen }),
  /**
   * Cuts `nodes` off from `other` (default: every other node, also those started later):
   * `both` ways (default), or one way, `outbound` (nodes -> other blocked) or `inbound`.
   * Established links stay open but carry nothing, as a real partition.
   */
  z.strictObject({
    ...when,
    do: z.literal('partition'),
    nodes: z.array(nodeRefSchema).min(1).max(5000),
    other: z.array(nodeRefSchema).min(1).max(5000).optional(),
    direction: z.enum(PARTITION_DIRECTIONS).optional(),
  }),
  /** Ends every partition. */
  z.strictObject({ ...when, do: z.literal('heal') }),
  z.strictObject({ ...when, do: z.literal('conditions'), set: conditionsSchema }),
  /** Protocol settings for the nodes started from then on (running nodes keep theirs). */
  z.strictObject({ ...when, do: z.literal('settings'), set: protocolSettingsSchema.partial().strict() }),
  /** Ends the run (every node stops cleanly). */
  z.strictObject({ ...when, do: z.literal('stop') }),
] as const

export const stepSchema = z
  .discriminatedUnion('do', [...stepSchemas])
  .refine((s) => (s.at === undefined) !== (s.after === undefined), {
    message: 'give exactly one of `at` (protocol ms) or `after` (an event)',
  })
export type Step = z.infer<typeof stepSchema>

export const expectationsSchema = z.strictObject({
  /** Mean coverage over messages (received / expected peers), 0..1. */
  minCoverage: z.number().min(0).max(1).optional(),
  /** At least this many gossip messages were created. */
  minMessages: z.number().int().min(0).optional(),
  /** Every kill detected: the report and every seed's removal within this many protocol ms of the kill. */
  maxDetectionMs: protocolMs.optional(),
  /** No seed removed a peer that was alive and not killed, stopped or paused. */
  noFalseRemovals: z.boolean().optional(),
  /** Mean transmissions (gossip.forwarded) per broadcast. */
  maxMessagesPerBroadcast: z.number().min(0).optional(),
  /** Dissemination latency (time to reach every expected peer), protocol ms. */
  maxLatencyP50Ms: protocolMs.optional(),
  maxLatencyP99Ms: protocolMs.optional(),
  /** At the end, the alive peers' overlay is one connected component. */
  connected: z.boolean().optional(),
})
export type Expectations = z.infer<typeof expectationsSchema>
export const EXPECTATION_KEYS = Object.keys(expectationsSchema.shape) as Array<keyof Expectations>


export const networkSchema = z.strictObject({
  seeds: z.number().int().min(2).max(16),
  peers: z.number().int().min(0).max(5000),
  /** Protocol settings; missing fields take the defaults (the assignment's intervals). */
  settings: protocolSettingsSchema.partial().strict().optional(),
  /**
   * Seed of every random choice: node k (start order, seeds first) gets rng seed
   * rngSeed x 1009 + k, and the scenario's own picks use rngSeed too.
   */
  rngSeed: z.number().int().min(0).max(4_000_000).optional(),
  /** How the real backend places nodes into processes (shared/packing.ts); default: the host's. */
  packing: packingSchema.optional(),
})

export const scenarioSchema = z
  .strictObject({
    version: z.literal(SCENARIO_VERSION).optional(),
    name: z.string().min(1).max(200),
    description: z.string().max(5000).optional(),
    network: networkSchema,
    conditions: conditionsSchema.optional(),
    /** Protocol ms after the start at which the run ends if no `stop` step ended it before. */
    durationMs: protocolMs.refine((v) => v > 0, 'must be more than 0'),
    steps: z.array(stepSchema).max(10_000).default([]),
    expect: expectationsSchema.default({}),
  })
  .superRefine(checkReferences)
export type Scenario = z.infer<typeof scenarioSchema>
export type ScenarioInput = z.input<typeof scenarioSchema>

/**
 * Cross-field checks, each reported at the bad field's path: a node name must be in range
 * of the nodes the scenario ever starts, a label must be given by an earlier step's `as`,
 * a `step-fired` trigger must name a step's `id`, ids unique.
 */
function checkReferences(
  scenario: { network: z.infer<typeof networkSchema>; steps: Step[] },
  ctx: z.RefinementCtx,
): void {
  const seeds = scenario.network.seeds + sum(scenario.steps, 'add-seeds')
  const peers = scenario.network.peers + sum(scenario.steps, 'add-peers')
  const labels = new Set<string>()
  const ids = new Set<string>()
  for (const step of scenario.steps) if (step.id) ids.add(step.id)
  const checkRef = (ref: NodeRef, path: Array<string | number>): void => {
    if (typeof ref !== 'string') return
    const match = NODE_NAME.exec(ref)
    if (match) {
      const limit = match[1] === 'seed' ? seeds : peers
      if (Number(match[2]) > limit) {
        ctx.addIssue({ code: 'custom', path, message: `no node ${ref}: the scenario starts ${limit} ${match[1]}s` })
      }
    } else if (!labels.has(ref)) {
      ctx.addIssue({ code: 'custom', path, message: `unknown node ${JSON.stringify(ref)}: expected seedN, peerN or a label given by an earlier step's \`as\`` })
    }
  }
  const seen = new Set<string>()
  scenario.steps.forEach((step, i) => {
    if (step.id) {
      if (seen.has(step.id)) ctx.addIssue({ code: 'custom', path: ['steps', i, 'id'], message: `duplicate step id ${step.id}` })
      seen.add(step.id)
    }
    if (step.after?.event === 'node-removed' && step.after.node) checkRef(step.after.node, ['steps', i, 'after', 'node'])
    if (step.after?.event === 'step-fired' && !ids.has(step.after.step)) {
      ctx.addIssue({ code: 'custom', path: ['steps', i, 'after', 'step'], message: `no step has id ${step.after.step}` })
    }
    if ('node' in step) checkRef(step.node, ['steps', i, 'node'])
    if (step.do === 'partition') {
      step.nodes.forEach((ref, j) => checkRef(ref, ['steps', i, 'nodes', j]))
      step.other?.forEach((ref, j) => checkRef(ref, ['steps', i, 'other', j]))
    }
    if ('as' in step && step.as) labels.add(step.as)
  })
}

function sum(steps: ReadonlyArray<{ do: string; count?: number }>, kind: string): number {
  return steps.reduce((total, s) => total + (s.do === kind ? (s.count ?? 0) : 0), 0)
}
