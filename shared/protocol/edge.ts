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
