import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { unzipSync } from 'fflate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useWebHostAndBrowser } from './e2e-fixture'

/**
 * Replay end to end in Chromium against the web host with real nodes: scrub the timeline
 * (counters follow), step, play with the space bar, seek by a marker, go live; export the
 * session (download URL), then open the export through the file input and its events by
 * drag-and-drop, and see the Analysis tab's plots.
 */

/** Bound for the page to catch up after an action (expect.poll's own default is 1 s; a loaded CI machine needs more). */
const WAIT = 15_000

const e2e = useWebHostAndBrowser({ name: 'gossipscope-e2e-replay-', maxNodes: 20, ports: { from: 28000, span: 3000 } })
let downloads = ''

beforeAll(() => {
  downloads = mkdtempSync(join(tmpdir(), 'gossipscope-e2e-downloads-'))
})

afterAll(async () => {
  if (downloads) rmSync(downloads, { recursive: true, force: true })
})

describe('replay in the browser', () => {
  it('scrubs, steps, plays, exports and opens a session', async () => {
    const page = e2e.browser.page
    const count = (id: string) => page.getByTestId(`count-${id}`)
    const number = async (id: string) => Number(await count(id).textContent())
    const slider = page.getByLabel('Replay time (ms since the session start)')
    const position = page.getByLabel('Timeline position')
    /** Moves the slider to `ms` and waits until the position says so (the counters are drawn with it). */
    const seek = async (ms: number) => {
      await slider.fill(String(ms))
      const shown = `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s / `
      await expect.poll(async () => (await position.textContent()) ?? '', { timeout: WAIT }).toMatch(new RegExp(`^${shown.replace('.', '\\.')}`))
    }
    await page.goto(e2e.url)
    await expect.poll(() => page.getByRole('button', { name: 'New network' }).isEnabled(), { timeout: 30_000 }).toBe(true)

    await page.getByRole('tab', { name: 'Settings' }).click()
    await page.getByLabel('Time scale').fill('0.04')
    await page.getByLabel('Seeds for a new network').fill('2')
    await page.getByLabel('Peers for a new network').fill('4')
    await page.getByRole('button', { name: 'New network' }).click()
    // Four peers, ten messages each.
    await expect.poll(() => number('messages'), { timeout: 60_000, interval: 250 }).toBe(40)
    await expect.poll(() => number('links'), { timeout: 30_000 }).toBeGreaterThanOrEqual(3)

    // Scrub to the very start: nothing has happened yet.
    await page.getByRole('button', { name: 'Stop' }).click()
    await expect.poll(() => page.getByRole('button', { name: 'Stop' }).isEnabled(), { timeout: 30_000 }).toBe(false)
    const liveMessages = await number('messages')
    await seek(0)
    await expect.poll(() => number('messages'), { timeout: WAIT }).toBe(0)
    await expect.poll(() => page.getByRole('button', { name: 'Live', exact: true }).getAttribute('aria-pressed'), { timeout: WAIT }).toBe('false')
    // Dragging forward through the session: the count never falls and passes through
    // values between none and all.
    const max = Number(await slider.getAttribute('max'))
    const seen: number[] = []
    for (let i = 1; i <= 20; i++) {
      await seek(Math.round((max * i) / 20))
      seen.push(await number('messages'))
    }
    expect(seen).toEqual([...seen].sort((a, b) => a - b))
    expect(seen.some((n) => n > 0 && n < liveMessages)).toBe(true)
    expect(seen[seen.length - 1]).toBe(liveMessages)
    await seek(Math.round(max / 2))
    // Step one event forward: the event counter moves by one.
    const before = /event (\d+)\//.exec((await position.textContent())!)![1]!
    await page.getByRole('button', { name: 'Step forward one event' }).click()
    await expect.poll(async () => /event (\d+)\//.exec((await position.textContent())!)![1], { timeout: WAIT }).toBe(String(Number(before) + 1))
    // Space bar plays (at 50x) from here to the end.
    await page.getByLabel('Replay speed').selectOption('50')
    await page.locator('body').click({ position: { x: 5, y: 5 } })
    await page.keyboard.press('Space')
    await expect.poll(() => number('messages'), { timeout: 30_000 }).toBe(liveMessages)
    // A first-delivery marker seeks to that delivery.
    await page.locator('.marker-first').first().click()
    // Wait for the seek itself (the count was liveMessages before it), then check the floor.
    await expect.poll(() => number('messages'), { timeout: WAIT }).toBeLessThan(liveMessages)
    expect(await number('messages')).toBeGreaterThanOrEqual(1)
    await page.getByRole('button', { name: 'Live', exact: true }).click()
    await expect.poll(() => number('messages'), { timeout: WAIT }).toBe(liveMessages)

    // Export: the web host answers with a download URL.
    await page.getByRole('button', { name: 'Export…' }).click()
    const downloaded = page.waitForEvent('download', { timeout: 60_000 })
    await page.getByRole('dialog').getByRole('button', { name: 'Export' }).click()
    // A refused export shows its reason in the dialog: fail with it rather than a bare timeout.
    const refused = page.getByRole('dialog').getByRole('alert')
    const download = await Promise.race([
      downloaded,
      refused.waitFor({ timeout: 60_000 }).then(async () => {
        throw new Error(`export refused: ${await refused.textContent()}`)
      }),
    ])
    const zipPath = join(downloads, 'session.zip')
    await download.saveAs(zipPath)
    const entries = unzipSync(readFileSync(zipPath))
    const eventsName = Object.keys(entries).find((n) => n.endsWith('/events.ndjson'))!
    expect(Object.keys(entries).some((n) => n.endsWith('/summary.md'))).toBe(true)

    // Open the export through the file input: replay of the recording, no nodes needed.
    await page.getByTestId('open-files').setInputFiles(zipPath)
    await expect.poll(() => position.textContent(), { timeout: WAIT }).toMatch(/session\.zip|\d{4}-\d\d-\d\dT/)
    await expect.poll(() => number('messages'), { timeout: WAIT }).toBe(liveMessages)
    await slider.fill('0')
    await expect.poll(() => number('messages'), { timeout: WAIT }).toBe(0)

    // Drop the export's events.ndjson anywhere on the window.
    const text = new TextDecoder().decode(entries[eventsName]!)
    // Page code as a string: this file is type-checked without the DOM library.
    await page.evaluate(`(() => {
      const data = new DataTransfer()
      data.items.add(new File([${JSON.stringify(text)}], 'events.ndjson', { type: 'application/x-ndjson' }))
      window.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, cancelable: true }))
      window.dispatchEvent(new DragEvent('drop', { dataTransfer: data, cancelable: true }))
    })()`)
    await expect.poll(() => page.getByText(/Opened .*: \d+ events/).count(), { timeout: WAIT }).toBeGreaterThan(0)
    await expect.poll(() => number('messages'), { timeout: WAIT }).toBe(liveMessages)

    // A plain node log directory (the nodes' own events files) opens merged into one timeline.
    const sessionId = readdirSync(e2e.sessions).find((name) => name !== '_exports')!
    await page.getByLabel('Open a session folder or node log directory').setInputFiles(join(e2e.sessions, sessionId, 'logs'))
    await expect.poll(() => page.getByText(/merged from \d+ files/).count(), { timeout: 15_000 }).toBeGreaterThan(0)
    await expect.poll(() => number('messages'), { timeout: WAIT }).toBe(liveMessages)

    // Analysis of the opened recording: plots, each savable.
    await page.getByRole('tab', { name: 'Analysis' }).click()
    await expect.poll(() => page.locator('figure[data-plot]').count(), { timeout: WAIT }).toBe(6)
    // It says what it was computed from: the merged node files, not the live session.
    await expect.poll(() => page.getByTestId('source-note').first().textContent(), { timeout: WAIT }).toMatch(/Computed from the recording .*merged from \d+ files/)
    const [svg] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /Save Coverage over time per message as SVG/ }).click()])
    expect(svg.suggestedFilename()).toBe('coverage.svg')
    const [png] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /Save CDF of dissemination latency as PNG/ }).click()])
    expect(png.suggestedFilename()).toBe('latency-cdf.png')
    const pngPath = join(downloads, 'cdf.png')
    await png.saveAs(pngPath)
    expect([...readFileSync(pngPath).subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG')

    // The sequence diagram of the last second shows arrows (the inspector is back with the graph).
    await page.getByRole('tab', { name: 'Graph' }).click()
    await page.getByRole('tab', { name: 'Sequence' }).click()
    await page.getByLabel('Sequence window').selectOption('20000')
    await expect.poll(() => page.locator('.sequence-svg line.arrow').count(), { timeout: WAIT }).toBeGreaterThan(0)
  })
})
