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
 * The NDJSON line of node `node`'s events: `line(t, body)` is exactly
 * `JSON.stringify(stampEvent(t, node, body))` (same keys in the same order, same escapes),
 * without building the stamped object, for the events file, which takes every event of
 * every hop. Bodies never carry `v`, `t` or `node` (NodeEventBody) and always `type`.
 */
export function eventLineWriter(node: NodeId): (t: number, body: NodeEventBody) => string {
  const head = `{"v":${VERSION},"t":`
  const tail = `,"node":${JSON.stringify(node)},`
  return (t, body) => head + (Number.isSafeInteger(t) ? String(t) : JSON.stringify(t)) + tail + JSON.stringify(body).slice(1)
}
