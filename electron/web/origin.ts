/**
 * Who may talk to the web host. A browser page on another site must not drive the local
 * nodes, so a WebSocket is accepted only when its Origin is this very host
 * (`http://<Host header>`), and the Host header itself names this host (an IP literal or
 * localhost): that second check defeats DNS rebinding, where evil.example resolves to
 * 127.0.0.1 and Origin and Host would otherwise agree.
 */

/** Hostname part of a Host header (`127.0.0.1:7420`, `[::1]:7420`, `localhost`). */
export function hostName(hostHeader: string): string {
  if (hostHeader.startsWith('[')) return hostHeader.slice(0, hostHeader.indexOf(']') + 1)
  const colon = hostHeader.lastIndexOf(':')
  return colon === -1 ? hostHeader : hostHeader.slice(0, colon)
}

/** True for names that cannot be rebound by DNS: IPv4/IPv6 literals and localhost. */
export function isTrustedHostName(name: string, boundHost: string): boolean {
  const lower = name.toLowerCase()
  return (
    lower === boundHost.toLowerCase() ||
    lower === 'localhost' ||
    /^\d{1,3}(\.\d{1,3}){3}$/.test(lower) ||
    /^\[[0-9a-f:.]+\]$/.test(lower)
  )
}

/** A whole Host header: a name or an IP literal, then an optional decimal port; nothing else. */
const HOST_HEADER = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/i

export function isAllowedHost(hostHeader: string | undefined, boundHost: string): boolean {
  return (
    hostHeader !== undefined &&
    hostHeader.length < 300 &&
    HOST_HEADER.test(hostHeader) &&
    isTrustedHostName(hostName(hostHeader), boundHost)
  )
}

/** Same-origin check for a WebSocket upgrade. */
export function isSameOrigin(origin: string | undefined, hostHeader: string | undefined, boundHost: string): boolean {
  if (!origin || !isAllowedHost(hostHeader, boundHost)) return false
  return origin === `http://${hostHeader}` || origin === `https://${hostHeader}`
}
