import type { SessionEvent } from '../../../shared/events'

/** A gossip message crossing one link. Positions are resolved by id when drawn. */
export interface Dot {
  from: string
  to: string
  /** Palette index of the message's origin. */
  colour: number
  /** Animation clock, ms. */
  start: number
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

export const DOT_MS = 450
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

/**
 * Turns applied events into short-lived animations. One hop gives one dot whichever of
 * its two events (`gossip.forwarded` at the sender, `gossip.received` at the receiver)
 * arrives first; the other is matched by key and ignored.
 */
export class Animator {
  dots: Dot[] = []
  pulses: Pulse[] = []
  /** Hops not drawn because MAX_DOTS were in flight. */
  skipped = 0
  private recent = new Map<string, number>()

  constructor(private readonly originOf: (messageId: string) => string | undefined) {}

  push(events: readonly SessionEvent[], now: number): void {
    for (const event of events) {
      switch (event.type) {
        case 'gossip.forwarded':
          this.hop(event.id, event.node, event.to, now)
          break
        case 'gossip.received':
          this.hop(event.id, event.from, event.node, now)
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

  /** Drops finished animations. Returns true while any is running (the frame must repaint). */
  advance(now: number): boolean {
    if (this.dots.length > 0 && now - this.dots[0]!.start >= DOT_MS) this.dots = this.dots.filter((d) => now - d.start < DOT_MS)
    if (this.pulses.length > 0) this.pulses = this.pulses.filter((p) => now - p.start < PULSE_MS)
    if (this.recent.size > 20_000) {
      for (const [key, t] of this.recent) if (now - t > 2 * DOT_MS) this.recent.delete(key)
    }
    return this.dots.length > 0 || this.pulses.length > 0
  }

  clear(): void {
    this.dots = []
    this.pulses = []
    this.recent.clear()
  }

  private hop(id: string, from: string, to: string, now: number): void {
    const key = `${id}|${from}|${to}`
    const seen = this.recent.get(key)
    if (seen !== undefined) {
      this.recent.delete(key)
      return
    }
    this.recent.set(key, now)
    if (this.dots.length >= MAX_DOTS) {
      this.skipped++
      return
    }
    const origin = this.originOf(id)
    this.dots.push({ from, to, colour: colourOf(origin ?? from), start: now })
  }

  private pulse(pulse: Pulse): void {
    if (this.pulses.length >= MAX_PULSES) this.pulses.shift()
    this.pulses.push(pulse)
  }
}
