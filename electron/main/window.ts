import { BrowserWindow, type Session, type WebContents } from 'electron'
import { pathToFileURL } from 'node:url'
import { RENDERER_CSP } from '../../shared/csp'

/**
 * The app window and its security: renderer isolated and sandboxed with no Node, the
 * app's own page only (navigation and new windows refused), no permissions granted, and
 * a strict Content-Security-Policy header on every response.
 */

export interface AppPage {
  /** Dev server URL (electron-vite dev) or null for the built file. */
  devUrl: string | null
  /** Built renderer entry (out/renderer/index.html). */
  indexFile: string
}

/** One policy for the window and the web host (shared/csp.ts). */
export const PRODUCTION_CSP = RENDERER_CSP

/** Vite's dev server needs its inline preamble and HMR socket; used only under `npm run dev`. */
export function developmentCsp(devUrl: string): string {
  const origin = new URL(devUrl)
  return [
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    `connect-src 'self' ws://${origin.host}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}

/** Does `url` show the app's own page? (Hash and query ignored.) */
export function isAppUrl(page: AppPage, url: string): boolean {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return false
  }
  if (page.devUrl) return parsed.origin === new URL(page.devUrl).origin
  return parsed.protocol === 'file:' && parsed.pathname === pathToFileURL(page.indexFile).pathname
}

export function installSessionSecurity(session: Session, page: AppPage): void {
  const csp = page.devUrl ? developmentCsp(page.devUrl) : PRODUCTION_CSP
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...details.responseHeaders }
    for (const name of Object.keys(headers)) if (name.toLowerCase() === 'content-security-policy') delete headers[name]
    callback({ responseHeaders: { ...headers, 'Content-Security-Policy': [csp] } })
  })
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
}

/** Refuses navigation away from the app, new windows and webviews for a window's contents. */
export function lockNavigation(contents: WebContents, page: AppPage): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(page, url)) event.preventDefault()
  })
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(page, url)) event.preventDefault()
  })
  contents.on('will-attach-webview', (event) => event.preventDefault())
  contents.setWindowOpenHandler(() => ({ action: 'deny' }))
}

export function createMainWindow(page: AppPage, preload: string): BrowserWindow {
  const window = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Gossipscope',
    backgroundColor: '#111418',
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  })
  lockNavigation(window.webContents, page)
  window.once('ready-to-show', () => window.show())
  if (page.devUrl) void window.loadURL(page.devUrl)
  else void window.loadFile(page.indexFile)
  return window
}
