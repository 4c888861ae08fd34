import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { unzipSync } from 'fflate'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { frames, logRowsGap, useWebHostAndBrowser } from './e2e-fixture'

/**
 * Renderer defects from the newcomer review, in Chromium against the web host (no nodes):
 * the Log panel draws rows for an opened recording (field cases restart-same-address.zip
 * and folder-with-gz.zip), and the layout holds at 1280x720 and 1440x900 in light and dark
 * (timeline on one row with Live, Settings selects inside the panel, the follow bar's hop
 * buttons side by side). Screenshots go to $SCREENSHOT_DIR when set.
 */

const WAIT = 15_000
/** The field cases, copied into the repo (from /work/shared/cases/turn2). */
const CASES = resolve(__dirname, '../fixtures')
const FIELD_CASES = ['restart-same-address.zip', 'folder-with-gz.zip']

const e2e = useWebHostAndBrowser({ name: 'gossipscope-e2e-review-', maxNodes: 4, ports: { from: 28000, span: 3000 } })

/** Unzips a field case into its own folder (the user picks that folder with Open folder…). */
function unpack(zip: string): string {
  const folder = join(e2e.dir, zip.replace(/\.zip$/, ''))
  for (const [name, bytes] of Object.entries(unzipSync(readFileSync(join(CASES, zip))))) {
    if (name.endsWith('/')) continue
    mkdirSync(dirname(join(folder, name)), { recursive: true })
    writeFileSync(join(folder, name), bytes)
  }
  return folder
}

type Box = { x: number; y: number; width: number; height: number }
const box = async (page: Page, selector: string): Promise<Box> => {
  const b = await page.locator(selector).first().boundingBox()
  expect(b, `${selector} has no box`).not.toBeNull()
  return b!
}

describe('newcomer review fixes', () => {
  it('draws log rows for opened recordings, light and dark', async () => {
    const page = e2e.browser.page
    await page.goto(e2e.host.url)
    await expect.poll(() => page.getByRole('button', { name: 'New network' }).isEnabled(), { timeout: 30_000 }).toBe(true)
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme })
      for (const zip of FIELD_CASES) {
        await page.getByLabel('Open a session folder or node log directory').setInputFiles(unpack(zip))
        await expect.poll(() => page.getByText(/^Opened .*: \d+ events/).count(), { timeout: WAIT }).toBeGreaterThan(0)
        await page.getByRole('tab', { name: 'Log' }).click()
        const header = page.locator('.log-filters .muted')
        await expect.poll(async () => Number(/(\d+) events/.exec((await header.textContent()) ?? '')?.[1] ?? 0), { timeout: WAIT }).toBeGreaterThan(100)
        // Rows are drawn, and they are inside the visible scroll box.
        await expect.poll(() => page.locator('.log-row').count(), { timeout: WAIT }).toBeGreaterThan(5)
        const scroll = await box(page, '.log-scroll')
        expect(scroll.height).toBeGreaterThan(100)
        // The rows drawn fill the visible scroll box, whatever its height with this machine's
        // fonts (the virtual list fills in over a few frames: wait for it).
        await expect.poll(() => logRowsGap(page), { timeout: WAIT }).toBeLessThan(2)
        if (process.env.SCREENSHOT_DIR) await page.screenshot({ path: join(process.env.SCREENSHOT_DIR, `log-${zip.replace('.zip', '')}-${scheme}.png`) })
      }
    }
  })

  it('keeps the timeline, Settings and the follow bar in shape at 1280x720 and 1440x900', async () => {
    const page = e2e.browser.page
    await page.goto(e2e.host.url)
    await expect.poll(() => page.getByRole('button', { name: 'New network' }).isEnabled(), { timeout: 30_000 }).toBe(true)
    await page.getByLabel('Open a session folder or node log directory').setInputFiles(unpack(FIELD_CASES[0]!))
    await expect.poll(() => page.getByText(/^Opened .*: \d+ events/).count(), { timeout: WAIT }).toBeGreaterThan(0)
    for (const [width, height] of [[1280, 720], [1440, 900]] as const) {
      for (const scheme of ['light', 'dark'] as const) {
        await page.setViewportSize({ width, height })
        await page.emulateMedia({ colorScheme: scheme })
        // Resize observers and the state they set run in the next frames: measure after them.
        await frames(page)
        const where = `${width}x${height} ${scheme}`
        // Timeline: the position on one line with Live beside it; the controls on two rows at most.
        const open = await box(page, '.timeline-controls button:first-child')
        const live = await box(page, '.timeline-controls .live')
        const position = await box(page, '.timeline-position')
        const controls = await box(page, '.timeline-controls')
        expect(Math.abs(live.y + live.height / 2 - (position.y + position.height / 2)), `Live beside the position at ${where}`).toBeLessThan(4)
        expect(position.height, `position on one line at ${where}`).toBeLessThan(22)
        expect(position.width, `position readable at ${where}`).toBeGreaterThan(150)
        expect(controls.height, `timeline controls on two rows at most at ${where}`).toBeLessThan(open.height * 2 + 16)
        expect(live.x + live.width, `Live inside the window at ${where}`).toBeLessThanOrEqual(width)
        // The graph keeps most of the height.
        expect((await box(page, '.graph-region')).height, `graph height at ${where}`).toBeGreaterThan(height * 0.5)

        // Right panel: every tab and every Settings control inside the panel.
        await page.getByRole('tab', { name: 'Settings' }).click()
        const right = (await box(page, '.right')).x + (await box(page, '.right')).width
        const clipped = await page.locator('.right [role="tab"], .settings select, .settings input, .settings button').evaluateAll((els, edge) => els.flatMap((el) => {
          const r = el.getBoundingClientRect()
          return r.width > 0 && r.right > edge + 0.5 ? [`${el.tagName} ${el.id || el.textContent}: right ${Math.round(r.right)} > ${Math.round(edge)}`] : []
        }), right)
        const sideways = await page.locator('.right .tabpanel').evaluateAll((els) => els.filter((el) => el.scrollWidth > el.clientWidth + 1).length)
        expect(sideways, `tab panel scrolls sideways at ${where}`).toBe(0)
        await page.locator('#setting-packing-threshold').scrollIntoViewIfNeeded()
        if (process.env.SCREENSHOT_DIR) await page.screenshot({ path: join(process.env.SCREENSHOT_DIR, `settings-${width}x${height}-${scheme}.png`) })
        expect(clipped, `clipped at ${where}`).toEqual([])

        // Follow bar: ◀ hop and hop ▶ side by side, in that order.
        await page.locator('.coverage-table button').first().click()
        await expect.poll(() => page.getByTestId('follow-bar').count(), { timeout: WAIT }).toBe(1)
        const back = await box(page, '[aria-label="Previous transmission of this message"]')
        const next = await box(page, '[aria-label="Next transmission of this message"]')
        expect(Math.abs(back.y - next.y), `hop buttons on one row at ${where}`).toBeLessThan(2)
        expect(next.x, `hop ▶ right after ◀ hop at ${where}`).toBeGreaterThan(back.x)
        expect(next.x - (back.x + back.width), `hop buttons adjacent at ${where}`).toBeLessThan(20)
        const bar = await box(page, '[data-testid="follow-bar"]')
        expect(bar.height, `follow bar height at ${where}`).toBeLessThan(height * 0.25)
        if (process.env.SCREENSHOT_DIR) await page.screenshot({ path: join(process.env.SCREENSHOT_DIR, `follow-${width}x${height}-${scheme}.png`) })
        await page.getByRole('button', { name: 'Stop following' }).click()
      }
    }
  })

  it('says it is loading the history (with progress) on a running session until caught up, then LIVE', async () => {
    const page = e2e.browser.page
    await page.goto(e2e.host.url)
    await expect.poll(() => page.getByRole('button', { name: 'New network' }).isEnabled(), { timeout: 30_000 }).toBe(true)
    await page.getByRole('tab', { name: 'Settings' }).click()
    await page.getByLabel('Time scale').fill('0.04')
    await page.getByLabel('Seeds for a new network').fill('2')
    await page.getByLabel('Peers for a new network').fill('2')
    await page.getByRole('button', { name: 'New network' }).click()
    await expect.poll(async () => Number(await page.getByTestId('count-messages').textContent()), { timeout: 60_000, interval: 250 }).toBeGreaterThan(0)

    // A second page on the running session, its history held back by the test (a slow
    // catch-up made deterministic): it says LOADING with progress, not LIVE.
    const second = await e2e.browser.context.newPage()
    let release: () => void = () => undefined
    const released = new Promise<void>((done) => (release = done))
    await second.routeWebSocket(/\/api$/, (ws) => {
      const server = ws.connectToServer()
      server.onMessage((message) => {
        if (typeof message === 'string' && message.startsWith('{"push":"events"')) void released.then(() => ws.send(message))
        else ws.send(message)
      })
    })
    try {
      await second.goto(e2e.host.url)
      await expect.poll(() => second.getByTestId('catch-up').count(), { timeout: WAIT }).toBe(1)
      await expect.poll(() => second.getByTestId('ingest-stats').textContent(), { timeout: WAIT }).toBe('LOADING')
      await expect.poll(() => second.getByTestId('catch-up').textContent(), { timeout: WAIT }).toMatch(/^Loading history .*0 \/ [\d,]+ events \(0%\)$/)
      // Not offered to start a network: one is running.
      expect(await second.locator('.start-card').count()).toBe(0)
      if (process.env.SCREENSHOT_DIR) await second.screenshot({ path: join(process.env.SCREENSHOT_DIR, 'catch-up.png') })
      release()
      await expect.poll(() => second.getByTestId('catch-up').count(), { timeout: WAIT }).toBe(0)
      await expect.poll(() => second.getByTestId('ingest-stats').textContent(), { timeout: WAIT }).toMatch(/^(LIVE|IDLE)$/)
      await expect.poll(async () => Number(await second.getByTestId('count-messages').textContent()), { timeout: WAIT }).toBeGreaterThan(0)
    } finally {
      release()
      await second.close()
      await page.getByRole('button', { name: 'Stop' }).click()
    }
  })
})
