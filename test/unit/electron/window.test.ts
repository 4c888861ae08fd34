import { describe, expect, it, vi } from 'vitest'

const created: { options: Record<string, unknown>; loaded: string[] }[] = []

vi.mock('electron', () => {
  class BrowserWindow {
    webContents = {
      handlers: new Map<string, (...args: unknown[]) => void>(),
      windowOpen: null as null | (() => unknown),
      on(name: string, handler: (...args: unknown[]) => void) {
        this.handlers.set(name, handler)
      },
      setWindowOpenHandler(handler: () => unknown) {
        this.windowOpen = handler
      },
    }
    record: { options: Record<string, unknown>; loaded: string[] }
    constructor(options: Record<string, unknown>) {
      this.record = { options, loaded: [] }
      created.push(this.record)
    }
    once() {}
    loadFile(path: string) {
      this.record.loaded.push(path)
      return Promise.resolve()
    }
    loadURL(url: string) {
      this.record.loaded.push(url)
      return Promise.resolve()
    }
  }
  return { BrowserWindow }
})

const { createMainWindow, installSessionSecurity, isAppUrl, PRODUCTION_CSP } = await import('../../../electron/main/window')

const page = { devUrl: null, indexFile: '/app/out/renderer/index.html' }

describe('main window', () => {
  it('is isolated, sandboxed, without Node, with web security on', () => {
    const window = createMainWindow(page, '/app/out/preload/index.cjs') as unknown as { webContents: { handlers: Map<string, (...a: unknown[]) => void>; windowOpen: () => unknown } }
    const prefs = created.at(-1)!.options.webPreferences as Record<string, unknown>
    expect(prefs).toMatchObject({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    })
    expect(created.at(-1)!.loaded).toEqual(['/app/out/renderer/index.html'])
    // Navigation away and new windows are refused.
    expect(window.webContents.windowOpen()).toEqual({ action: 'deny' })
    const away = { preventDefault: vi.fn() }
    window.webContents.handlers.get('will-navigate')!(away, 'https://evil.example/')
    expect(away.preventDefault).toHaveBeenCalled()
    const home = { preventDefault: vi.fn() }
    window.webContents.handlers.get('will-navigate')!(home, 'file:///app/out/renderer/index.html#x')
    expect(home.preventDefault).not.toHaveBeenCalled()
  })

  it('installs a strict CSP on every response and refuses permissions', () => {
    let listener: ((details: { responseHeaders?: Record<string, string[]> }, cb: (r: unknown) => void) => void) | null = null
    let permissions: ((c: unknown, p: string, cb: (ok: boolean) => void) => void) | null = null
    const session = {
      webRequest: { onHeadersReceived: (l: typeof listener) => (listener = l) },
      setPermissionRequestHandler: (h: typeof permissions) => (permissions = h),
    }
    installSessionSecurity(session as never, page)
    let result: { responseHeaders: Record<string, string[]> } | null = null
    listener!({ responseHeaders: { 'content-security-policy': ['default-src *'], 'X-Other': ['1'] } }, (r) => (result = r as never))
    expect(result!.responseHeaders).toEqual({ 'X-Other': ['1'], 'Content-Security-Policy': [PRODUCTION_CSP] })
    expect(PRODUCTION_CSP).toContain("script-src 'self'")
    expect(PRODUCTION_CSP).not.toMatch(/script-src[^;]*unsafe/)
    expect(PRODUCTION_CSP).toContain("object-src 'none'")
    const answer = vi.fn()
    permissions!(null, 'geolocation', answer)
    expect(answer).toHaveBeenCalledWith(false)
  })

  it('recognises only the app page (or the dev server origin) as the app', () => {
    expect(isAppUrl(page, 'file:///app/out/renderer/index.html')).toBe(true)
    expect(isAppUrl(page, 'file:///app/out/renderer/other.html')).toBe(false)
    expect(isAppUrl(page, 'not a url')).toBe(false)
    const dev = { devUrl: 'http://localhost:5173/', indexFile: '' }
    expect(isAppUrl(dev, 'http://localhost:5173/index.html')).toBe(true)
    expect(isAppUrl(dev, 'http://localhost:5174/')).toBe(false)
  })
})
