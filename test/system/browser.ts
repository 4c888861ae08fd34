import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'

/** Debian's Chromium (`apt-get install chromium`); playwright-core never downloads a browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Flags that keep Chromium quiet on a machine with no network but loopback. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export interface LaunchedBrowser {
  context: BrowserContext
  page: Page
  /** Closes the browser and deletes its profile. Safe to call twice. */
  close(): Promise<void>
}

export interface LaunchOptions {
  viewport?: { width: number; height: number }
  colorScheme?: 'light' | 'dark'
  /** Extra Chromium flags. */
  args?: string[]
}

/**
 * Headless Chromium with a fresh profile in a temp folder, and one page. Console errors
 * and page crashes are echoed to stderr so a failing test shows why.
 */
export async function launchBrowser(options: LaunchOptions = {}): Promise<LaunchedBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'gossipscope-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
    viewport: options.viewport ?? { width: 1440, height: 900 },
    colorScheme: options.colorScheme ?? 'light',
    // Whatever the machine's LANG and TZ (a bare CI machine may have none): the same page.
    locale: 'en-US',
    timezoneId: 'UTC',
  })
  const page = context.pages()[0] ?? (await context.newPage())
  page.on('pageerror', (error) => process.stderr.write(`[page error] ${error.message}\n`))
  page.on('console', (message) => {
    if (message.type() === 'error') process.stderr.write(`[console] ${message.text()}\n`)
  })
  let closed = false
  return {
    context,
    page,
    async close() {
      if (closed) return
      closed = true
      await context.close().catch(() => undefined)
      rmSync(profile, { recursive: true, force: true })
    },
  }
}
