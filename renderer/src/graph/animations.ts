import type { SessionEvent } from '../../../shared/events'

/** A gossip message crossing one link. Positions are resolved by id when drawn. */
export interface Dot {
  from: string
  to: string
  /** Palette index of the message's origin. */
  colour: number
  /** Animation clock, ms. */
  start: number
  /** Display ms the dot takes to cross (hopDisplayMs of the hop's real or expected duration). */
  duration: number
  /** Node clock (ms since epoch) of the sender's gossip.forwarded; null until it arrived. */
  sentAt: number | null
  /** Node clock of the receiver's gossip.received / duplicate; null until it arrived. */
  receivedAt: number | null
  /** Animation clock when emulated loss dropped it (it fades where it is); null otherwise. */
  droppedAt: number | null
  /** A partition holds the sender's side of this link: the dot waits at the cut until it arrives. */
  held: boolean
}

export type PulseKind = 'origin' | 'removal' | 'kill' | 'report'

/** An expanding ring at a node: a message created, a seed removing a peer, a Dead Node report sent to a seed, a kill. */
export interface Pulse {
  node: string
  kind: PulseKind
  colour: number
  start: number
  /** For 'removal': the peer the seed removed; for 'report': the seed reported to (a line is drawn to it). */
  target?: string
}

/** Display ms of a hop of 0 ms: short enough to follow bursts, long enough to see. */
export const DOT_MS = 300
/** Display ms per ms of real hop duration: a 600 ms satellite hop takes 0.3 + 1.2 s on screen. */
export const DOT_MS_PER_HOP_MS = 2
/** The longest a dot takes to cross, ms. */
export const DOT_MAX_MS = 4000
/** A dropped dot fades over this, ms. */
export const DROP_FADE_MS = 700
/** A held dot waits at the cut at most this long on screen, ms. */
export const HELD_MAX_MS = 10_000

/**
 * Screen duration of a hop that really took `hopMs` (gossip.received − gossip.forwarded):
 * DOT_MS + DOT_MS_PER_HOP_MS × hop, so a 1 ms hop is still visible and a 600 ms hop takes
 * proportionally longer.
 */
export function hopDisplayMs(hopMs: number): number {
  return Math.min(DOT_MAX_MS, DOT_MS + DOT_MS_PER_HOP_MS * Math.max(0, hopMs))
}
export const PULSE_MS = 900
/** Most dots in flight at once: beyond it new hops are counted, not drawn, so frames never stall. */
export const MAX_DOTS = 400
export const MAX_PULSES = 120
export const PALETTE_SIZE = 12

/**
 * Stable palette index for a node id: FNV-1a, then murmur3's finalizer (FNV alone leaves
 * the low bits nearly constant for ids that differ in one digit, giving 3 colours of 12).
 */
export function colourOf(id: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return (h >>> 0) % PALETTE_SIZE
}

/** What the animator asks about a link: its configured delay and whether a partition holds from -> to. */
export interface LinkInfo {
  expectedMs(from: string, to: string): number
  held(from: string, to: string): boolean
  /** The node a net.dropped's `to` names (an accepted connection names only its IP). */
  resolve(to: string): string | null
}

const NO_LINK_INFO: LinkInfo = { expectedMs: () => 0, held: () => false, resolve: (to) => to }

/**
 * Turns applied events into short-lived animations. One hop gives one dot whichever of
 * its two events (`gossip.forwarded` at the sender, `gossip.received` or
 * `gossip.duplicate` at the receiver) arrives first; once both arrived the dot crosses in
 * hopDisplayMs(received − forwarded), before that in the link's configured delay. A
 * `net.dropped` (loss) fades that many of the link's dots still waiting for a receipt; a
 * dot on a link a partition holds waits at the cut.
 */
export class Animator {
  dots: Dot[] = []
  pulses: Pulse[] = []
  /** Hops not drawn because MAX_DOTS were in flight. */
  skipped = 0
  private open = new Map<string, Dot>()
  /** Keys of dots that finished before their other event arrived (animation clock): that event draws nothing. */
  private finished = new Map<string, number>()

  constructor(
    private readonly originOf: (messageId: string) => string | undefined,
    private readonly links: LinkInfo = NO_LINK_INFO,
  ) {}

  push(events: readonly SessionEvent[], now: number): void {
    for (const event of events) {
      switch (event.type) {
        case 'gossip.forwarded':
          this.hop(event.id, event.node, event.to, now, event.t, null)
          break
        case 'gossip.received':
          this.hop(event.id, event.from, event.node, now, null, event.t)
          break
        case 'gossip.duplicate':
          this.hop(event.id, event.from, event.node, now, null, event.t)
          break
        case 'net.dropped':
          if (event.reason === 'loss' && event.gossip > 0) this.dropped(event.node, this.links.resolve(event.to), event.gossip, now)
          break
        case 'gossip.created':
          this.pulse({ node: event.node, kind: 'origin', colour: colourOf(event.node), start: now })
          break
        case 'peer.dead-reported':
          for (const seed of event.seeds) this.pulse({ node: event.node, kind: 'report', colour: 0, start: now, target: seed })
          break
        case 'seed.peer-removed':
          this.pulse({ node: event.node, kind: 'removal', colour: 0, start: now, target: event.peer })
          break
        case 'host.kill':
          if (event.signal === 'SIGKILL') this.pulse({ node: event.node, kind: 'kill', colour: 0, start: now })
          break
        default:
          break
      }
    }
  }

  /** Where a dot is along its link at `now`, 0..1 (a held dot stops at the cut). */
  progress(d: Dot, now: number): number {
    const f = Math.min(1, (now - d.start) / d.duration)
    return d.held && d.receivedAt === null ? Math.min(f, 0.5) : f
  }

  /** Opacity of a dot at `now` (1, or fading after a drop). */
  alpha(d: Dot, now: number): number {
    return d.droppedAt === null ? 1 : Math.max(0, 1 - (now - d.droppedAt) / DROP_FADE_MS)
  }

  /** Drops finished animations. Returns true while any is running (the frame must repaint). */
  advance(now: number): boolean {
    if (this.dots.length > 0) {
      const done = (d: Dot) =>
        d.droppedAt !== null
          ? now - d.droppedAt >= DROP_FADE_MS
          : d.held && d.receivedAt === null
            ? now - d.start >= HELD_MAX_MS
            : now - d.start >= d.duration
      if (this.dots.some(done)) {
        this.dots = this.dots.filter((d) => !done(d))
        for (const [key, d] of this.open) {
          if (!done(d)) continue
          this.open.delete(key)
          this.finished.set(key, now)
        }
      }
    }
    if (this.finished.size > 5_000) for (const [key, t] of this.finished) if (now - t > HELD_MAX_MS) this.finished.delete(key)
    if (this.pulses.length > 0) this.pulses = this.pulses.filter((p) => now - p.start < PULSE_MS)
    return this.dots.length > 0 || this.pulses.length > 0
  }

  clear(): void {
    this.dots = []
    this.pulses = []
    this.open.clear()
    this.finished.clear()
  }

  private hop(id: string, from: string, to: string, now: number, sentAt: number | null, receivedAt: number | null): void {
    const key = `${id}|${from}|${to}`
    if (this.finished.delete(key)) return
    const seen = this.open.get(key)
    if (seen) {
      seen.sentAt ??= sentAt
      seen.receivedAt ??= receivedAt
      if (seen.sentAt !== null && seen.receivedAt !== null) {
        // Both ends known: the dot now takes the hop's real duration, from where it started.
        seen.duration = hopDisplayMs(seen.receivedAt - seen.sentAt)
        this.open.delete(key)
      }
      return
    }
    if (this.dots.length >= MAX_DOTS) {
      this.skipped++
      return
    }
    const origin = this.originOf(id)
    const held = sentAt !== null && this.links.held(from, to)
    const dot: Dot = {
      from,
      to,
      colour: colourOf(origin ?? from),
      start: now,
      duration: hopDisplayMs(this.links.expectedMs(from, to)),
      sentAt,
      receivedAt,
      droppedAt: null,
      held,
    }
    this.dots.push(dot)
    this.open.set(key, dot)
  }

  /** `count` gossip lines from -> to were lost: that many of its dots still waiting for a receipt fade. */
  private dropped(from: string, to: string | null, count: number, now: number): void {
    let left = count
    for (const d of this.dots) {
      if (left === 0) break
      if (d.from === from && (to === null || d.to === to) && d.receivedAt === null && d.droppedAt === null) {
        d.droppedAt = now
        left--
      }
    }
  }

  private pulse(pulse: Pulse): void {
    if (this.pulses.length >= MAX_PULSES) this.pulses.shift()
    this.pulses.push(pulse)
  }
}
