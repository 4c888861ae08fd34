import type { Effect } from './machine'
import { preview } from './wire'

/**
 * What both machines do with input they refuse. A connection is closed after this many
 * refused lines in a row (a good line resets the count), or at once after a line that
 * was too long: one stray line from a buggy but honest node is tolerated, a stream of
 * garbage is not.
 */
export const MAX_CONSECUTIVE_BAD_LINES = 3

/**
 * A framing error after which the connection is closed at once: an over-long line (the
 * driver reports `line-too-long: ...`). Invalid UTF-8 counts as one refused line.
 */
export function isFatalFrameError(reason: string): boolean {
  return /too.long|longer than/i.test(reason)
}

/** The `frame.rejected` event and its log line. `from` is the remote `IP:PORT`. */
export function rejectionEffects(from: string, reason: string): Effect[] {
  const short = preview(reason, 400)
  return [
    { type: 'event', event: { type: 'frame.rejected', from: preview(from, 64), reason: short } },
    { type: 'log', text: `Rejected input from ${from}: ${short}` },
  ]
}

/** `YYYY-MM-DD HH:MM:SS.mmm` in the local time zone of the process (pure: no clock read). */
export function localTime(ms: number): string {
  const d = new Date(ms)
  const p = (n: number, w = 2) => String(n).padStart(w, '0')
  return (
    `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ` +
    `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`
  )
}

/** At most one log line (and event) per cause per this many ms; the rest are counted. */
export const LOG_RATE_MS = 1000
/** Causes remembered at once (a flood of distinct causes resets the memory). */
const MAX_CAUSES = 1024

/**
 * Rate limit for log lines and events that a remote can trigger at will (refused lines,
 * dropped gossip): per cause (a short key, e.g. the remote's IP and the kind of fault),
 * the first occurrence is reported at once and then at most one per LOG_RATE_MS, each
 * saying how many were suppressed since the previous one. Pure: the caller passes `now`.
 */
export class RateLimitedLog {
  private readonly causes = new Map<string, { nextAt: number; suppressed: number }>()

  /**
   * Returns the number of occurrences suppressed before this one if this one should be
   * reported now, or null if it is to be counted silently.
   */
  admit(cause: string, now: number): number | null {
    const state = this.causes.get(cause)
    if (state && now < state.nextAt) {
      state.suppressed++
      return null
    }
    if (!state && this.causes.size >= MAX_CAUSES) this.causes.clear()
    const suppressed = state?.suppressed ?? 0
    this.causes.set(cause, { nextAt: now + LOG_RATE_MS, suppressed: 0 })
    return suppressed
  }
}

/** The cause key of a refusal: the remote's IP and the reason up to its first detail. */
export function refusalCause(from: string, reason: string): string {
  const ip = from.slice(0, Math.max(0, from.lastIndexOf(':'))) || from
  return `${ip}|${reason.split(/["(0-9]/, 1)[0]}`
}

/** rejectionEffects, rate-limited per cause by `limiter` (suppressed ones are counted in the next). */
export function limitedRejection(limiter: RateLimitedLog, from: string, reason: string, now: number): Effect[] {
  const suppressed = limiter.admit(refusalCause(from, reason), now)
  if (suppressed === null) return []
  return rejectionEffects(from, suppressed > 0 ? `${reason} (and ${suppressed} more like it suppressed)` : reason)
}
