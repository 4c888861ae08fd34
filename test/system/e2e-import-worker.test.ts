import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { strToU8, unzipSync, zipSync } from 'fflate'
import { describe, expect, it } from 'vitest'
import { wideSessionZip } from '../fixtures/wide-session'
import { useWebHostAndBrowser } from './e2e-fixture'

/**
 * Imports run in a Web Worker (issue 11), in Chromium: the gzip folder field case opens
 * whole; a wide session (8,000 peers x 30,000 messages) shows its progress line, opens
 * and its Analysis tab shows the figures; while one imports, a click (Cancel) is handled
 * and stops it; 10 million lines of `{}` (a 29 KB zip) are refused with the reason; files
 * over 512 MiB together are refused before they are read.
 * No nodes run. Waits on what the page shows, never on durations.
 */

const e2e = useWebHostAndBrowser({ name: 'gossipscope-e2e-import-worker-', maxNodes: 4 })
const WAIT = 120_000

/**
 * Script that records in the page, in `window[key]`, every text the element with `testId`
 * showed (a progress line may come and go between two polls).
 */
const watchText = (testId: string, key: string) => `(() => {
  window.${key} = []
  new MutationObserver(() => {
    const line = document.querySelector('[data-testid="${testId}"]')
    if (line && window.${key}.at(-1) !== line.textContent) window.${key}.push(line.textContent)
  }).observe(document.body, { subtree: true, childList: true, characterData: true })
})()`

describe('imports in a worker', () => {
  it('opens the gzip folder and a wide session with progress, cancels on a click, refuses {} x 10 million', async () => {
    const page = e2e.browser.page
    const number = async (id: string) => Number(await page.getByTestId(`count-${id}`).textContent())
    await page.goto(e2e.url)
    await expect.poll(() => page.getByRole('button', { name: 'New network' }).isEnabled(), { timeout: 30_000 }).toBe(true)
    await page.evaluate(watchText('import-progress', '__progress'))

    // Field case folder-with-gz.zip unpacked as the user has it: 9 node files, one gzipped, 60 messages.
    const folder = join(e2e.dir, 'folder-with-gz')
    for (const [name, bytes] of Object.entries(unzipSync(readFileSync(join(__dirname, '../fixtures/folder-with-gz.zip'))))) {
      mkdirSync(dirname(join(folder, name)), { recursive: true })
      writeFileSync(join(folder, name), bytes)
    }
    await page.getByLabel('Open a session folder or node log directory').setInputFiles(folder)
    await expect.poll(() => page.getByText('Opened folder-with-gz: 3285 events (merged from 9 files)').count(), { timeout: WAIT }).toBe(1)
    await expect.poll(() => number('messages'), { timeout: WAIT }).toBe(60)
    expect(await page.getByTestId('incomplete-badge').count()).toBe(0)

    // A wide session: progress while it is read, parsed, received and indexed; then it opens.
    const wide = join(e2e.dir, 'wide.zip')
    writeFileSync(wide, wideSessionZip({ peers: 8000, messages: 30_000 }))
    const events = 3 + 8000 * 7 + 30_000 * 5
    await page.getByTestId('open-files').setInputFiles(wide)
    await expect.poll(() => page.getByText(`Opened wide.zip: ${events} events`).count(), { timeout: WAIT }).toBe(1)
    await expect.poll(() => number('messages'), { timeout: WAIT }).toBe(30_000)
    const shown = (await page.evaluate('window.__progress')) as string[]
    expect(shown.some((t) => /^Opening wide\.zip: parsing wide\.zip\/events\.ndjson: [\d.]+ MiB of [\d.]+ MiB, [\d,]+ events/.test(t))).toBe(true)
    expect(shown.some((t) => new RegExp(`^Opening wide\\.zip: indexing [\\d,]+ of ${events.toLocaleString('en')} events for replay`).test(t))).toBe(true)
    await expect.poll(() => page.getByTestId('import-progress').count(), { timeout: WAIT }).toBe(0)
    // The Analysis tab analyses it at once, in slices with a progress line (the page stays
    // free), and finishes (no out-of-memory crash) with the figures.
    await page.evaluate(watchText('analysis-progress', '__analysis'))
    await page.getByRole('tab', { name: 'Analysis' }).click()
    await expect.poll(() => page.getByText(`${events} events analysed`).count(), { timeout: WAIT }).toBe(1)
    const analysing = (await page.evaluate('window.__analysis')) as string[]
    const percents = analysing.map((t) => Number(/(\d+)%$/.exec(t)?.[1]))
    expect(percents, analysing.join(' | ')).toEqual([...percents].sort((a, b) => a - b))
    expect(analysing.some((t) => new RegExp(`^Cancel Analysing ${events.toLocaleString('en')} events: \\d+%$`).test(t)), analysing.join(' | ')).toBe(true)
    await expect.poll(() => page.getByTestId('analysis-progress').count(), { timeout: WAIT }).toBe(0)
    // Refresh, then Cancel before the next slice (the first slice runs in the click, the rest
    // wait for a task: clicking Cancel in the same task is never too late on any machine).
    const cancelled = await page.evaluate(`(async () => {
      const refresh = [...document.querySelectorAll('.analysis-bar button')].find((b) => b.textContent === 'Refresh')
      refresh.click()
      for (let i = 0; i < 20; i++) {
        const cancel = document.querySelector('[data-testid="analysis-progress"] button')
        if (cancel) {
          cancel.click()
          return 'cancelled'
        }
        await Promise.resolve()
      }
      return 'no progress line after Refresh'
    })()`)
    expect(cancelled).toBe('cancelled')
    await expect.poll(() => page.getByTestId('analysis-progress').count(), { timeout: WAIT }).toBe(0)
    await expect.poll(() => page.getByText(`${events} events analysed (the refresh was cancelled)`).count(), { timeout: WAIT }).toBe(1)
    await expect.poll(() => page.getByRole('button', { name: 'Refresh' }).isEnabled(), { timeout: WAIT }).toBe(true)
    await expect.poll(() => page.locator('[data-plot="coverage"]').textContent(), { timeout: WAIT }).toContain('Coverage over time (60 of 30000 messages)')
    await page.screenshot({ path: join(e2e.dir, 'wide-analysis.png') })

    // While the next import runs in the worker, the page takes a click: Cancel stops it, nothing else changes.
    await page.getByTestId('open-files').setInputFiles(wide)
    await page.getByTestId('import-progress').getByRole('button', { name: 'Cancel' }).click({ timeout: WAIT })
    await expect.poll(() => page.getByText('Opening wide.zip cancelled').count(), { timeout: WAIT }).toBe(1)
    await expect.poll(() => page.getByTestId('import-progress').count(), { timeout: WAIT }).toBe(0)

    // 10 million lines of {} (a small zip): refused with the reason, the page usable.
    const braces = join(e2e.dir, 'braces.zip')
    writeFileSync(braces, zipSync({ 'events.ndjson': strToU8('{}\n'.repeat(10_000_000)) }, { level: 9 }))
    await page.getByTestId('open-files').setInputFiles(braces)
    await expect.poll(() => page.getByText(/no valid event in the first 10,000 lines: the rest of the file was not read/).count(), { timeout: WAIT }).toBeGreaterThan(0)
    await page.getByRole('tab', { name: 'Graph' }).click()
    await expect.poll(() => page.getByRole('tab', { name: 'Graph' }).getAttribute('aria-selected')).toBe('true')
    expect(await number('messages')).toBe(30_000)
    await page.screenshot({ path: join(e2e.dir, 'after-braces.png') })

    // Two files of 300 MiB (sparse on disk): each under the limit, together over it: refused before reading.
    const pair = join(e2e.dir, 'pair')
    mkdirSync(pair)
    for (const name of ['a.events.ndjson', 'b.events.ndjson']) {
      const fd = openSync(join(pair, name), 'w')
      ftruncateSync(fd, 300 * 1024 * 1024)
      closeSync(fd)
    }
    await page.getByTestId('open-files').setInputFiles([join(pair, 'a.events.ndjson'), join(pair, 'b.events.ndjson')])
    await expect.poll(() => page.getByText('These 2 files are 600 MiB in all: at most 512 MiB can be opened at once in the app').count(), { timeout: WAIT }).toBe(1)
    await expect.poll(() => page.getByTestId('import-progress').count(), { timeout: WAIT }).toBe(0)
    expect(await number('messages')).toBe(30_000)
  }, 400_000)
})
