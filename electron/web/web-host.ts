import { mkdirSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { basename, dirname, join, resolve } from 'node:path'
import { WebSocketServer } from 'ws'
import type { HostController } from '../host/controller'
import { createHost, guardProcessExit, type HostConfig } from '../host/host'
import { isAllowedHost, isSameOrigin } from './origin'
import { resolveUnder, sendFile } from './static-files'
import { attachSocket, MAX_FRAME_BYTES } from './ws-bridge'

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
}

export interface WebHost {
  url: string
  controller: HostController
  server: Server
  close(): Promise<void>
}

/** Applied to every page: the renderer's own scripts and styles, and this host's WebSocket only. */
export function contentSecurityPolicy(hostHeader: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self' ws://${hostHeader}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ')
}

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

  const server = createServer((req, res) => {
    handleHttp(req, res, options, exportsDir).catch(() => {
      if (!res.headersSent) res.writeHead(500)
      res.end()
    })
  })
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES })
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy())
    const path = (req.url ?? '').split('?')[0]
    if (path !== '/api' || !isSameOrigin(req.headers.origin, req.headers.host, options.host)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n')
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => attachSocket(ws, controller))
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
    url: `http://${shownHost}:${port}/`,
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

async function handleHttp(req: IncomingMessage, res: ServerResponse, options: WebHostOptions, exportsDir: string): Promise<void> {
  const hostHeader = req.headers.host
  if (!isAllowedHost(hostHeader, options.host)) {
    res.writeHead(421, { 'Content-Type': 'text/plain' }).end('unknown host\n')
    return
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end()
    return
  }
  const path = (req.url ?? '/').split('?')[0] ?? '/'
  const security = {
    'Content-Security-Policy': contentSecurityPolicy(hostHeader!),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-cache',
  }
  if (path.startsWith('/exports/')) {
    const name = safeDecode(path.slice('/exports/'.length))
    if (name && EXPORT_NAME.test(name) && (await sendFile(req, res, join(exportsDir, name), {
      ...security,
      'Content-Disposition': `attachment; filename="${name}"`,
    }))) return
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
