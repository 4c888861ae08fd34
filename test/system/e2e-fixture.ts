import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, expect } from 'vitest'
import type { Page } from 'playwright-core'
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

/** A node drawn on the graph: its centre and radius in CSS px of the page. */
export type NodeCircle = { id: string; x: number; y: number; r: number }

/** Screen circles of every node (page code as strings: these files are type-checked without the DOM library). */
export async function nodeCircles(page: Page): Promise<NodeCircle[]> {
  return page.evaluate(`window.__gossipscopeGraph.nodes().map((id) => ({ id, ...window.__gossipscopeGraph.node(id) }))`)
}

/**
 * Waits until the force layout has settled: two reads 400 ms apart agree to within 4 px
 * (the simulation keeps moving nodes for a while after any change, so a position read
 * earlier may no longer be under the pointer). Call right before reading positions to click.
 */
export async function graphSettled(page: Page, timeout = 30_000): Promise<void> {
  let previous = ''
  await expect
    .poll(
      async () => {
        const now = JSON.stringify((await nodeCircles(page)).map((c) => [c.id, Math.round(c.x / 4), Math.round(c.y / 4)]))
        const same = now === previous
        previous = now
        return same
      },
      { timeout, interval: 400 },
    )
    .toBe(true)
}

/**
 * Resolves after the page drew `n` more frames: what a resize or a theme change sets off
 * (resize observers, React state, layout) is done by then. A wait on the page's own frames,
 * not on the clock.
 */
export async function frames(page: Page, n = 2): Promise<void> {
  await page.evaluate(`new Promise((done) => { let left = ${n}; const tick = () => (--left <= 0 ? done(null) : requestAnimationFrame(tick)); requestAnimationFrame(tick) })`)
}

/**
 * Pixels of the Log panel's visible scroll box not covered by a drawn row (0 once the
 * virtual list filled the box, whatever the row height with this machine's fonts).
 */
export async function logRowsGap(page: Page): Promise<number> {
  return page.locator('.log-scroll').first().evaluate((box) => {
    const view = box.getBoundingClientRect()
    let covered = 0
    for (const row of box.querySelectorAll('.log-row')) {
      const r = row.getBoundingClientRect()
      if ((row.textContent ?? '').length === 0) continue
      covered += Math.max(0, Math.min(r.bottom, view.bottom) - Math.max(r.top, view.top))
    }
    return Math.round(Math.min(view.height, box.scrollHeight) - covered)
  })
}
