import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { useWebHostAndBrowser } from './e2e-fixture'

/**
 * Nodes that come back, by clicking: the web host runs real nodes; in Chromium a peer is
 * paused with the Pause button (SIGSTOP) until the network reports it, resumed, and
 * restarted at the same address with the Restart button. Time scale 0.04: liveness every
 * 520 ms. Every wait polls what the page shows.
 */

const SCREENSHOT = join(tmpdir(), `gossipscope-e2e-rejoin-${process.pid}.png`)

const e2e = useWebHostAndBrowser({ name: 'gossipscope-e2e-rejoin-', maxNodes: 20 })

describe('pause, resume and restart in the browser', () => {
  it('a paused peer looks paused, is reported, and rejoins on Resume; Restart brings a new process at the same address', async () => {
    const page = e2e.browser.page
    const count = (id: string) => page.getByTestId(`count-${id}`)
    await page.goto(e2e.host.url)
    await expect.poll(() => page.getByRole('button', { name: 'New network' }).isEnabled(), { timeout: 30_000 }).toBe(true)
    await page.getByRole('tab', { name: 'Settings' }).click()
    await page.getByLabel('Time scale').fill('0.04')
    // Gossip every 400 ms for a long while, so messages are created after the rejoin.
    await page.getByLabel('Gossip interval (ms)').fill('10000')
    await page.getByLabel('Messages per peer').fill('200')
    await page.getByLabel('Seeds for a new network').fill('2')
    await page.getByLabel('Peers for a new network').fill('4')
    await page.getByRole('button', { name: 'New network' }).click()
    await expect.poll(() => count('alive').textContent(), { timeout: 30_000 }).toBe('6')
    // One more peer, added once the others listen: it finds them all and links to two.
    await page.getByLabel('Number of peers to add').fill('1')
    await page.getByRole('button', { name: 'Add peers' }).click()
    await expect.poll(() => count('alive').textContent(), { timeout: 30_000 }).toBe('7')
    const victimLabel = (await page.getByRole('option', { name: /, peer, alive$/ }).last().getAttribute('aria-label'))!
    const victim = victimLabel.split(',')[0]!
    await page.getByRole('option', { name: victimLabel }).click()
    const details = page.getByRole('region', { name: `Details of ${victim}` })
    await expect.poll(() => details.locator('dt:text("Neighbours") + dd').textContent(), { timeout: 30_000 }).not.toBe('none')
    const failures = page.getByRole('list', { name: 'Failure detection times (kills, crashes, pauses, restarts)' })

    // Pause: the node list and the header say so, and its neighbours report it.
    await details.getByRole('button', { name: `Pause ${victim}` }).click()
    await expect.poll(() => count('paused').textContent(), { timeout: 15_000 }).toBe('1')
    await expect.poll(() => page.getByRole('option', { name: `${victim}, peer, paused` }).count(), { timeout: 15_000 }).toBe(1)
    await expect.poll(() => details.getByText(/paused \(frozen/).count(), { timeout: 15_000 }).toBe(1)
    await expect.poll(() => failures.textContent(), { timeout: 30_000 }).toMatch(new RegExp(`${victim} pause · miss \\d.* report \\d`))
    await page.screenshot({ path: SCREENSHOT })

    // Resume: alive again, and back in the overlay.
    await details.getByRole('button', { name: `Resume ${victim}` }).click()
    await expect.poll(() => count('paused').textContent(), { timeout: 15_000 }).toBe('0')
    await expect.poll(() => failures.textContent(), { timeout: 30_000 }).toMatch(new RegExp(`${victim} pause .* resumed \\d.* relinked \\+\\d`))
    await expect.poll(() => page.getByRole('option', { name: `${victim}, peer, alive` }).count(), { timeout: 15_000 }).toBe(1)

    // Restart: a new process (new pid) at the same address, which links again.
    const pidBefore = await details.locator('dt:text("Process") + dd').textContent()
    await details.getByRole('button', { name: `Restart ${victim}` }).click()
    await expect.poll(() => details.getByText(/alive, restarted 1×/).count(), { timeout: 30_000 }).toBe(1)
    await expect.poll(() => details.locator('dt:text("Process") + dd').textContent(), { timeout: 15_000 }).not.toBe(pidBefore)
    await expect.poll(() => failures.textContent(), { timeout: 30_000 }).toMatch(new RegExp(`${victim} restart .* restarted \\d.* relinked \\+\\d`))
    expect(await count('dead').textContent()).toBe('0')
    // No command was refused.
    expect((await page.getByRole('alert').allTextContents()).join('').trim()).toBe('')
  })
})
