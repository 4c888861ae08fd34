import { describe, expect, it } from 'vitest'
import type { Effect, Machine, MachineInput } from '../../../shared/protocol/machine'
import { SimNetwork } from '../../../shared/sim/network'
import { DEFAULT_SETTINGS } from '../../../shared/settings'

const A = { ip: '127.0.0.1', port: 1000 }
const B = { ip: '127.0.0.2', port: 1000 }

/** A machine scripted by the test: records its inputs, returns queued effects. */
function scripted(react: (input: MachineInput) => Effect[] = () => [], wake: () => number | null = () => null) {
  const inputs: MachineInput[] = []
  const machine: Machine = {
    handle: (input) => {
      inputs.push(input)
      return react(input)
    },
    nextWakeAt: wake,
  }
  return { machine, inputs, types: () => inputs.map((i) => (i.type === 'line' ? `line:${i.line}` : i.type)) }
}

describe('SimNetwork', () => {
  it('connects, delivers lines in order with latency, and closes both ends', () => {
    const sim = new SimNetwork({ conditions: { defaults: { delayMs: 5, jitterMs: 0, loss: 0 }, links: [], partitions: [] }, startTime: 0 })
    const a = scripted((input) =>
      input.type === 'start'
        ? [{ type: 'connect', conn: 'o1', to: B }]
        : input.type === 'connected'
          ? [
              { type: 'send', conn: 'o1', line: 'one' },
              { type: 'send', conn: 'o1', line: 'two' },
              { type: 'close', conn: 'o1' },
            ]
          : [],
    )
    const b = scripted()
    sim.add(A, 'peer', a.machine)
    sim.add(B, 'peer', b.machine)
    sim.start('127.0.0.2:1000', [], DEFAULT_SETTINGS)
    sim.start('127.0.0.1:1000', [], DEFAULT_SETTINGS)
    sim.runFor(100)
    expect(a.types()).toEqual(['start', 'connected', 'closed'])
    expect(b.types()).toEqual(['start', 'accepted', 'line:one', 'line:two', 'closed'])
    const times = b.inputs.map((i) => i.now)
    expect(times).toEqual([0, 5, 10, 10, 10])
    const accepted = b.inputs[1]!
    expect(accepted.type === 'accepted' && accepted.remote).toEqual(A)
  })

  it('fails a connection to nobody, and to a killed node; kill closes the remote ends', () => {
    const sim = new SimNetwork({ startTime: 0 })
    const a = scripted((input) => (input.type === 'start' ? [{ type: 'connect', conn: 'o1', to: B }, { type: 'connect', conn: 'o2', to: { ip: '127.0.0.9', port: 1 } }] : []))
    const b = scripted()
    sim.add(A, 'peer', a.machine)
    sim.add(B, 'peer', b.machine)
    sim.start('127.0.0.2:1000', [], DEFAULT_SETTINGS)
    sim.start('127.0.0.1:1000', [], DEFAULT_SETTINGS)
    sim.runFor(10)
    expect(a.types()).toEqual(['start', 'connected', 'connect-failed'])
    sim.kill('127.0.0.2:1000')
    sim.runFor(10)
    expect(a.types().at(-1)).toBe('closed')
    expect(b.types()).toEqual(['start', 'accepted'])
    expect(sim.events.map((e) => e.type)).toEqual(['node.started', 'node.started', 'host.kill'])
    expect(sim.events.map((e) => e.seq)).toEqual([1, 2, 3])
  })

  it('ticks a machine exactly at its wake time and refuses one that never lets time pass', () => {
    const sim = new SimNetwork({ startTime: 1000 })
    let wakeAt: number | null = 1500
    const ticks: number[] = []
    const a = scripted(
      (input) => {
        if (input.type === 'tick') {
          ticks.push(input.now)
          wakeAt = input.now < 2000 ? input.now + 250 : null
        }
        return []
      },
      () => wakeAt,
    )
    sim.add(A, 'peer', a.machine)
    sim.start('127.0.0.1:1000', [], DEFAULT_SETTINGS)
    sim.runFor(5000)
    expect(ticks).toEqual([1500, 1750, 2000])
    const busy = new SimNetwork()
    busy.add(B, 'peer', scripted(() => [], () => 0).machine)
    expect(() => {
      busy.start('127.0.0.2:1000', [], DEFAULT_SETTINGS)
      busy.runFor(1)
    }).toThrow(/inputs at one instant/)
  })

  it('gives a raw client what the node sends, and the node what the client sends', () => {
    const sim = new SimNetwork({ startTime: 0 })
    const b = scripted((input) => (input.type === 'line' ? [{ type: 'send', conn: input.conn, line: `echo ${input.line}` }] : []))
    sim.add(B, 'seed', b.machine)
    sim.start('127.0.0.2:1000', [], DEFAULT_SETTINGS)
    const client = sim.connectClient(B)
    client.send('hi')
    client.sendFrameError('invalid-utf8: x')
    sim.runFor(10)
    expect(client.received).toEqual(['echo hi'])
    expect(b.types()).toEqual(['start', 'accepted', 'line:hi', 'frame-error'])
    client.close()
    sim.runFor(10)
    expect(b.types().at(-1)).toBe('closed')
  })
})
