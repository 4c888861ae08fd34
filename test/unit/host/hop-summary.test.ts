import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { AnyEvent, SessionEvent } from '../../../shared/events'
import type { EventBatch, HostStatus } from '../../../shared/ipc'
import { eventsIn, isHop } from '../../../shared/model/coverage'
import { foldEvents } from '../../../shared/model/network'
import { NO_CONDITIONS } from '../../../shared/net/conditions'
import { DEFAULT_SETTINGS } from '../../../shared/settings'
import { syntheticSession } from '../../../shared/model/synthetic'
import { ClientHub, type HopSummary } from '../../../electron/host/clients'
import { EventLog } from '../../../electron/host/event-log'
import { HopSummaryPolicy } from '../../../electron/host/hop-summary'
import { Intake } from '../../../electron/host/intake'

const status: HostStatus = { sessionId: 's1', running: true, settings: DEFAULT_SETTINGS, nodes: [], lastSeq: 0, maxNodes: 1000, conditions: NO_CONDITIONS }

/** A summary switched by hand. */
function manual(windowMs = 200): HopSummary & { on: boolean } {
  return {
    on: false,
    windowMs,
    active() {
      return this.on
    },
    observe: () => undefined,
  }
}

function recorder() {
  const batches: SessionEvent[][] = []
  return {
    batches,
    items: () => batches.flat(),
    target: { events: (b: EventBatch) => batches.push(b.events), status: (_: HostStatus) => undefined },
  }
}

/** The synthetic session (seq 1..n) with the hops of a 40-peer network. */
const session = (): SessionEvent[] => syntheticSession({ peers: 40, gossipCount: 2, kills: 1, rngSeed: 3 })
const strip = ({ seq: _seq, ...event }: SessionEvent): AnyEvent => event as AnyEvent

describe('hop summaries for page clients', () => {
  let dir: string
  beforeEach(() => {
    vi.useFakeTimers()
    dir = mkdtempSync(join(tmpdir(), 'gs-hops-'))
  })
  afterEach(() => {
    vi.useRealTimers()
    rmSync(dir, { recursive: true, force: true })
  })

  it('a page gets hops folded per window while active, in-process listeners and the session file every event', async () => {
    const events = session()
    const summary = manual(200)
    summary.on = true
    const log = new EventLog(join(dir, 'events.ndjson'))
    let hub: ClientHub | null = null
    const intake = new Intake(log, (b) => hub!.broadcast(b), { flushMs: 50, maxBatch: 2000, memoryLimit: 100_000 })
    hub = new ClientHub(() => intake, () => status, summary)
    const page = recorder()
    const full = recorder()
    await hub.open(page.target, { summarise: true }).ready(0)
    await hub.open(full.target).ready(0)
    for (const event of events) {
      intake.push(strip(event))
      vi.advanceTimersByTime(1)
    }
    intake.flush()
    vi.advanceTimersByTime(200)
    // The session file and the in-process listener: every event, as recorded.
    const lines = readFileSync(join(dir, 'events.ndjson'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as SessionEvent)
    expect(lines).toEqual(events)
    expect(full.items()).toEqual(events)
    expect(lines.some((e) => e.type === 'gossip.coverage')).toBe(false)
    // The page: no hop event, items in seq order, every seq accounted for once, the same fold.
    const items = page.items()
    expect(items.some(isHop)).toBe(false)
    for (let i = 1; i < items.length; i++) expect(items[i]!.seq).toBeGreaterThan(items[i - 1]!.seq)
    expect(items.reduce((sum, e) => sum + eventsIn(e), 0)).toBe(events.length)
    const a = foldEvents(items)
    const b = foldEvents(events)
    expect([...a.messages.values()].map((m) => [m.id, m.receipts.length, m.duplicates, m.forwards])).toEqual(
      [...b.messages.values()].map((m) => [m.id, m.receipts.length, m.duplicates, m.forwards]),
    )
    // Held for the window: about one batch per 200 ms of events (1 ms apart here), not one per intake flush.
    expect(page.batches.length).toBeLessThanOrEqual(Math.ceil(events.length / 200) + 1)
    expect(full.batches.length).toBeGreaterThan(page.batches.length * 3)
    intake.close()
  })

  it('switches at the threshold: every hop below it, folded above it, held events first when it switches back', async () => {
    const events = syntheticSession({ peers: 20, gossipCount: 1, kills: 0, extraLivenessRounds: 1, rngSeed: 3 })
    expect(events.length).toBeLessThan(3 * 5000)
    const hops = events.filter(isHop)
    expect(hops.length).toBeGreaterThan(100)
    const summary = manual(200)
    const source = { deliveredSeq: 0, recent: () => [], since: async () => [] }
    const hub = new ClientHub(() => source, () => status, summary)
    const page = recorder()
    await hub.open(page.target, { summarise: true }).ready(0)
    const third = Math.floor(events.length / 3)
    // Below: each batch as delivered, hops included.
    hub.broadcast(events.slice(0, third))
    expect(page.batches).toEqual([events.slice(0, third)])
    // Above: held until the window ends, then folded.
    summary.on = true
    hub.broadcast(events.slice(third, 2 * third))
    expect(page.batches).toHaveLength(1)
    // Below again before the window ended: the held events go first, then the new batch as is.
    summary.on = false
    hub.broadcast(events.slice(2 * third))
    expect(page.batches).toHaveLength(3)
    expect(page.batches[1]!.some(isHop)).toBe(false)
    expect(page.batches[1]!.some((e) => e.type === 'gossip.coverage')).toBe(true)
    expect(page.batches[2]).toEqual(events.slice(2 * third))
    expect(page.items().reduce((sum, e) => sum + eventsIn(e), 0)).toBe(events.length)
    vi.advanceTimersByTime(1000)
    expect(page.batches).toHaveLength(3)
  })

  it('summarises a late page backlog chunk by chunk', async () => {
    const events = session()
    const summary = manual()
    summary.on = true
    const source = { deliveredSeq: events.length, recent: (from: number) => events.slice(from), since: async (from: number) => events.slice(from) }
    const hub = new ClientHub(() => source, () => status, summary)
    const page = recorder()
    await hub.open(page.target, { summarise: true }).ready(10)
    const items = page.items()
    expect(items.some(isHop)).toBe(false)
    expect(items.reduce((sum, e) => sum + eventsIn(e), 0)).toBe(events.length - 10)
  })
})

describe('HopSummaryPolicy', () => {
  const hop = (seq: number): SessionEvent => ({ v: 1, t: seq, seq, node: '127.0.1.1:7000', type: 'gossip.forwarded', id: 'm', to: '127.0.1.2:7000' })

  it('is active above the node threshold, or for holdMs after a second over the hop rate', () => {
    let nodes = 200
    let now = 1_000_000
    const policy = new HopSummaryPolicy({ aboveNodes: 200, aboveHopsPerSecond: 100, holdMs: 5000, windowMs: 200 }, () => nodes, () => now)
    expect(policy.active()).toBe(false)
    nodes = 201
    expect(policy.active()).toBe(true)
    nodes = 10
    policy.observe(Array.from({ length: 100 }, (_, i) => hop(i + 1)))
    expect(policy.active()).toBe(false)
    now += 500
    policy.observe([hop(101)])
    expect(policy.active()).toBe(true)
    expect(policy.busy).toBe(true)
    now += 4999
    expect(policy.active()).toBe(true)
    now += 1
    expect(policy.active()).toBe(false)
    // A new second starts a new count.
    policy.observe(Array.from({ length: 100 }, (_, i) => hop(i + 200)))
    expect(policy.active()).toBe(false)
  })
})
