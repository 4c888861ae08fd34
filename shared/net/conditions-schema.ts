import { z } from 'zod'
import { type LinkConditions, type NetConditions, type Partition, checkLinkConditions, checkNetConditions, checkPartition } from './conditions'

/**
 * zod wrappers over the one validator of conditions.ts (zod-free, so node processes start
 * without zod): the host's API arguments and event files validate with the same rules and
 * messages as the node's IPC channel and flags.
 */

function wrap<T>(check: (value: unknown) => { ok: true; value: T } | { ok: false; error: string }) {
  return z.unknown().transform((value, ctx): T => {
    const checked = check(value)
    if (checked.ok) return checked.value
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: checked.error })
    return z.NEVER
  })
}

export const netConditionsSchema = wrap<NetConditions>(checkNetConditions)
export const linkConditionsSchema = wrap<LinkConditions>((value) => checkLinkConditions(value, ''))
export const partitionSchema = wrap<Partition>((value) => checkPartition(value))
