import { type Checked, type NetConditions, checkNetConditions } from './conditions'

/**
 * Commands the host sends one node over its IPC channel (JSON). Per node: a launcher that
 * runs several nodes in one process routes each command to the node it names. Validated
 * where it enters the node (`parseNodeCommand`); a refused command changes nothing and is
 * reported as a node.warning.
 */
export type NodeCommand =
  /** Apply these network conditions to everything this node sends, from now on. */
  { type: 'net.set'; conditions: NetConditions }

export function parseNodeCommand(value: unknown): Checked<NodeCommand> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, error: 'a command must be an object with a type' }
  const type = (value as { type?: unknown }).type
  switch (type) {
    case 'net.set': {
      const conditions = checkNetConditions((value as { conditions?: unknown }).conditions)
      return conditions.ok ? { ok: true, value: { type, conditions: conditions.value } } : conditions
    }
    default:
      return { ok: false, error: `unknown command type ${String(JSON.stringify(type)).slice(0, 40)}` }
  }
}
