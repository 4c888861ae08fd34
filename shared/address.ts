/**
 * Node addresses. A node is identified everywhere (wire, events, UI, files) by its
 * listening address written as `IP:PORT`, e.g. `127.0.0.7:6001`. Only IPv4 dotted quads
 * are accepted: the assignment's config.txt and message formats are `IP:PORT` with `:` as
 * the field separator, which an IPv6 address would break.
 */

/** A listening address. `port` is 1..65535. */
export interface Address {
  ip: string
  port: number
}

/** `IP:PORT`, the id of a node. */
export type NodeId = string

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)'
/** Source of a dotted-quad IPv4 address, for composing wire regexes. */
export const IPV4_SOURCE = `${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}`
const IPV4_RE = new RegExp(`^${IPV4_SOURCE}$`)
const PORT_RE = /^[1-9]\d{0,4}$/

export function isIpv4(text: string): boolean {
  return IPV4_RE.test(text)
}

/**
 * A dotted quad as its 32-bit value (`127.0.0.1` -> 2130706433), read digit by digit with
 * no string made; a compact key for tables keyed by IP. The caller checked `isIpv4`
 * (for other text the result is meaningless, though always a number).
 */
export function ipv4Number(ip: string): number {
  let value = 0
  let octet = 0
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i)
    if (c === 0x2e) {
      value = value * 256 + octet
      octet = 0
    } else octet = octet * 10 + (c - 0x30)
  }
  return value * 256 + octet
}

/** True for any 127.x.y.z address (all of 127.0.0.0/8 is loopback). */
export function isLoopback(ip: string): boolean {
  return isIpv4(ip) && ip.startsWith('127.')
}

/** Parses a port written in decimal; returns null unless it is an integer in 1..65535. */
export function parsePort(text: string): number | null {
  if (!PORT_RE.test(text)) return null
  const port = Number(text)
  return port <= 65535 ? port : null
}

/** Parses `IP:PORT`; returns null on anything else (no whitespace trimming). */
export function parseAddress(text: string): Address | null {
  const colon = text.lastIndexOf(':')
  if (colon <= 0) return null
  const ip = text.slice(0, colon)
  const port = parsePort(text.slice(colon + 1))
  if (port === null || !isIpv4(ip)) return null
  return { ip, port }
}

export function formatAddress(address: Address): NodeId {
  return `${address.ip}:${address.port}`
}

export function sameAddress(a: Address, b: Address): boolean {
  return a.ip === b.ip && a.port === b.port
}
