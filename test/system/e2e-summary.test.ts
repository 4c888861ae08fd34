import { readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { useWebHostAndBrowser } from './e2e-fixture'

/**
 * End to end with hops summarised per message: a packed network above the hop-summary
 * threshold (lowered to 40 nodes with --summarise-above, so 60 nodes start quickly),
 * started from the browser, one message per peer at time scale 0.1. The page says gossip
 * is shown per message, the WebSocket carries gossip.coverage items and no hop event, the
 * coverage reaches every expected peer, and the session file holds every receipt.
 */

const e2e = useWebHostAndBrowser({ name: 'gossipscope-e2e-summary-', maxNodes: 1000, ports: { from: 22000, span: 9000 }, args: ['--summarise-above', '40'] })

describe('gossip summarised per message above the threshold', () => {
  it('shows coverage reaching all peers from per-message summaries while the session file keeps every hop', async () => {
    const page = e2e.browser.page
    const count = (id: string) => page.getByTestId(`count-${id}`)
    const frames = { hops: 0, coverage: 0 }
    page.on('websocket', (ws) =>
      ws.on('framereceived', ({ payload }) => {
        const text = String(payload)
        if (!text.startsWith('{"push":"events"')) return
        frames.hops += text.split(/"type":"gossip\.(?:received|duplicate|forwarded)"/).length - 1
        frames.coverage += text.split('"type":"gossip.coverage"').length - 1
      }),
    )
    await page.goto(e2e.host.url)
    await expect.poll(() => page.getByRole('button', { name: 'New network' }).isEnabled(), { timeout: 30_000 }).toBe(true)
    await page.getByRole('tab', { name: 'Settings' }).click()
    await page.getByLabel('Time scale').fill('0.1')
    await page.getByLabel('Messages per peer').fill('1')
    await page.getByLabel('Processes').selectOption('pack')
    await page.getByLabel('Nodes per process').fill('20')
    await page.getByLabel('Seeds for a new network').fill('3')
    await page.getByLabel('Peers for a new network').fill('57')
    await page.getByRole('button', { name: 'New network' }).click()
    await expect.poll(() => count('alive').textContent(), { timeout: 60_000, interval: 500 }).toBe('60')
    await expect
      .poll(() => page.getByTestId('gossip-summary-note').textContent(), { timeout: 10_000 })
      .toBe('60 nodes: gossip shown per message, every hop is in the session file')
    // Peers that linked early gossip while 40 or fewer nodes were alive: those hops came one by one.
    const hopsBelow = frames.hops

    // Every peer's message reaches every peer linked when it was created.
    await expect.poll(() => count('messages').textContent(), { timeout: 45_000, interval: 500 }).toBe('57')
    await expect.poll(() => count('coverage').textContent(), { timeout: 30_000, interval: 500 }).toBe('100%')
    // The table refreshes at the log's cadence (200 ms), after the header: wait for it to catch up.
    const rows = page.getByRole('table', { name: 'Delivery of the newest messages' }).locator('tbody tr')
    const cells = async () => (await rows.locator('td:nth-child(3)').allTextContents()).map((c) => c.split('/').map((x) => Number(x.trim())))
    await expect
      .poll(async () => (await cells()).filter(([hits, expected]) => hits !== expected).length, { timeout: 10_000, interval: 250 })
      .toBe(0)
    const shown = await cells()
    expect(shown.length).toBeGreaterThan(0)
    for (const [hits, expected] of shown) {
      expect(hits).toBe(expected)
      expect(expected).toBeGreaterThanOrEqual(50)
    }
    expect(await page.getByTestId('ingest-stats').getAttribute('title')).toMatch(/; 0 gaps in seq$/)
    // Following a message draws its tree from the summaries: every first receipt is there.
    const first = (await rows.first().locator('td:nth-child(3)').textContent())!.split('/').map((x) => Number(x.trim()))
    await rows.first().getByRole('button').click()
    await expect.poll(() => page.getByTestId('follow-bar').textContent(), { timeout: 10_000 }).toMatch(new RegExp(`reached ${first[0]} of ${first[1]} expected peers, ${first[0]} first receipts up to hop \\d+`))
    await page.screenshot({ path: join(tmpdir(), `gossipscope-e2e-summary-${process.pid}.png`) })

    // What crossed the WebSocket once above the threshold: summaries, not hops.
    expect(frames.coverage).toBeGreaterThan(0)
    expect(frames.hops).toBe(hopsBelow)
    // The session file: every first receipt, one line each, and no summary.
    const [session] = readdirSync(e2e.sessions).filter((d) => !d.startsWith('_'))
    const lines = readFileSync(join(e2e.sessions, session!, 'events.ndjson'), 'utf8').split('\n').filter(Boolean)
    const received = lines.filter((l) => l.includes('"type":"gossip.received"')).length
    expect(lines.some((l) => l.includes('"type":"gossip.coverage"'))).toBe(false)
    const title = (await page.locator('.count', { has: count('coverage') }).getAttribute('title'))!
    const delivered = Number(/^(\d+) of/.exec(title)![1])
    expect(received).toBeGreaterThanOrEqual(delivered)
    expect(delivered).toBeGreaterThan(57 * 10)
  })
})
