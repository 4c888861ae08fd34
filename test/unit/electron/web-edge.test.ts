import { describe, expect, it } from 'vitest'
import { isAllowedHost, isSameOrigin } from '../../../electron/web/origin'
import { mimeType, resolveUnder } from '../../../electron/web/static-files'
import { parseWebFlags } from '../../../electron/web/web-flags'
import { parseFrame } from '../../../electron/web/ws-bridge'

describe('static files', () => {
  it('never resolves outside the root', () => {
    expect(resolveUnder('/srv/app', '/index.html')).toBe('/srv/app/index.html')
    expect(resolveUnder('/srv/app', '/assets/a.js')).toBe('/srv/app/assets/a.js')
    for (const bad of ['/../etc/passwd', '/%2e%2e/etc/passwd', '/assets/..%2f..%2fetc', '/a%00b', '/%E0%A4%A']) {
      const resolved = resolveUnder('/srv/app', bad)
      expect(resolved === null || resolved.startsWith('/srv/app/'), bad).toBe(true)
    }
    expect(resolveUnder('/srv/app', '/%2e%2e/etc/passwd')).toBeNull()
  })

  it('answers with the right MIME types', () => {
    expect(mimeType('a/index.html')).toBe('text/html; charset=utf-8')
    expect(mimeType('x.JS')).toBe('text/javascript; charset=utf-8')
    expect(mimeType('s.css')).toBe('text/css; charset=utf-8')
    expect(mimeType('e.zip')).toBe('application/zip')
    expect(mimeType('noext')).toBe('application/octet-stream')
  })
})

describe('origin checks', () => {
  it('accepts only this host as the WebSocket origin', () => {
    expect(isSameOrigin('http://127.0.0.1:7420', '127.0.0.1:7420', '127.0.0.1')).toBe(true)
    expect(isSameOrigin('http://localhost:7420', 'localhost:7420', '127.0.0.1')).toBe(true)
    expect(isSameOrigin(undefined, '127.0.0.1:7420', '127.0.0.1')).toBe(false)
    expect(isSameOrigin('http://evil.example', '127.0.0.1:7420', '127.0.0.1')).toBe(false)
    expect(isSameOrigin('http://127.0.0.1:9999', '127.0.0.1:7420', '127.0.0.1')).toBe(false)
    // DNS rebinding: Origin and Host agree, but the name is not this host.
    expect(isSameOrigin('http://evil.example:7420', 'evil.example:7420', '127.0.0.1')).toBe(false)
    expect(isAllowedHost('evil.example:7420', '127.0.0.1')).toBe(false)
    expect(isAllowedHost('[::1]:7420', '127.0.0.1')).toBe(true)
  })
})

describe('WebSocket frames', () => {
  const text = (s: string) => Buffer.from(s)
  it('accepts {id, method, args}', () => {
    expect(parseFrame(text('{"id":1,"method":"getStatus","args":[]}'), false)).toEqual({ ok: true, request: { id: 1, method: 'getStatus', args: [] } })
  })
  it('rejects malformed frames with a reason, keeping the id when there is one', () => {
    expect(parseFrame(text('{nope'), false)).toEqual({ ok: false, id: null, error: 'malformed frame: not JSON' })
    expect(parseFrame(text('{"id":7,"method":"addPeers","args":5}'), false)).toMatchObject({ ok: false, id: 7 })
    expect(parseFrame(text('[1,2]'), false)).toMatchObject({ ok: false, id: null })
    expect(parseFrame(text('null'), false)).toMatchObject({ ok: false, id: null })
    expect(parseFrame(text('{"id":1,"method":"x","args":[]}'), true)).toEqual({ ok: false, id: null, error: 'malformed frame: expected a text frame' })
  })
})

describe('web flags', () => {
  it('has documented defaults', () => {
    expect(parseWebFlags([])).toEqual({
      kind: 'ok',
      flags: { port: 7420, host: '127.0.0.1', sessions: './sessions', seeds: null, peers: null, timeScale: 0.1, maxNodes: 1000, basePort: 20001, summariseAbove: 200, summariseHops: 5000, statsMs: null },
    })
  })
  it('takes the hop-summary thresholds and the stats interval', () => {
    expect(parseWebFlags(['--summarise-above', '30', '--summarise-hops', '100', '--stats', '1000'])).toMatchObject({ kind: 'ok', flags: { summariseAbove: 30, summariseHops: 100, statsMs: 1000 } })
    expect(parseWebFlags(['--summarise-above', '-1'])).toMatchObject({ kind: 'error' })
    expect(parseWebFlags(['--stats', '5'])).toMatchObject({ kind: 'error', message: expect.stringMatching(/--stats must be an integer in 100/) })
  })
  it('autostarts with --peers alone using 3 seeds', () => {
    expect(parseWebFlags(['--peers', '5'])).toMatchObject({ kind: 'ok', flags: { seeds: 3, peers: 5 } })
  })
  it('reports bad flags in one line', () => {
    expect(parseWebFlags(['--port', 'abc'])).toMatchObject({ kind: 'error', message: expect.stringMatching(/--port must be an integer/) })
    expect(parseWebFlags(['--seeds', '1'])).toMatchObject({ kind: 'error' })
    expect(parseWebFlags(['--bogus'])).toMatchObject({ kind: 'error', message: expect.stringMatching(/unknown option/) })
    expect(parseWebFlags(['--help'])).toMatchObject({ kind: 'help', text: expect.stringContaining('--sessions') })
  })
})
