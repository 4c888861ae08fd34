import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/**
 * Access token for a web host bound beyond loopback. On loopback the Origin and Host
 * checks (origin.ts) suffice: only this machine can connect. Bound to a LAN address (or
 * 0.0.0.0) anyone who can reach the port could start processes, kill nodes and read
 * sessions, so every HTTP route and the WebSocket then require a random token: printed on
 * start inside the URL the user opens (`/?token=...`), then kept in an HttpOnly,
 * SameSite=Strict cookie so the page's own assets, exports and WebSocket carry it.
 */

export const TOKEN_COOKIE = 'gossipscope_token'
export const TOKEN_PARAM = 'token'

/** True when `host` (the --host flag) is a loopback address or name. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase()
  return h === 'localhost' || h === '::1' || h === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)
}

/** 32 random bytes, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url')
}

export type TokenCheck = 'ok' | 'ok-from-url' | 'denied'

/** Whether a request carries `token` in its query (`?token=`) or its cookie. */
export function checkToken(req: IncomingMessage, token: string): TokenCheck {
  const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '').get(TOKEN_PARAM)
  if (query !== null && same(query, token)) return 'ok-from-url'
  const cookie = cookieValue(req.headers.cookie, TOKEN_COOKIE)
  return cookie !== null && same(cookie, token) ? 'ok' : 'denied'
}

/** The Set-Cookie header value that stores the token for this host. */
export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`
}

function cookieValue(header: string | undefined, name: string): string | null {
  if (!header || header.length > 8192) return null
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return null
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}
