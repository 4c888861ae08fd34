import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { useWebHostAndBrowser } from './e2e-fixture'

/**
 * End to end with packing: 200 real nodes (3 seeds, 197 peers) in node hosts of 50,
 * started from the browser; one peer killed inside its shared process is seen dead and
 * removed by the seeds, and the process with its other nodes lives on. No gossip (0
 * messages per peer) so the run costs liveness only; time scale 0.1: liveness every 1.3 s.
 */

const e2e = useWebHostAndBrowser({ name: 'gossipscope-e2e-packed-', maxNodes: 250, ports: { from: 22000, span: 9000 } })

describe('200 packed nodes in the browser', () => {
  it('starts them in shared processes, kills one, and sees it removed', async () => {
    const page = e2e.browser.page
    const count = (id: string) => page.getByTestId(`count-${id}`)
    await page.goto(e2e.host.url)
    await expect.poll(() => page.getByRole('button', { name: 'New network' }).isEnabled(), { timeout: 30_000 }).toBe(true)

    await page.getByRole('tab', { name: 'Settings' }).click()
    await page.getByLabel('Time scale').fill('0.1')
    await page.getByLabel('Messages per peer').fill('0')
    await page.getByLabel('Processes').selectOption('pack')
    await page.getByLabel('Nodes per process').fill('50')
    await page.getByLabel('Seeds for a new network').fill('3')
    await page.getByLabel('Peers for a new network').fill('197')
    await page.getByRole('button', { name: 'New network' }).click()
    await expect.poll(() => count('alive').textContent(), { timeout: 120_000, interval: 500 }).toBe('200')
    await expect.poll(async () => Number(await count('links').textContent()), { timeout: 30_000 }).toBeGreaterThanOrEqual(196)

    const peers = page.getByRole('option', { name: /, peer, alive$/ })
    const victimLabel = (await peers.nth(5).getAttribute('aria-label'))!
    const victim = victimLabel.split(',')[0]!
    await page.getByRole('option', { name: victimLabel }).click()
    const details = page.getByRole('region', { name: `Details of ${victim}` })
    // 197 peers spread round-robin over ceil(197 / 50) = 4 node hosts: 49 or 50 nodes in each.
    await expect.poll(() => details.getByTestId('node-process').textContent(), { timeout: 10_000 }).toMatch(/^process \d+, shared with (48|49) nodes/)
    await page.screenshot({ path: join(tmpdir(), `gossipscope-e2e-packed-${process.pid}.png`) })
    await page.getByRole('listbox', { name: /Nodes/ }).press('Delete')
    await expect.poll(() => count('dead').textContent(), { timeout: 15_000 }).toBe('1')
    await expect
      .poll(() => page.getByRole('option', { name: `${victim}, peer, dead, removed by seeds` }).count(), { timeout: 60_000 })
      .toBe(1)
    // Only that node died: its process mates are alive.
    expect(await count('alive').textContent()).toBe('199')
  })
})
