import { readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { validateScenario } from '../../shared/scenario/parse'
import { useWebHostAndBrowser } from './e2e-fixture'

/**
 * The app runs a scenario (Playwright, Chromium, the web host with real nodes): a bad file
 * is refused in the window with the bad field's path and nothing starts; a good one runs
 * as a new live session, its steps appear as timeline markers as they fire, the toolbar
 * shows the verdict; "Save as scenario" downloads a scenario that reproduces the session.
 */

const SCREENSHOT = join(tmpdir(), `gossipscope-e2e-scenario-${process.pid}.png`)

const e2e = useWebHostAndBrowser({ name: 'gossipscope-e2e-scenario-', maxNodes: 20 })

/** 2 seeds, 4 peers; once every message is out a random peer is killed; stop once a seed removed it. */
const SCENARIO = {
  name: 'browser kill',
  network: { seeds: 2, peers: 4, settings: { timeScale: 0.04, gossipCount: 2 }, rngSeed: 4 },
  durationMs: 1_000_000,
  steps: [
    { after: { event: 'message-created', n: 8, delayMs: 25_000 }, do: 'kill', node: { pick: 'random' }, as: 'victim' },
    { after: { event: 'node-removed', node: 'victim', delayMs: 25_000 }, do: 'stop' },
  ],
  expect: { minMessages: 8, noFalseRemovals: true },
}

describe('scenarios in the app', () => {
  it('refuses a malformed file, runs a good one live with its steps on the timeline, and saves the session as a scenario', async () => {
    const page = e2e.browser.page
    await page.goto(e2e.host.url)
    await expect.poll(() => page.getByRole('button', { name: 'Run scenario…' }).isEnabled(), { timeout: 30_000 }).toBe(true)
    const input = page.getByTestId('scenario-file')

    const bad = join(e2e.dir, 'bad.json')
    writeFileSync(bad, JSON.stringify({ ...SCENARIO, steps: [{ at: 5, do: 'kill', node: 'peer7' }] }))
    await input.setInputFiles(bad)
    await expect
      .poll(() => page.getByRole('alert', { name: 'Errors' }).textContent(), { timeout: 10_000 })
      .toContain('Run scenario: bad.json: steps.0.node: no node peer7: the scenario starts 4 peers')
    expect(await page.getByTestId('count-alive').textContent()).toBe('0')

    const good = join(e2e.dir, 'good.yaml')
    // YAML as well: the same scenario, in the format people write by hand.
    writeFileSync(good, JSON.stringify(SCENARIO).replace(/^\{/, '{ ').replace(/\}$/, ' }'))
    await input.setInputFiles({ name: 'good.yaml', mimeType: 'text/yaml', buffer: readFileSync(good) })
    const status = page.getByTestId('scenario-status')
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toMatch(/Scenario “browser kill”: [01]\/2 steps/)
    await expect.poll(() => page.getByTestId('count-alive').textContent(), { timeout: 30_000 }).toBe('6')
    // The kill fires: its marker is on the timeline, the victim is dead.
    await expect.poll(() => page.locator('rect.marker-step').count(), { timeout: 60_000 }).toBeGreaterThanOrEqual(2)
    const labels = await page.locator('rect.marker-step').evaluateAll((rects) => rects.map((r) => r.getAttribute('aria-label')))
    expect(labels).toContainEqual(expect.stringMatching(/^step 1: kill peer\d$/))
    await expect.poll(() => status.textContent(), { timeout: 90_000 }).toBe('Scenario “browser kill” passed')
    await page.screenshot({ path: SCREENSHOT })

    const download = page.waitForEvent('download')
    await page.getByRole('button', { name: 'Save as scenario' }).click()
    const file = await (await download).path()
    const saved = validateScenario(JSON.parse(readFileSync(file!, 'utf8')))
    expect(saved.ok).toBe(true)
    if (!saved.ok) return
    expect(saved.scenario.network).toMatchObject({ seeds: 2, peers: 4, rngSeed: 4, settings: { timeScale: 0.04, gossipCount: 2 } })
    expect(saved.scenario.steps.map((s) => s.do)).toEqual(['kill', 'stop'])
    const kill = saved.scenario.steps[0]!
    expect(kill).toMatchObject({ do: 'kill', node: expect.stringMatching(/^peer\d$/) })
    expect(labels).toContain(`step 1: kill ${(kill as { node: string }).node}`)
  }, 180_000)
})
