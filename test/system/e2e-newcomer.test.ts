import { mkdirSync, readFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { graphSettled, nodeCircles, useWebHostAndBrowser } from './e2e-fixture'

/**
 * What a newcomer sees, end to end against real nodes: the start card, context menus
 * (mouse and keyboard), a fitted view clear of the legend that follows resizes, zoom and
 * pixel ratio, a message followed on the graph and in the sequence diagram and stepped hop
 * by hop, the narration, the guide, a node's own log file, and a full-size Analysis that
 * always says what it was computed from. Screenshots (light and dark, 1280x720 and
 * 1920x1080) go to GOSSIPSCOPE_SHOTS or a temp folder, printed at the end.
 */

const SHOTS = process.env.GOSSIPSCOPE_SHOTS ?? join(tmpdir(), `gossipscope-newcomer-${process.pid}`)
const WAIT = 30_000

const e2e = useWebHostAndBrowser({ name: 'gossipscope-newcomer-', maxNodes: 20, viewport: { width: 1280, height: 720 } })

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
})

afterAll(async () => {
  process.stderr.write(`newcomer screenshots: ${SHOTS}\n`)
})

interface Box {
  x: number
  y: number
  width: number
  height: number
}
/** Every node circle (with its label below) inside the canvas and clear of the legend. */
async function expectNodesClear(page: Page): Promise<void> {
  const canvas = (await page.locator('canvas.graph-canvas').boundingBox())!
  const legend = (await page.getByRole('list', { name: 'Legend' }).boundingBox())!
  const circles = await nodeCircles(page)
  expect(circles.length).toBeGreaterThan(0)
  for (const c of circles) {
    const where = `${c.id} at ${c.x.toFixed(0)},${c.y.toFixed(0)} r ${c.r.toFixed(1)}; canvas ${JSON.stringify(canvas)}; legend ${JSON.stringify(legend)}`
    expect(c.x - c.r, where).toBeGreaterThanOrEqual(canvas.x)
    expect(c.x + c.r, where).toBeLessThanOrEqual(canvas.x + canvas.width)
    expect(c.y - c.r, where).toBeGreaterThanOrEqual(canvas.y)
    // The label (11 px) sits under the node: keep both above the legend.
    const bottom = c.y + c.r + 16
    const overLegend = c.x + c.r > legend.x && c.x - c.r < legend.x + legend.width && bottom > legend.y
    expect(overLegend, where).toBe(false)
  }
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`) })
}

describe('a newcomer in the browser', () => {
  it('starts from the card, acts from context menus, follows a message and learns from the narration, guide and analysis', async () => {
    const page = e2e.browser.page
    const count = (id: string) => page.getByTestId(`count-${id}`)
    const number = async (id: string) => Number(await count(id).textContent())
    await page.goto(e2e.host.url)

    // First open: the start card explains seeds and peers and offers the two ways in.
    const card = page.getByRole('region', { name: 'A gossip network, live' })
    await expect.poll(() => card.isVisible(), { timeout: WAIT }).toBe(true)
    expect(await card.textContent()).toMatch(/Seeds.*Peers.*Open a recording.*Shift\+F10/s)
    await shot(page, 'start-card-1280-light')
    await page.emulateMedia({ colorScheme: 'dark' })
    await shot(page, 'start-card-1280-dark')
    await page.emulateMedia({ colorScheme: 'light' })

    // Fast protocol constants, then start from the card.
    await page.getByRole('tab', { name: 'Settings' }).click()
    await page.getByLabel('Time scale').fill('0.04')
    await page.getByLabel('Gossip interval (ms)').fill('25000')
    await page.getByLabel('Messages per peer').fill('3')
    await expect.poll(() => page.getByRole('button', { name: /^Start 3 seeds and 10 peers$/ }).isEnabled(), { timeout: WAIT }).toBe(true)
    await page.getByRole('button', { name: /^Start 3 seeds and 10 peers$/ }).click()
    await expect.poll(() => number('alive'), { timeout: 60_000 }).toBe(13)
    expect(await card.count()).toBe(0)

    // Right-click on empty space: Add peer.
    const canvas = page.locator('canvas.graph-canvas')
    const box = (await canvas.boundingBox())!
    await canvas.click({ button: 'right', position: { x: 8, y: 8 } })
    const menu = page.getByRole('menu')
    await expect.poll(() => menu.getByRole('menuitem').allTextContents(), { timeout: WAIT }).toEqual(['Add peer', 'Add seed'])
    await shot(page, 'menu-empty-1280-light')
    await menu.getByRole('menuitem', { name: 'Add peer' }).click()
    await expect.poll(() => number('peers'), { timeout: WAIT }).toBe(11)
    // The keyboard's right-click with nothing selected: the same menu; Add seed with arrows and Enter.
    await canvas.focus()
    await page.keyboard.press('Escape')
    await page.keyboard.press('Shift+F10')
    await expect.poll(() => menu.isVisible(), { timeout: WAIT }).toBe(true)
    await page.keyboard.press('ArrowDown')
    await page.keyboard.press('Enter')
    await expect.poll(() => number('seeds'), { timeout: WAIT }).toBe(4)
    await expect.poll(() => number('alive'), { timeout: 60_000 }).toBe(15)

    // Registrations are drawn, and the toggle hides them.
    await expect.poll(() => page.getByLabel('registrations').isChecked()).toBe(true)

    // The fitted view keeps every node inside the canvas and clear of the legend.
    await graphSettled(page)
    await expectNodesClear(page)

    // A node's menu from a right-click on it.
    const seedIds = new Set((await page.getByRole('option', { name: /, seed, / }).allTextContents()).map((t) => /\d+\.\d+\.\d+\.\d+:\d+/.exec(t)?.[0]))
    const victim = (await nodeCircles(page)).find((c) => !seedIds.has(c.id))!
    await page.mouse.click(victim.x, victim.y, { button: 'right' })
    await expect.poll(() => menu.getByRole('menuitem').allTextContents(), { timeout: WAIT }).toContain('Show its messages')
    await shot(page, 'menu-node-1280-light')
    await menu.getByRole('menuitem', { name: 'Show its messages' }).click()
    await expect.poll(() => page.getByRole('combobox', { name: 'Filter log by node' }).inputValue(), { timeout: WAIT }).toBe(victim.id)
    await page.getByRole('combobox', { name: 'Filter log by node' }).selectOption('')

    // Its own log file, in the details panel, as the node wrote it.
    const details = page.getByRole('region', { name: `Details of ${victim.id}` })
    await details.getByText('Its log file').click()
    await expect.poll(() => details.getByLabel(`Log file of ${victim.id}`).textContent(), { timeout: WAIT }).toMatch(new RegExp(`\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\[${victim.id.replace(/\./g, '\\.')}\\]`))
    const logFolder = join(e2e.sessions, readdirSync(e2e.sessions).find((n) => n !== '_exports')!, 'logs', victim.id.replace(':', '_'))
    const onDisk = readFileSync(join(logFolder, 'peer_network.log'), 'utf8').split('\n')[0]!
    expect(await details.getByLabel(`Log file of ${victim.id}`).textContent()).toContain(onDisk)

    // A link's menu shows what is known about it (positions read once the layout is still).
    await graphSettled(page)
    const link = (await page.evaluate(
      // A link whose midpoint no node covers (a right-click there must hit the link, not a node).
      `(() => { const g = window.__gossipscopeGraph; const ids = g.nodes(); const circles = ids.map((id) => g.node(id))
        for (const a of ids) for (const b of ids) { if (a < b) { const p = g.link(a + '|' + b)
          if (p && circles.every((c) => Math.hypot(c.x - p.x, c.y - p.y) > c.r + 8)) return { key: a + '|' + b, ...p } } }
        return null })()`,
    )) as { key: string; x: number; y: number } | null
    expect(link).not.toBeNull()
    await page.mouse.click(link!.x, link!.y, { button: 'right' })
    await expect.poll(() => menu.textContent(), { timeout: WAIT }).toMatch(/Link .*Up since.*missed.*now.*no added delay or loss/s)
    await shot(page, 'menu-link-1280-light')
    // Its conditions open in the network lab's link editor.
    await menu.getByRole('menuitem', { name: 'Set its conditions…' }).click()
    await expect.poll(() => page.getByRole('tab', { name: 'Network' }).getAttribute('aria-selected'), { timeout: WAIT }).toBe('true')
    await expect.poll(() => menu.count()).toBe(0)

    // Follow a message from the table of newest messages: the bar explains the drawing.
    await page.keyboard.press('Escape') // clear the selection: the details area lists messages
    await canvas.click({ position: { x: 8, y: 8 } })
    await expect.poll(() => number('messages'), { timeout: 60_000 }).toBeGreaterThanOrEqual(3)
    await page.getByRole('button', { name: /^Follow message \d+ from/ }).last().click()
    const bar = page.getByTestId('follow-bar')
    await expect.poll(() => bar.textContent(), { timeout: WAIT }).toMatch(/Following message #\d+ from .* reached \d+ of \d+ expected peers, \d+ first receipts up to hop \d+, \d+ duplicate sends? lost the race/)
    // The bar is an overlay too: nodes stay clear of it once the view is fitted again.
    await page.keyboard.press('0')
    await graphSettled(page)
    const barBox = (await bar.boundingBox())!
    for (const c of await nodeCircles(page)) expect(c.y - c.r, `${c.id} under the follow bar`).toBeGreaterThanOrEqual(barBox.y + barBox.height - 1)
    await shot(page, 'follow-1280-light')

    // The sequence diagram fits that message: lanes in order of first receipt.
    await page.getByRole('tab', { name: 'Sequence' }).click()
    await expect.poll(() => page.locator('.sequence-bar').textContent(), { timeout: WAIT }).toMatch(/followed message: \d+ transmissions over \d+ ms, lanes in order of first receipt/)
    await expect.poll(() => page.locator('.sequence-svg line.arrow').count(), { timeout: WAIT }).toBeGreaterThan(0)
    await shot(page, 'sequence-1280-light')

    // Stepping hop by hop replays the message's transmissions one at a time.
    await page.getByRole('button', { name: 'Next transmission of this message' }).click()
    await expect.poll(() => page.getByText('REPLAY').count(), { timeout: WAIT }).toBeGreaterThan(0)
    const firstStep = await page.locator('.timeline').textContent()
    await page.getByRole('button', { name: 'Next transmission of this message' }).click()
    await expect.poll(() => page.locator('.timeline').textContent(), { timeout: WAIT }).not.toBe(firstStep)
    await shot(page, 'follow-step-1280-light')
    await page.getByRole('button', { name: 'Live', exact: true }).click()

    // Kill the selected peer from its menu (keyboard: select it, Shift+F10, Kill).
    await page.getByRole('button', { name: 'Stop following' }).first().click()
    await page.getByRole('option', { name: new RegExp(`^${victim.id.replace(/\./g, '\\.')}, peer`) }).click()
    const option = (state: string) => page.getByRole('option', { name: `${victim.id}, peer, ${state}` })
    // Pause and Resume from its menu: the node freezes (SIGSTOP) and runs again.
    const fromMenu = async (item: string) => {
      await canvas.focus()
      await page.keyboard.press('Shift+F10')
      await expect.poll(() => menu.getByRole('menuitem', { name: item, exact: true }).isEnabled(), { timeout: WAIT }).toBe(true)
      await menu.getByRole('menuitem', { name: item, exact: true }).focus()
      await page.keyboard.press('Enter')
    }
    await fromMenu('Pause')
    await expect.poll(() => option('paused').count(), { timeout: WAIT }).toBe(1)
    await fromMenu('Resume')
    await expect.poll(() => option('alive').count(), { timeout: WAIT }).toBe(1)
    await canvas.focus()
    await page.keyboard.press('Shift+F10')
    await expect.poll(() => menu.getByRole('menuitem', { name: 'Kill' }).isVisible(), { timeout: WAIT }).toBe(true)
    await menu.getByRole('menuitem', { name: 'Kill' }).focus()
    await page.keyboard.press('Enter')
    await expect.poll(() => number('dead'), { timeout: WAIT }).toBe(1)

    // The narration tells the story in sentences, each linked to its moment and nodes.
    await page.getByRole('tab', { name: 'Narration' }).click()
    const narration = page.getByRole('region', { name: 'Narration' })
    await expect.poll(() => narration.textContent(), { timeout: 60_000 }).toMatch(/was killed \(SIGKILL\).*missed its 1st liveness reply in a row from/s)
    await expect.poll(() => narration.textContent(), { timeout: 60_000 }).toMatch(/reported .* dead to seeds? .*removed .* from its Peer List/s)
    await shot(page, 'narration-1280-light')
    await narration.getByRole('button', { name: /^Show the moment/ }).first().click()
    await expect.poll(() => page.getByText('REPLAY').count(), { timeout: WAIT }).toBeGreaterThan(0)
    await page.getByRole('button', { name: 'Live', exact: true }).click()

    // Restart from its menu: a new process at the same address.
    await page.getByRole('option', { name: new RegExp(`^${victim.id.replace(/\./g, '\\.')}, peer`) }).click()
    await fromMenu('Restart')
    await expect.poll(() => option('alive').count(), { timeout: 60_000 }).toBe(1)

    // The guide points at live examples.
    await page.getByRole('tab', { name: 'Guide' }).click()
    const guide = page.getByRole('article', { name: 'Protocol guide' })
    await expect.poll(() => guide.textContent(), { timeout: WAIT }).toMatch(/In this session: peer .* registered with/)
    await expect.poll(() => guide.textContent(), { timeout: WAIT }).toMatch(/failed; first missed reply after/)
    await guide.getByRole('button', { name: 'Follow it on the graph' }).click()
    await expect.poll(() => bar.isVisible(), { timeout: WAIT }).toBe(true)
    await shot(page, 'guide-1280-light')

    // A message can also be picked from the log and from a delivery marker on the timeline.
    await page.getByRole('button', { name: 'Stop following' }).first().click()
    await expect.poll(() => bar.count()).toBe(0)
    await page.getByRole('tab', { name: 'Log' }).click()
    await page.getByRole('combobox', { name: 'Filter log by event type' }).selectOption('gossip.created')
    await page.getByRole('button', { name: /^Follow message [0-9a-f]{8} on the graph$/ }).first().click()
    await expect.poll(() => bar.isVisible(), { timeout: WAIT }).toBe(true)
    await page.getByRole('combobox', { name: 'Filter log by event type' }).selectOption('')
    await page.getByRole('button', { name: 'Stop following' }).first().click()
    await page.locator('.marker-first').first().click()
    await expect.poll(() => bar.isVisible(), { timeout: WAIT }).toBe(true)
    await page.getByRole('button', { name: 'Live', exact: true }).click()

    // Resizing the window re-fits the graph (auto-fit on): nothing clipped, nothing under the legend.
    await page.getByRole('button', { name: 'Stop following' }).first().click()
    await page.keyboard.press('Escape')
    await page.setViewportSize({ width: 1000, height: 560 })
    await graphSettled(page)
    await expectNodesClear(page)
    // Browser zoom 150 % of a 1280x720 window: 853x480 CSS px at 1.5 device px each.
    const cdp = await e2e.browser.context.newCDPSession(page)
    await cdp.send('Emulation.setDeviceMetricsOverride', { width: 853, height: 480, deviceScaleFactor: 1.5, mobile: false })
    await graphSettled(page)
    await expectNodesClear(page)
    // Pixel ratio 2: the canvas backing store follows it (sharp, not blurry).
    await cdp.send('Emulation.setDeviceMetricsOverride', { width: 1280, height: 720, deviceScaleFactor: 2, mobile: false })
    await expect
      .poll(async () => {
        const b = (await page.evaluate(`window.__gossipscopeGraph.backing()`)) as { width: number; height: number; dpr: number }
        const css = (await canvas.boundingBox())!
        return b.dpr === 2 && Math.abs(b.width - css.width * 2) <= 2 && Math.abs(b.height - css.height * 2) <= 2
      }, { timeout: WAIT })
      .toBe(true)
    await graphSettled(page)
    await expectNodesClear(page)
    await shot(page, 'graph-ratio2-1280-light')
    await cdp.send('Emulation.clearDeviceMetricsOverride')
    await page.setViewportSize({ width: 1280, height: 720 })
    expect(box.width).toBeGreaterThan(0)

    // Analysis: full size over the graph area, with what it was computed from.
    await page.getByRole('tab', { name: 'Analysis' }).click()
    await expect.poll(() => page.locator('figure[data-plot]').count(), { timeout: WAIT }).toBe(6)
    await expect.poll(() => page.getByTestId('source-note').first().textContent(), { timeout: WAIT }).toMatch(/Computed from the live session \S+: \d+ events/)
    const plot = (await page.locator('figure[data-plot="coverage"] svg').boundingBox())!
    expect(plot.width).toBeGreaterThanOrEqual(600)
    await shot(page, 'analysis-1280-light')

    // Open two recordings in turn: the analysis follows each, then live again.
    await page.getByRole('button', { name: 'Stop', exact: true }).click()
    await expect.poll(() => page.getByRole('button', { name: 'Stop', exact: true }).isEnabled(), { timeout: WAIT }).toBe(false)
    const sessionDir = join(e2e.sessions, readdirSync(e2e.sessions).find((n) => n !== '_exports')!)
    const all = readFileSync(join(sessionDir, 'events.ndjson'), 'utf8').trimEnd().split('\n')
    const half = all.slice(0, Math.floor(all.length / 2))
    await page.getByTestId('open-files').setInputFiles([{ name: 'whole.ndjson', mimeType: 'application/x-ndjson', buffer: Buffer.from(`${all.join('\n')}\n`) }])
    await expect.poll(() => page.getByTestId('source-note').first().textContent(), { timeout: WAIT }).toMatch(new RegExp(`Computed from the recording whole\\.ndjson.*: ${all.length} events`))
    await page.getByTestId('open-files').setInputFiles([{ name: 'half.ndjson', mimeType: 'application/x-ndjson', buffer: Buffer.from(`${half.join('\n')}\n`) }])
    await expect.poll(() => page.getByTestId('source-note').first().textContent(), { timeout: WAIT }).toMatch(new RegExp(`Computed from the recording half\\.ndjson.*: ${half.length} events`))
    await page.getByRole('button', { name: 'Live', exact: true }).click()
    // Back to the live session's events (the file read above may lag its last batch).
    await expect
      .poll(async () => Number(/Computed from the live session \S+: (\d+) events/.exec((await page.getByTestId('source-note').first().textContent()) ?? '')?.[1] ?? -1), { timeout: WAIT })
      .toBeGreaterThanOrEqual(all.length)

    // The same views in both themes at 1920x1080 and 1280x720.
    for (const [w, h] of [
      [1920, 1080],
      [1280, 720],
    ] as const) {
      await page.setViewportSize({ width: w, height: h })
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme })
        await page.getByRole('tab', { name: 'Analysis' }).click()
        await expect.poll(() => page.locator('figure[data-plot]').count(), { timeout: WAIT }).toBe(6)
        await shot(page, `analysis-${w}-${scheme}`)
        await page.getByRole('tab', { name: 'Graph' }).click()
        await canvas.focus()
        await page.keyboard.press('Escape') // no selection: the details area lists the newest messages
        await page.getByRole('button', { name: /^Follow message \d+ from/ }).last().click()
        await page.getByRole('tab', { name: 'Narration' }).click()
        await graphSettled(page)
        await expectNodesClear(page)
        await shot(page, `graph-follow-narration-${w}-${scheme}`)
        await page.getByRole('tab', { name: 'Guide' }).click()
        await shot(page, `guide-${w}-${scheme}`)
        await page.getByRole('button', { name: 'Stop following' }).first().click()
      }
    }
  })
})
