import { describe, expect, it } from 'vitest'
import type { SessionEvent } from '../../../shared/events'
import { foldEvents } from '../../../shared/model/network'
import { DEFAULT_SETTINGS } from '../../../shared/settings'

/** The fold with nodes that come back: pauses, restarts, and which reports are false. */

const T = 1_800_000_000_000
const [S, A, B, C] = ['127.0.0.1:6000', '127.0.1.1:7000', '127.0.1.2:7000', '127.0.1.3:7000']
const ev = (list: Array<Record<string, unknown>>): SessionEvent[] => list.map((e, i) => ({ v: 1, seq: i + 1, ...e }) as SessionEvent)
const started = (node: string, t: number, pid: number, role = 'peer') => ({
  t,
  node,
  type: 'node.started',
  role,
  seeds: [S],
  settings: DEFAULT_SETTINGS,
  pid,
  incarnation: t,
})
const linked = (t: number, a: string, b: string) => ({ t, node: a, type: 'peer.link-up', peer: b, initiator: true })
const report = (t: number, reporter: string, about: string) => ({ t, node: reporter, type: 'peer.dead-reported', peer: about, seeds: [S] })

describe('fold: pauses', () => {
  it('a paused node is a failure from pause to resume; reports about it are detections, a link after the resume is its rejoin', () => {
    const state = foldEvents(
      ev([
        started(S, T, 1, 'seed'),
        started(A, T, 2),
        started(B, T, 3),
        linked(T + 10, A, B),
        { t: T + 100, node: B, type: 'node.paused' },
        { t: T + 500, node: A, type: 'liveness.missed', peer: B, count: 1 },
        report(T + 900, A, B),
        { t: T + 950, node: S, type: 'seed.peer-removed', peer: B, reporter: A },
        { t: T + 2000, node: B, type: 'node.resumed' },
        report(T + 2010, B, A), // B reports A after waking, before relinking: A was running: false
        linked(T + 2100, B, A),
        report(T + 3000, A, B), // A linked to the resumed B again: a later report is not about the pause
      ]),
    )
    expect(state.nodes.get(B)!.status).toBe('alive')
    expect(state.failures).toHaveLength(1)
    expect(state.failures[0]).toMatchObject({ node: B, kind: 'pause', at: T + 100, endAt: T + 2000, rejoinedAt: T + 2100, firstMissAt: T + 500, reportedAt: T + 900, reports: 1 })
    expect([...state.failures[0]!.removals]).toEqual([[S, T + 950]])
    expect(state.falseReports).toEqual([
      { node: A, reporter: B, at: T + 2010 },
      { node: B, reporter: A, at: T + 3000 },
    ])
  })

  it('counts paused nodes apart from alive ones, and a kill while paused ends the pause', () => {
    const state = foldEvents(
      ev([
        started(A, T, 2),
        { t: T + 100, node: A, type: 'node.paused' },
        { t: T + 200, node: A, type: 'host.kill', signal: 'SIGKILL' },
      ]),
    )
    expect(state.failures.map((f) => [f.kind, f.at, f.endAt])).toEqual([
      ['pause', T + 100, T + 200],
      ['kill', T + 200, null],
    ])
  })
})

describe('fold: restarts', () => {
  it('a second node.started is a new process: the old one ended, its links and lists are dropped, old reports are detections', () => {
    const state = foldEvents(
      ev([
        started(S, T, 1, 'seed'),
        started(A, T, 2),
        started(B, T, 3),
        started(C, T, 4),
        linked(T + 10, A, B),
        linked(T + 20, C, B),
        { t: T + 30, node: B, type: 'peer.registered', seed: S },
        { t: T + 1000, node: B, type: 'host.kill', signal: 'SIGKILL' },
        started(B, T + 1500, 9),
        linked(T + 1600, B, A),
        report(T + 2000, C, B), // C's link was to the old process: a detection of its death
        report(T + 2100, A, B), // A linked to the new process: false
      ]),
    )
    const b = state.nodes.get(B)!
    expect(b).toMatchObject({ status: 'alive', pid: 9, incarnation: T + 1500, restarts: 1 })
    expect([...b.neighbours]).toEqual([A])
    expect(b.registeredWith.size).toBe(0)
    expect(state.failures).toHaveLength(1)
    expect(state.failures[0]).toMatchObject({ kind: 'kill', at: T + 1000, endAt: T + 1500, rejoinedAt: T + 1600, reportedBy: C, reports: 1 })
    expect(state.falseReports).toEqual([{ node: B, reporter: A, at: T + 2100 }])
  })

  it('a second node.started with no end recorded is a crash at the restart', () => {
    const state = foldEvents(ev([started(A, T, 2), started(A, T + 500, 3)]))
    expect(state.failures).toMatchObject([{ node: A, kind: 'crash', at: T + 500, endAt: T + 500 }])
  })
})
