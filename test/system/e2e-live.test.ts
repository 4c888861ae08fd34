import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { logRowsGap, useWebHostAndBrowser } from './e2e-fixture'

/**
 * End to end, as a person would: the web host runs real seed and peer processes, and
 * headless Chromium clicks through the app. Time scale 0.04: liveness every 520 ms, so a
 * kill is detected in about two seconds.
 */

/** The README's screenshot is refreshed only on request (GOSSIPSCOPE_SCREENSHOT=docs npm test). */
const SCREENSHOT =
  process.env.GOSSIPSCOPE_SCREENSHOT === 'docs'
    ? resolve('docs/screenshot.png')
    : join(tmpdir(), `gossipscope-e2e-live-${process.pid}.png`)

const e2e = useWebHostAndBrowser({ name: 'gossipscope-e2e-live-', maxNodes: 40 })

describe('live network in the browser', () => {
  it('starts a network, grows it by clicking, spreads gossip, and detects a kill', async () => {
    const page = e2e.browser.page
    const count = (id: string) => page.getByTestId(`count-${id}`)
    await page.goto(e2e.url)
    await expect.poll(() => page.getByRole('button', { name: 'New network' }).isEnabled(), { timeout: 30_000 }).toBe(true)

    // Settings: a short time scale, entered through the labelled field.
    await page.getByRole('tab', { name: 'Settings' }).click()
    await page.getByLabel('Time scale').fill('0.04')
    // Gossip once a second (25 s scaled by 0.04), three messages per peer. Gossip is push
    // only: a message created in the few milliseconds while a peer is still linking may
    // miss that peer for good, so the test keeps such races rare rather than counting them.
    await page.getByLabel('Gossip interval (ms)').fill('25000')
    await page.getByLabel('Messages per peer').fill('3')
    await page.getByLabel('Seeds for a new network').fill('2')
    await page.getByLabel('Peers for a new network').fill('4')
    await page.getByRole('button', { name: 'New network' }).click()
    await expect.poll(() => count('alive').textContent(), { timeout: 30_000 }).toBe('6')

    await page.getByRole('button', { name: 'Add seed' }).click()
    await expect.poll(() => count('seeds').textContent(), { timeout: 30_000 }).toBe('3')
    await page.getByLabel('Number of peers to add').fill('2')
    await page.getByRole('button', { name: 'Add peers' }).click()
    await expect.poll(() => count('alive').textContent(), { timeout: 30_000 }).toBe('9')
    await expect.poll(async () => Number(await count('links').textContent()), { timeout: 30_000 }).toBeGreaterThanOrEqual(5)

    // Six peers, three messages each, every one delivered to every peer expected to get it.
    await expect.poll(async () => Number(await count('messages').textContent()), { timeout: 60_000, interval: 250 }).toBe(18)
    await expect
      .poll(() => count('coverage').textContent(), { timeout: 30_000 })
      .toBe('100%')
      .catch(async (error: unknown) => {
        // Say which messages fell short, and whether the page lost events on the way.
        const rows = await page.getByRole('table', { name: 'Delivery of the newest messages' }).textContent()
        const stats = await page.getByTestId('ingest-stats').getAttribute('title')
        throw new Error(`${String(error)}\ningest: ${stats}\nnewest messages: ${rows}`)
      })

    // Kill the first peer from the keyboard-operable node list. (One of the first peers: it
    // registered only with seeds every peer knows. Peers started before Add seed do not know
    // the new seed, so a late peer's Dead Node report may never reach it; the list keeps
    // such a peer `dead`, not `removed`, which is the truth.)
    const peers = page.getByRole('option', { name: /, peer, alive$/ })
    const victimLabel = (await peers.first().getAttribute('aria-label'))!
    const victim = victimLabel.split(',')[0]!
    await page.getByRole('option', { name: victimLabel }).click()
    await page.getByRole('listbox', { name: /Nodes/ }).press('Delete')
    await expect.poll(() => count('dead').textContent(), { timeout: 15_000 }).toBe('1')
    await expect.poll(() => page.getByRole('option', { name: `${victim}, peer, dead` }).isVisible(), { timeout: 15_000 }).toBe(true)

    // Every seed that listed it removes it once a neighbour's Dead Node report lands.
    await expect
      .poll(() => page.getByRole('option', { name: `${victim}, peer, dead, removed by seeds` }).count(), { timeout: 30_000 })
      .toBe(1)
    const details = page.getByRole('region', { name: `Details of ${victim}` })
    // Other panels may render the same state a frame later: poll them too.
    await expect.poll(() => details.getByText('Removed by seeds').count(), { timeout: 15_000 }).toBe(1)
    const failures = page.getByRole('list', { name: 'Failure detection times (kills, crashes, pauses, restarts)' })
    await expect.poll(() => failures.textContent(), { timeout: 15_000 }).toMatch(new RegExp(`${victim} kill · miss \\d.* report \\d.* removed \\d× by`))

    // Killing it again is refused by the host and shown, changing nothing.
    await page.getByRole('button', { name: `Kill selected node ${victim}` }).click()
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 10_000 }).toMatch(/Kill/)
    expect(await count('dead').textContent()).toBe('1')

    await page.getByRole('tab', { name: 'Log' }).click()
    await page.getByRole('button', { name: 'Dismiss error' }).click()
    // The log lists the kill in words, and fills its panel before the picture is taken.
    await page.getByRole('combobox', { name: 'Filter log by node' }).selectOption(victim)
    await page.getByRole('combobox', { name: 'Filter log by event type' }).selectOption('host.kill')
    await expect.poll(() => page.getByRole('log', { name: 'Events' }).textContent(), { timeout: 10_000 }).toContain('killed (SIGKILL)')
    await page.getByRole('combobox', { name: 'Filter log by event type' }).selectOption('')
    await page.getByRole('combobox', { name: 'Filter log by node' }).selectOption('')
    await expect.poll(() => page.locator('.log-row').count(), { timeout: 10_000 }).toBeGreaterThan(5)
    await expect.poll(() => logRowsGap(page), { timeout: 10_000 }).toBeLessThan(2)
    await page.screenshot({ path: SCREENSHOT })
  })
})
