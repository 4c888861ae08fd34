import { createHash } from 'node:crypto'
import { parseEvent } from '../../../shared/events'
import type { SimNetwork } from '../../../shared/sim/network'

export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex')

/** Every event the simulator recorded must pass the same schema the app validates with. */
export function expectValidEvents(sim: SimNetwork): void {
  for (const event of sim.events) {
    // `seq` is also a field of gossip.created (the Msg#), so it cannot be stripped here.
    const parsed = parseEvent(event)
    if (!parsed.ok) throw new Error(`invalid event ${JSON.stringify(event)}: ${parsed.reason}`)
  }
}
