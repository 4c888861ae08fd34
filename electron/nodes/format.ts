import type { EVENT_VERSION, NodeEvent, NodeEventBody } from '../../shared/events'
import type { NodeId } from '../../shared/address'

/**
 * The two output formats of a node: human log lines and stamped NDJSON events.
 */

/**
 * shared/events.ts builds its zod schemas when loaded; a node only needs the version, so
 * it is imported as a type and checked here (this fails to compile if the version moves).
 */
const VERSION: typeof EVENT_VERSION = 1

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0')
}

/** The last stamp made: nodes of one process log many lines in the same millisecond. */
let stampMs = NaN
let stampText = ''

/** `YYYY-MM-DD HH:MM:SS.mmm` in local time of `ms` since epoch. */
function localStamp(ms: number): string {
  if (ms === stampMs) return stampText
  const time = new Date(ms)
  stampMs = ms
  stampText =
    `${time.getFullYear()}-${pad(time.getMonth() + 1)}-${pad(time.getDate())} ` +
    `${pad(time.getHours())}:${pad(time.getMinutes())}:${pad(time.getSeconds())}.${pad(time.getMilliseconds(), 3)}`
  return stampText
}

/**
 * `YYYY-MM-DD HH:MM:SS.mmm [IP:PORT] text` in local time (`time`: a Date or ms since
 * epoch); control characters in text become `?`.
 */
export function formatLogLine(time: Date | number, node: NodeId, text: string): string {
  const stamp = localStamp(typeof time === 'number' ? time : time.getTime())
  // A log line is one line: a newline inside text would forge a second, untagged line.
  // eslint-disable-next-line no-control-regex
  const clean = /[\u0000-\u001f\u007f]/.test(text) ? text.replace(/[\u0000-\u001f\u007f]/g, '?') : text
  return `${stamp} [${node}] ${clean}`
}

/** Stamps a machine's event body: `v` (schema version), `t` (ms since epoch), `node` (IP:PORT). */
export function stampEvent(t: number, node: NodeId, body: NodeEventBody): NodeEvent {
  return { v: VERSION, t, node, ...body } as NodeEvent
}

/**
 * The pieces of node `node`'s NDJSON event lines: the line of (t, body) is
 * `head + eventTime(t) + tail + JSON.stringify(body)` with the body's opening `{` turned
 * into `,`, which is exactly `JSON.stringify(stampEvent(t, node, body))` (same keys in the
 * same order, same escapes) without building the stamped object. Bodies never carry `v`,
 * `t` or `node` (NodeEventBody) and always `type`, so the body is never `{}`.
 */
export interface EventLineParts {
  head: string
  tail: string
}

export function eventLineParts(node: NodeId): EventLineParts {
  return { head: `{"v":${VERSION},"t":`, tail: `,"node":${JSON.stringify(node)}` }
}

/** `t` as JSON writes it. */
export function eventTime(t: number): string {
  return Number.isSafeInteger(t) ? String(t) : JSON.stringify(t)
}

/** The NDJSON line of node `node`'s events as a string (see EventLineParts). */
export function eventLineWriter(node: NodeId): (t: number, body: NodeEventBody) => string {
  const { head, tail } = eventLineParts(node)
  return (t, body) => `${head}${eventTime(t)}${tail},${JSON.stringify(body).slice(1)}`
}
