/**
 * The Content-Security-Policy of the built renderer, the same in the Electron window and
 * the web host: the renderer's own scripts and styles, and its own host's connections
 * only (CSP 3's 'self' covers ws: and wss: to the same host). Fixed values, never built
 * from a request, so nothing a client sends can add a directive.
 */
export const RENDERER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ')
