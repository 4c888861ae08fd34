import { mkdirSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { basename, dirname, join, resolve } from 'node:path'
import { WebSocketServer } from 'ws'
import type { HostController } from '../host/controller'
import { createHost, guardProcessExit, type HostConfig } from '../host/host'
import { checkToken, isLoopbackHost, newToken, TOKEN_PARAM, tokenCookie } from './access-token'
import { isAllowedHost, isSameOrigin } from './origin'
import { resolveUnder, sendFile } from './static-files'
import { attachSocket, MAX_FRAME_BYTES } from './ws-bridge'
import type { PushStats } from './push-stats'
import { RENDERER_CSP } from '../../shared/csp'

/**
 * The web host: the renderer over HTTP plus the API over a WebSocket at /api, driving the
 * same HostController as the desktop app. Loopback only by default.
 */

export interface WebHostOptions {
  port: number
  host: string
  sessionsDir: string
  /** Built renderer (out/renderer). */
  rendererDir: string
  /** Built node programs (out/main). */
  nodesDir: string
  hostConfig?: Partial<HostConfig>
  /**
   * Access token required on every request (see access-token.ts). Default: a new random
   * one when `host` is not loopback, none on loopback.
   */
  token?: string | null
  /** Counts the bytes pushed to pages (`--stats`). */
  stats?: PushStats
}

export interface WebHost {
  /** The URL to open; it carries the access token when one is required. */
  url: string
  token: string | null
  controller: HostController
  server: Server
  close(): Promise<void>
}

/** One policy for the window and the web host (shared/csp.ts). */
export const CONTENT_SECURITY_POLICY = RENDERER_CSP

const EXPORT_NAME = /^[\w.-]{1,200}$/

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const sessionsDir = resolve(options.sessionsDir)
  const exportsDir = join(sessionsDir, '_exports')
  // Downloads of an earlier run are stale: the folder starts empty (and keeps the newest few, see the controller).
  rmSync(exportsDir, { recursive: true, force: true })
  mkdirSync(exportsDir, { recursive: true })
  const controller = createHost({
    sessionsDir,
    exportsDir,
    nodesDir: options.nodesDir,
    exportUrl: (path) => (dirname(resolve(path)) === exportsDir ? `/exports/${encodeURIComponent(basename(path))}` : undefined),
    ...options.hostConfig,
  })
  const unguard = guardProcessExit(controller)

  const token = options.token !== undefined ? options.token : isLoopbackHost(options.host) ? null : newToken()
  const server = createServer((req, res) => {
    handleHttp(req, res, options, exportsDir, token).catch(() => {
      if (!res.headersSent) res.writeHead(500)
      res.end()
    })
  })
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES })
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy())
    const path = (req.url ?? '').split('?')[0]
    const allowed = path === '/api' && isSameOrigin(req.headers.origin, req.headers.host, options.host)
    if (!allowed || (token !== null && checkToken(req, token) === 'denied')) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n')
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => attachSocket(ws, controller, Date.now, options.stats))
  })

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      resolveListen()
    })
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : options.port
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host

  let closing: Promise<void> | null = null
  return {
    url: `http://${shownHost}:${port}/${token !== null ? `?${TOKEN_PARAM}=${token}` : ''}`,
    token,
    controller,
    server,
    close: () =>
      (closing ??= (async () => {
        for (const ws of wss.clients) ws.terminate()
        wss.close()
        const closed = new Promise<void>((done) => server.close(() => done()))
        server.closeAllConnections()
        await closed
        await controller.shutdown()
        unguard()
      })()),
  }
}

async function handleHttp(
  req: IncomingMessage,
  res: ServerResponse,
  options: WebHostOptions,
  exportsDir: string,
  token: string | null,
): Promise<void> {
  const hostHeader = req.headers.host
  if (!isAllowedHost(hostHeader, options.host)) {
    res.writeHead(421, { 'Content-Type': 'text/plain' }).end('unknown host\n')
    return
  }
  const access = token === null ? 'ok' : checkToken(req, token)
  if (access === 'denied') {
    res.writeHead(401, { 'Content-Type': 'text/plain' }).end('this host needs its access token: open the URL it printed on start\n')
    return
  }
  if (access === 'ok-from-url') res.setHeader('Set-Cookie', tokenCookie(token!))
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end()
    return
  }
  const path = (req.url ?? '/').split('?')[0] ?? '/'
  const security = {
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-cache',
  }
  if (path.startsWith('/exports/')) {
    const name = safeDecode(path.slice('/exports/'.length))
    const headers = { ...security, 'Content-Disposition': `attachment; filename="${name}"` }
    // An export is a file the host wrote: a symbolic link there was put by someone else.
    if (name && EXPORT_NAME.test(name) && (await sendFile(req, res, join(exportsDir, name), headers, { noSymlinks: true }))) return
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n')
    return
  }
  const file = resolveUnder(options.rendererDir, path === '/' ? '/index.html' : path)
  if (file && (await sendFile(req, res, file, security))) return
  res.writeHead(404, { 'Content-Type': 'text/plain', ...security }).end('not found\n')
}

function safeDecode(text: string): string | null {
  try {
    return decodeURIComponent(text)
  } catch {
    return null
  }
}
