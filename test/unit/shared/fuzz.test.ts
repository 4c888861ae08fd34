import { describe, expect, it } from 'vitest'
import { parseEvent } from '../../../shared/events'
import type { Effect, Machine, MachineInput } from '../../../shared/protocol/machine'
import { createPeerMachine } from '../../../shared/protocol/peer-machine'
import { seededRandom } from '../../../shared/protocol/rng'
import { createSeedMachine } from '../../../shared/protocol/seed-machine'
import { type InputWithoutNow, sha256 } from './helpers'

/**
 * Random input sequences against both machines: well-formed and malformed lines of every
 * message kind, on random connections, with closes, frame errors and ticks between. No
 * input may throw, every event must pass the schema, and nextWakeAt must never lie in the
 * past after an input.
 */

const SEEDS = [1, 2, 3].map((n) => ({ ip: `127.0.0.${n}`, port: 6000 }))

function lines(random: () => number): string {
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!
  const ip = () => pick(['127.0.0.1', '127.0.1.1', '127.0.2.1', '127.0.2.2', '10.0.0.1', '127.0.0.256'])
  const port = () => pick(['6000', '7000', '0', '65536', '7001'])
  const ts = () => pick(['1800000000000', '1800000000500', '0', '99999999999999999', '1.5'])
  const address = () => `${ip()}:${port()}`
  return pick([
    () => `${ts()}:${ip()}:${pick(['1', '2', '10', 'x'])}`,
    () => `Liveness Request:${ts()}:${ip()}`,
    () => `Liveness Reply:${ts()}:${ip()}:${ip()}`,
    () => `${pick(['Dead Node', 'Disconnected Node'])}:${address()}:${ts()}:${ip()}`,
    () => `Register:${address()}`,
    () => `Registered:${address()}`,
    () => `Peer List Request:${address()}`,
    () => `Peer List:${pick(['1/1', '1/2', '2/2', '3/2', '1/200'])}:${pick(['', `${address()}@1`, `${address()}@0,${address()}@3`, 'junk'])}`,
    () => `Degree:${address()}:${pick(['0', '3', '-1'])}`,
    () => `Hello:${address()}`,
    () => pick(['', 'GET / HTTP/1.1', '\u0000\u00ff', 'Dead Node', 'Peer List:', ':::']),
  ])()
}

/** Runs `steps` random inputs after `prelude`; returns the event types seen. */
type Feed = (input: InputWithoutNow) => Effect[]

function fuzz(machine: Machine, seed: number, steps: number, prelude: (feed: Feed, open: string[]) => void = () => {}): Set<string> {
  const kinds = new Set<string>()
  const random = seededRandom(seed)
  let now = 1_800_000_000_000
  const open: string[] = []
  let accepted = 0
  const feed = (input: MachineInput): Effect[] => {
    const effects = machine.handle(input)
    for (const effect of effects) {
      if (effect.type === 'connect') open.push(effect.conn)
      if (effect.type === 'event') {
        kinds.add(effect.event.type)
        const parsed = parseEvent({ v: 1, t: now, node: '127.0.1.1:7000', ...effect.event })
        if (!parsed.ok) throw new Error(`bad event ${JSON.stringify(effect.event)}: ${parsed.reason}`)
      }
    }
    const wake = machine.nextWakeAt()
    if (wake !== null && wake < now) throw new Error(`nextWakeAt ${wake} is before now ${now}`)
    return effects
  }
  feed({ type: 'start', now })
  prelude((input) => feed({ ...input, now } as MachineInput), open)
  for (let i = 0; i < steps; i++) {
    now += Math.floor(random() * 400)
    const conn = open.length > 0 ? open[Math.floor(random() * open.length)]! : 'none'
    const r = random()
    if (r < 0.1) {
      const id = `i${++accepted}`
      open.push(id)
      feed({ type: 'accepted', now, conn: id, remote: { ip: '127.0.2.1', port: 40000 + accepted } })
    } else if (r < 0.15) feed({ type: 'connected', now, conn })
    else if (r < 0.18) feed({ type: 'connect-failed', now, conn, reason: 'refused' })
    else if (r < 0.22) feed({ type: 'closed', now, conn })
    else if (r < 0.25) feed({ type: 'frame-error', now, conn, reason: random() < 0.5 ? 'invalid-utf8: x' : 'line-too-long: y' })
    else if (r < 0.35) feed({ type: 'tick', now: Math.max(now, machine.nextWakeAt() ?? now) })
    else feed({ type: 'line', now, conn, line: lines(random) })
  }
  feed({ type: 'stop', now })
  return kinds
}

describe('fuzzing the machines', () => {
  it.each([1, 2, 3, 4])('the peer survives random input (seed %i)', (seed) => {
    const machine = createPeerMachine(
      { self: { ip: '127.0.1.1', port: 7000 }, seeds: SEEDS, random: seededRandom(seed), sha256 },
      { intervals: { gossipMs: 500, livenessMs: 1300 }, gossipCount: 5, livenessMisses: 3, maxLinks: 2, topology: 'powerlaw' },
    )
    // Join first (both seeds answer, two neighbours say Hello), so the random part also
    // hits gossip, liveness and repairs.
    const kinds = fuzz(machine, seed, 4000, (feed, open) => {
      const after: Effect[] = []
      for (const conn of open.slice()) {
        feed({ type: 'connected', conn })
        feed({ type: 'line', conn, line: 'Registered:127.0.1.1:7000' })
        after.push(...feed({ type: 'line', conn, line: 'Peer List:1/1:127.0.2.1:7000@0,127.0.2.2:7000@1' }))
      }
      for (const effect of after) {
        if (effect.type !== 'connect') continue
        feed({ type: 'connected', conn: effect.conn })
        if (effect.to.port === 7000) feed({ type: 'line', conn: effect.conn, line: `Hello:${effect.to.ip}:7000` })
      }
    })
    for (const kind of ['peer.link-up', 'gossip.created', 'liveness.sent', 'frame.rejected']) expect(kinds).toContain(kind)
  })

  it.each([1, 2, 3, 4])('the seed survives random input (seed %i)', (seed) => {
    const machine = createSeedMachine(
      { self: SEEDS[0]!, seeds: SEEDS, random: seededRandom(seed), sha256 },
      { verifyTimeoutMs: 2600 },
    )
    // One registration first (the seed lists it once its own probe is answered), so the
    // random part also hits reports, probes and orphaned registrations.
    const kinds = fuzz(machine, seed + 100, 4000, (feed, open) => {
      open.push('p')
      feed({ type: 'accepted', conn: 'p', remote: { ip: '127.0.2.1', port: 40000 } })
      const probe = feed({ type: 'line', conn: 'p', line: 'Register:127.0.2.1:7000' }).find((e) => e.type === 'connect')
      if (probe?.type !== 'connect') throw new Error('no probe')
      const request = feed({ type: 'connected', conn: probe.conn }).find((e) => e.type === 'send')
      if (request?.type !== 'send') throw new Error('no Liveness Request')
      feed({ type: 'line', conn: probe.conn, line: `${request.line.replace('Request', 'Reply')}:127.0.2.1` })
    })
    for (const kind of ['seed.registered', 'frame.rejected']) expect(kinds).toContain(kind)
  })
})
