import { createHash } from 'node:crypto'
import { parseEvent } from '../../../shared/events'
import type { SimNetwork } from '../../../shared/sim/network'
import type { Effect, Machine, MachineInput } from '../../../shared/protocol/machine'
import type { NodeEventBody } from '../../../shared/events'

export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex')

/** Every event the simulator recorded must pass the same schema the app validates with. */
export function expectValidEvents(sim: SimNetwork): void {
  for (const event of sim.events) {
    // `seq` is also a field of gossip.created (the Msg#), so it cannot be stripped here.
    const parsed = parseEvent(event)
    if (!parsed.ok) throw new Error(`invalid event ${JSON.stringify(event)}: ${parsed.reason}`)
  }
}


export type InputWithoutNow = MachineInput extends infer I ? (I extends MachineInput ? Omit<I, 'now'> : never) : never

/** Drives one machine by hand: inputs at a clock the test moves, effects inspected. */
export class Harness {
  now = 1_800_000_000_000
  /** Every effect returned so far, in order. */
  readonly all: Effect[] = []

  constructor(readonly machine: Machine) {}

  feed(input: InputWithoutNow): Effect[] {
    const effects = this.machine.handle({ ...input, now: this.now } as MachineInput)
    this.all.push(...effects)
    return effects
  }

  /** Moves the clock to `time` and ticks, as a driver whose timer fired. */
  tickAt(time: number): Effect[] {
    this.now = time
    return this.feed({ type: 'tick' })
  }

  /** Ticks at each wake-up the machine asks for until `time`. */
  advanceTo(time: number): Effect[] {
    const effects: Effect[] = []
    for (;;) {
      const wake = this.machine.nextWakeAt()
      if (wake === null || wake > time) break
      effects.push(...this.tickAt(Math.max(wake, this.now)))
    }
    this.now = time
    return effects
  }
}

export function sent(effects: Effect[], conn?: string): string[] {
  return effects.flatMap((e) => (e.type === 'send' && (conn === undefined || e.conn === conn) ? [e.line] : []))
}

export function events(effects: Effect[], type?: string): NodeEventBody[] {
  return effects.flatMap((e) => (e.type === 'event' && (type === undefined || e.event.type === type) ? [e.event] : []))
}

export function logs(effects: Effect[]): string[] {
  return effects.flatMap((e) => (e.type === 'log' ? [e.text] : []))
}

export function closed(effects: Effect[]): string[] {
  return effects.flatMap((e) => (e.type === 'close' ? [e.conn] : []))
}
