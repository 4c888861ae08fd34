import { describe, expect, it } from 'vitest'
import type { SessionEvent } from '../../../shared/events'
import { foldEvents } from '../../../shared/model/network'

const t = 1_800_000_000_000
let seq = 0
const ev = (e: Record<string, unknown>): SessionEvent => ({ v: 1, seq: ++seq, ...e }) as unknown as SessionEvent
const up = (a: string, b: string, at: number) => ev({ t: at, node: a, type: 'peer.link-up', peer: b })
const killed = (node: string, at: number) => ev({ t: at, node, type: 'host.exited', code: null, signal: 'SIGKILL', expected: false })

describe('links of dead nodes', () => {
  it('drops a link once both its ends are dead (a killed node host), keeps one with a live end until it is reported', () => {
    const [a, b, c] = ['127.0.2.1:7000', '127.0.2.2:7000', '127.0.2.3:7000']
    const events = [up(a, b, t), up(b, c, t + 1), killed(a, t + 10), killed(b, t + 10)]
    const state = foldEvents(events)
    expect([...state.links.keys()]).toHaveLength(1) // b-c: c is alive and has not reported b yet
    expect(state.nodes.get(a)!.neighbours.size).toBe(0)
    expect(state.nodes.get(c)!.neighbours.has(b)).toBe(true)
    expect(foldEvents(events.slice(0, 3)).links.size).toBe(2) // one dead end only: both links stay
  })
})
