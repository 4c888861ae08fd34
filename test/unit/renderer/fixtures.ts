import type { AnyEvent, SessionEvent } from '../../../shared/events'
import { DEFAULT_SETTINGS } from '../../../shared/settings'

type Body = AnyEvent extends infer E ? (E extends AnyEvent ? Omit<E, 'v' | 't'> : never) : never

/** Builds SessionEvents with consecutive seq and increasing t (ms), like the host records them. */
export function sequence(start = 1, t0 = 1_000) {
  let seq = start - 1
  let t = t0
  return (body: Body, dt = 10): SessionEvent => {
    t += dt
    return { ...body, v: 1, t, seq: ++seq } as SessionEvent
  }
}

export const S1 = '127.0.0.1:9000'
export const S2 = '127.0.0.1:9001'
export const A = '127.0.1.1:10000'
export const B = '127.0.1.2:10001'
export const C = '127.0.1.3:10002'

/** Two seeds, three peers in a line A-B-C, one message from A delivered to B and C. */
export function smallNetwork(): SessionEvent[] {
  const e = sequence()
  const started = (node: string, role: 'seed' | 'peer') => e({ node, type: 'node.started', role, seeds: [S1, S2], settings: DEFAULT_SETTINGS })
  return [
    started(S1, 'seed'),
    started(S2, 'seed'),
    started(A, 'peer'),
    started(B, 'peer'),
    started(C, 'peer'),
    e({ node: S1, type: 'seed.registered', peer: A }),
    e({ node: S2, type: 'seed.registered', peer: A }),
    e({ node: A, type: 'peer.link-up', peer: B, initiator: false }),
    e({ node: B, type: 'peer.link-up', peer: C, initiator: true }),
    e({ node: A, type: 'gossip.created', id: 'm1', text: '1:127.0.1.1:1', n: 1 }),
    e({ node: A, type: 'gossip.forwarded', id: 'm1', to: B }),
    e({ node: B, type: 'gossip.received', id: 'm1', text: '1:127.0.1.1:1', from: A }),
    e({ node: B, type: 'gossip.forwarded', id: 'm1', to: C }),
    e({ node: C, type: 'gossip.received', id: 'm1', text: '1:127.0.1.1:1', from: B }),
  ]
}

/** A manual frame scheduler: callbacks run only when `flush()` is called. */
export function manualScheduler() {
  let queue: Array<() => void> = []
  return {
    schedule: (callback: () => void) => void queue.push(callback),
    get pending() {
      return queue.length
    },
    flush() {
      const run = queue
      queue = []
      for (const callback of run) callback()
    },
  }
}
