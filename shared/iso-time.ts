/** Largest |ms since epoch| a JavaScript Date can hold (ECMA-262 §21.4.1.1: ±8.64e15 ms). */
export const MAX_DATE_MS = 8.64e15

/**
 * `2026-11-29T13:24:44.123Z` for a time in ms since epoch; a time a Date cannot hold (an
 * event's `t` may be any finite number, e.g. 9e15) is written as `t=<ms> ms` instead of
 * throwing "Invalid time value". Pure.
 */
export function isoTime(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS ? new Date(ms).toISOString() : `t=${ms} ms`
}
