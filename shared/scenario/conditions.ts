import type { LinkConditions } from '../net/conditions'
import type { Conditions } from './schema'

/**
 * A scenario's `conditions` (latencyMs, jitterMs, lossRate; each optional) as the global
 * link conditions of the one model (shared/net/conditions.ts): fields left out keep
 * their current value.
 */
export function linkOfScenario(conditions: Conditions, current: LinkConditions): LinkConditions {
  return {
    delayMs: conditions.latencyMs ?? current.delayMs,
    jitterMs: conditions.jitterMs ?? current.jitterMs,
    loss: conditions.lossRate ?? current.loss,
  }
}
