import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { HostController } from '../../../electron/host/controller'
import { isLoopbackHost } from '../../../electron/web/access-token'
import { CONTENT_SECURITY_POLICY, startWebHost, type WebHost } from '../../../electron/web/web-host'
import { attachSocket, MAX_BUFFERED_BYTES, SLOW_BUFFERED_BYTES, SLOW_CLIENT_MS } from '../../../electron/web/ws-bridge'
import { SESSION_ID_RE } from '../../../shared/ipc'

/**
 * The web host's security edges (docs/security.md): a fixed CSP, exports that never
 * follow a symbolic link, strict session ids, an access token when bound beyond
 * loopback, and slow WebSocket clients cut early with a reason.
 */

interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { Host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = ''
      res.on('data', (d) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

function upgrade(port: number, headers: Record<string, string>): Promise<'open' | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api`, { origin: `http://127.0.0.1:${port}`, headers })
    ws.once('open', () => {
      ws.close()
      resolve('open')
    })
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
    ws.once('error', () => resolve(0))
  })
}

describe('web host security', () => {
  let dir: string
  let web: WebHost
  let port: number

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gs-web-sec-'))
    const renderer = join(dir, 'renderer')
    mkdirSync(renderer)
    writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>t</title>')
    writeFileSync(join(dir, 'secret.txt'), 'outside the exports folder')
    web = await startWebHost({ port: 0, host: '127.0.0.1', sessionsDir: join(dir, 'sessions'), rendererDir: renderer, nodesDir: dir, token: 'the-token' })
    port = web.server.address() && typeof web.server.address() === 'object' ? (web.server.address() as { port: number }).port : 0
    writeFileSync(join(dir, 'sessions', '_exports', 'real.zip'), 'zip bytes')
    symlinkSync(join(dir, 'secret.txt'), join(dir, 'sessions', '_exports', 'link.zip'))
  })

  afterAll(async () => {
    await web?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('requires the token on every route and the WebSocket; the URL carries it and the cookie keeps it', async () => {
    expect(web.url).toBe(`http://127.0.0.1:${port}/?token=the-token`)
    expect((await get(port, '/')).status).toBe(401)
    expect((await get(port, '/index.html?token=wrong')).status).toBe(401)
    expect((await get(port, '/exports/real.zip')).status).toBe(401)
    const first = await get(port, '/?token=the-token')
    expect(first.status).toBe(200)
    const cookie = String(first.headers['set-cookie']).split(';')[0]!
    expect(first.headers['set-cookie']).toEqual([expect.stringMatching(/HttpOnly; SameSite=Strict/)])
    expect((await get(port, '/index.html', { Cookie: cookie })).status).toBe(200)
    expect(await upgrade(port, {})).toBe(403)
    expect(await upgrade(port, { Cookie: 'gossipscope_token=nope' })).toBe(403)
    expect(await upgrade(port, { Cookie: cookie })).toBe('open')
  })

  it('sends a fixed CSP whatever the Host header says', async () => {
    const reply = await get(port, '/?token=the-token', { Host: `127.0.0.1:${port}` })
    expect(reply.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY)
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/127\.0\.0\.1|ws:\/\//)
    const injected = await get(port, '/?token=the-token', { Host: `127.0.0.1:${port}; script-src *` })
    expect(injected.status).toBe(421)
  })

  it('serves exports but never through a symbolic link', async () => {
    const real = await get(port, '/exports/real.zip?token=the-token')
    expect(real.status).toBe(200)
    expect(real.body).toBe('zip bytes')
    const link = await get(port, '/exports/link.zip?token=the-token')
    expect(link.status).toBe(404)
    expect(link.body).not.toContain('outside')
  })

  it('refuses session ids that are not a plain folder name', async () => {
    for (const id of ['..', '.', '.hidden', '../x', 'a/b', '']) expect(SESSION_ID_RE.test(id), id).toBe(false)
    expect(SESSION_ID_RE.test('2026-11-24T03-00-00-000Z')).toBe(true)
    const result = await web.controller.call('loadSession', ['..'])
    expect(result).toEqual({ ok: false, error: expect.stringContaining('session id') })
  })

  it('needs a token by default only beyond loopback', () => {
    for (const host of ['127.0.0.1', '127.9.9.9', 'localhost', '::1']) expect(isLoopbackHost(host), host).toBe(true)
    for (const host of ['0.0.0.0', '192.168.1.10', '::', 'example.org']) expect(isLoopbackHost(host), host).toBe(false)
  })
})

describe('slow WebSocket clients', () => {
  function fakeSocket() {
    const closes: Array<{ code: number; reason: string }> = []
    const sent: string[] = []
    const socket = {
      OPEN: 1,
      readyState: 1,
      bufferedAmount: 0,
      send: (text: string) => sent.push(text),
      close: (code: number, reason: string) => {
        closes.push({ code, reason })
        socket.readyState = 3
      },
      on: () => socket,
    }
    return { socket, closes, sent }
  }

  function attach(now: () => number) {
    const fake = fakeSocket()
    let push: ((payload: unknown) => void) | null = null
    const controller = {
      openClient: (target: { events: (p: unknown) => void }) => {
        push = target.events
        return { close: () => {} }
      },
      call: async () => null,
    } as unknown as HostController
    attachSocket(fake.socket as never, controller, now)
    return { ...fake, push: (p: unknown) => push!(p) }
  }

  it('cuts a client that stays behind for SLOW_CLIENT_MS, saying why', () => {
    let t = 0
    const c = attach(() => t)
    c.socket.bufferedAmount = SLOW_BUFFERED_BYTES + 1
    c.push({ n: 1 })
    t += SLOW_CLIENT_MS
    c.push({ n: 2 })
    expect(c.closes).toEqual([])
    t += 1
    c.push({ n: 3 })
    expect(c.closes).toEqual([{ code: 1013, reason: expect.stringMatching(/^client too slow: 1\.0 MiB of events unread/) }])
    expect(Buffer.byteLength(c.closes[0]!.reason)).toBeLessThanOrEqual(123)
  })

  it('forgives a client that catches up, and cuts one far behind at once', () => {
    let t = 0
    const c = attach(() => t)
    c.socket.bufferedAmount = SLOW_BUFFERED_BYTES + 1
    c.push({})
    t += SLOW_CLIENT_MS - 1
    c.socket.bufferedAmount = 0
    c.push({})
    c.socket.bufferedAmount = SLOW_BUFFERED_BYTES + 1
    t += 5
    c.push({})
    expect(c.closes).toEqual([])
    c.socket.bufferedAmount = MAX_BUFFERED_BYTES + 1
    c.push({})
    expect(c.closes).toHaveLength(1)
  })
})
