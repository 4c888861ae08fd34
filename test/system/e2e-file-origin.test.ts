import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { launchBrowser } from './browser'
import { RENDERER } from './e2e-fixture'

/**
 * The Electron window loads the renderer from file:// (window.loadFile), where the web host
 * serves it over http. Electron cannot run here, so Chromium stands in, with file access for
 * file:// pages as Electron grants it: the built page loads, and an import runs in its Web
 * Worker (a module worker from a file:// URL) and opens the field case whole.
 */

const FIELD_CASE = resolve(__dirname, '../fixtures/folder-with-gz.zip')

describe('the renderer from file:// (as the Electron window loads it)', () => {
  it('imports a zip through its Web Worker', async () => {
    expect(existsSync(RENDERER), 'out/ missing: run `npx electron-vite build`').toBe(true)
    const browser = await launchBrowser({ args: ['--allow-file-access-from-files'] })
    const errors: string[] = []
    try {
      const page = browser.page
      page.on('pageerror', (error) => errors.push(error.message))
      await page.goto(pathToFileURL(RENDERER).href)
      await page.getByTestId('open-files').setInputFiles(FIELD_CASE)
      await expect.poll(() => page.getByText(/^Opened folder-with-gz\.zip: \d+ events/).count(), { timeout: 30_000 }).toBe(1)
      await expect.poll(async () => Number(await page.getByTestId('count-messages').textContent()), { timeout: 15_000 }).toBe(60)
      expect(errors.filter((e) => /worker/i.test(e))).toEqual([])
    } finally {
      await browser.close()
    }
  })
})
