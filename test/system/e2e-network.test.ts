import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { graphSettled, useWebHostAndBrowser } from './e2e-fixture'

/**
 * The Network panel end to end in Chromium with real nodes: apply a preset live, give one
 * link its own conditions by clicking it, pick two peers with shift-click and partition
 * them from the rest, then heal. Screenshots go to the temp folder (GOSSIPSCOPE_SHOTS=dir
 * to keep them elsewhere) and are looked at by the developer.
 */

const SHOTS = process.env.GOSSIPSCOPE_SHOTS ?? tmpdir()
const shot = (name: string) => join(SHOTS, `gossipscope-e2e-network-${name}.png`)
/** Only when pictures were asked for: a moment for the slow dots to travel before one (nothing is asserted on it). */
const forPicture = (page: Page, ms: number) => (process.env.GOSSIPSCOPE_SHOTS ? page.waitForTimeout(ms) : Promise.resolve())

const e2e = useWebHostAndBrowser({ name: 'gossipscope-e2e-net-', maxNodes: 20 })

describe('network lab in the browser', () => {
  it('applies a preset, sets a link, partitions two nodes by selection and heals', async () => {
    const page = e2e.browser.page
    await page.goto(e2e.host.url)
    await expect.poll(() => page.getByRole('button', { name: 'New network' }).isEnabled(), { timeout: 30_000 }).toBe(true)
    await page.getByRole('tab', { name: 'Settings' }).click()
    await page.getByLabel('Time scale').fill('0.04')
    await page.getByLabel('Gossip interval (ms)').fill('12500')
    await page.getByLabel('Messages per peer').fill('400')
    await page.getByLabel('Seeds for a new network').fill('2')
    await page.getByLabel('Peers for a new network').fill('5')
    await page.getByRole('button', { name: 'New network' }).click()
    await expect.poll(() => page.getByTestId('count-alive').textContent(), { timeout: 30_000 }).toBe('7')
    await expect.poll(async () => Number(await page.getByTestId('count-links').textContent()), { timeout: 30_000 }).toBeGreaterThanOrEqual(4)

    // A preset applies to every running node at once.
    await page.screenshot({ path: shot('0-started') })
    await page.getByRole('tab', { name: 'Network', exact: true }).click()
    await page.getByRole('button', { name: 'WAN 50 ± 20 ms' }).click()
    await expect.poll(() => page.getByTestId('net-now').textContent(), { timeout: 10_000 }).toContain('delay 50 ms ± 20 ms')
    await expect.poll(() => page.getByTestId('conditions-badge').textContent(), { timeout: 10_000 }).toContain('delay 50 ms ± 20 ms')
    await expect.poll(() => page.getByRole('button', { name: 'WAN 50 ± 20 ms' }).getAttribute('aria-pressed'), { timeout: 10_000 }).toBe('true')

    // Click a link: its own conditions. Positions are read once the layout is still, at a
    // link whose midpoint no node covers (a click there must hit the link, not a node).
    await graphSettled(page)
    const link = (await page.evaluate(
      `(() => { const g = window.__gossipscopeGraph; const circles = g.nodes().map((id) => g.node(id))
        for (const key of g.links()) { const p = g.link(key)
          if (p && circles.every((c) => Math.hypot(c.x - p.x, c.y - p.y) > c.r + 8)) return { key, ...p } }
        return null })()`,
    )) as { key: string; x: number; y: number } | null
    expect(link).not.toBeNull()
    const [a, b] = link!.key.split('|') as [string, string]
    await page.mouse.click(link!.x, link!.y)
    const editor = page.getByTestId('link-editor')
    await expect.poll(() => editor.isVisible(), { timeout: 10_000 }).toBe(true)
    await editor.getByLabel('Latency (ms)').fill('600')
    await editor.getByLabel('Jitter (ms)').fill('0')
    await editor.getByRole('button', { name: 'Apply' }).click()
    await expect.poll(() => editor.textContent(), { timeout: 10_000 }).toContain('This link has its own conditions')
    await expect.poll(() => page.getByTestId('net-now').textContent(), { timeout: 10_000 }).toContain('2 link overrides')
    await forPicture(page, 1500)
    await page.screenshot({ path: shot('1-wan-and-link') })

    // Pick two peers with shift-click, partition them from the rest.
    const peers = ((await page.evaluate('window.__gossipscopeGraph.nodes()')) as string[]).filter((id) => id !== a && id !== b)
    const options = await page.getByRole('option', { name: /, peer, alive$/ }).evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')!.split(',')[0]!))
    const picked = options.filter((id) => peers.includes(id)).slice(0, 2)
    expect(picked).toHaveLength(2)
    await graphSettled(page)
    await page.keyboard.down('Shift')
    for (const id of picked) {
      const at = (await page.evaluate(`window.__gossipscopeGraph.node(${JSON.stringify(id)})`)) as { x: number; y: number }
      await page.mouse.click(at.x, at.y)
    }
    await page.keyboard.up('Shift')
    await expect.poll(() => page.getByTestId('net-picked').textContent(), { timeout: 5_000 }).toContain(picked[1]!)
    await page.getByRole('button', { name: 'Partition from the rest' }).click()
    await expect.poll(() => page.getByTestId('partition-badge').textContent(), { timeout: 10_000 }).toContain('Partition in force: p1')
    const cutLinks = async () => (await page.evaluate('window.__gossipscopeGraph.links().filter((k) => window.__gossipscopeGraph.cut(k)).length')) as number
    await expect.poll(cutLinks, { timeout: 10_000 }).toBeGreaterThan(0)
    await forPicture(page, 800)
    await page.screenshot({ path: shot('2-partition') })

    // Heal: the badge goes, no link is drawn cut.
    await page.getByRole('button', { name: 'Heal all' }).click()
    await expect.poll(() => page.getByTestId('partition-badge').count(), { timeout: 10_000 }).toBe(0)
    await expect.poll(cutLinks, { timeout: 10_000 }).toBe(0)
    await page.getByRole('button', { name: 'Loopback' }).click()
    await expect.poll(() => page.getByTestId('net-now').textContent(), { timeout: 10_000 }).toContain('delay 0 ms')
    await page.screenshot({ path: shot('3-healed') })
  })
})
