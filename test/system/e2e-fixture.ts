import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, expect } from 'vitest'
import { launchBrowser, type LaunchOptions, type LaunchedBrowser } from './browser'
import { WEB, freePort, randomBasePort, startWebHost, type WebHost } from './web-host'

/** The built renderer the web host serves. */
export const RENDERER = resolve(__dirname, '../../out/renderer/index.html')

export interface E2eOptions {
  /** Temp folder name prefix, e.g. `gossipscope-e2e-live-`. */
  name: string
  /** The web host's node limit (`--max-nodes`). */
  maxNodes: number
  /** Node ports are drawn from [from, from + span) so files never share them (default 24000, 4000). */
  ports?: { from: number; span: number }
  /** More web host flags. */
  args?: string[]
  /** Browser viewport (default 1440x900). */
  viewport?: LaunchOptions['viewport']
}

/** What one end-to-end file works with, valid inside its tests (after beforeAll). */
export interface E2e {
  readonly host: WebHost
  readonly browser: LaunchedBrowser
  /** The app's URL (the host's). */
  readonly url: string
  /** The file's temp folder (removed after the file unless KEEP_SESSIONS is set). */
  readonly dir: string
  /** The host's sessions folder, `<dir>/sessions`. */
  readonly sessions: string
}

/**
 * Registers the beforeAll/afterAll every Playwright file needs: checks the build is there,
 * starts the web host (real nodes) on a free port with a temp sessions folder, launches
 * headless Chromium; afterwards closes both and removes the folder (kept with
 * KEEP_SESSIONS=1 for a look after a failure). Reading a field before beforeAll ran throws.
 */
export function useWebHostAndBrowser(options: E2eOptions): E2e {
  let host: WebHost | null = null
  let browser: LaunchedBrowser | null = null
  let dir = ''
  beforeAll(async () => {
    expect(existsSync(WEB) && existsSync(RENDERER), 'out/ missing: run `npx electron-vite build`').toBe(true)
    dir = mkdtempSync(join(tmpdir(), options.name))
    const ports = options.ports ?? { from: 24000, span: 4000 }
    host = await startWebHost({
      port: await freePort(),
      sessions: join(dir, 'sessions'),
      basePort: randomBasePort(ports.from, ports.span),
      args: ['--max-nodes', String(options.maxNodes), ...(options.args ?? [])],
    })
    browser = await launchBrowser({ viewport: options.viewport ?? { width: 1440, height: 900 } })
  })
  afterAll(async () => {
    await browser?.close()
    await host?.stop()
    if (dir && !process.env.KEEP_SESSIONS) rmSync(dir, { recursive: true, force: true })
  })
  const ready = <T>(value: T | null, what: string): T => {
    if (value === null) throw new Error(`${what} is not started yet (use it inside a test)`)
    return value
  }
  return {
    get host() { return ready(host, 'the web host') },
    get browser() { return ready(browser, 'the browser') },
    get url() { return ready(host, 'the web host').url },
    get dir() { return ready(dir || null, 'the temp folder') },
    get sessions() { return join(ready(dir || null, 'the temp folder'), 'sessions') },
  }
}
