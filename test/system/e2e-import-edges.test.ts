import { closeSync, ftruncateSync, mkdirSync, openSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync, strToU8 } from 'fflate'
import { describe, expect, it } from 'vitest'
import { syntheticSession } from '../../shared/model/synthetic'
import { useWebHostAndBrowser } from './e2e-fixture'

/**
 * Imports at the edges in Chromium (issue 11): a node log folder with gzipped events files
 * (field case folder-with-gz.zip) opens whole; with a broken gzip beside them it opens
 * flagged INCOMPLETE, naming the file not read; a recording too big for a browser is
 * refused with a message. No nodes run.
 */

const WAIT = 15_000

const e2e = useWebHostAndBrowser({ name: 'gossipscope-e2e-edges-', maxNodes: 4, ports: { from: 28000, span: 3000 } })

const session = syntheticSession({ seeds: 3, peers: 6, gossipCount: 2, kills: 1, rngSeed: 5 })
const messages = session.filter((e) => e.type === 'gossip.created').length

/** A node log folder as nodes run by hand leave it: one events file per node, the first `gz` gzipped. */
function nodeFolder(name: string, gz: number, broken = false): string {
  const folder = join(e2e.dir, name)
  mkdirSync(folder, { recursive: true })
  const files = new Map<string, string[]>()
  for (const { seq: _seq, ...event } of session) {
    if (event.type.startsWith('host.')) continue
    files.set(event.node, [...(files.get(event.node) ?? []), JSON.stringify(event)])
  }
  ;[...files].forEach(([node, lines], i) => {
    const file = join(folder, `${node.startsWith('127.0.1.') ? 'seed' : 'peer'}-${node.replace(':', '_')}.events.ndjson`)
    const text = `${lines.join('\n')}\n`
    if (i < gz) writeFileSync(`${file}.gz`, gzipSync(strToU8(text)))
    else writeFileSync(file, text)
  })
  if (broken) writeFileSync(join(folder, 'peer-127.0.9.9_7000.events.ndjson.gz'), gzipSync(strToU8('{"v":1}\n')).slice(0, 12))
  return folder
}

describe('imports at the edges', () => {
  it('opens gzipped node files whole, flags a partial import, and refuses a file too big for the browser', async () => {
    const page = e2e.browser.page
    const number = async (id: string) => Number(await page.getByTestId(`count-${id}`).textContent())
    await page.goto(e2e.host.url)
    await expect.poll(() => page.getByRole('button', { name: 'New network' }).isEnabled(), { timeout: 30_000 }).toBe(true)
    const folderInput = page.getByLabel('Open a session folder or node log directory')

    // Every file read: all messages, no INCOMPLETE badge, nothing said to be missing.
    await folderInput.setInputFiles(nodeFolder('folder-with-gz', 2))
    await expect.poll(() => page.getByText(/Opened folder-with-gz|Opened \d+ files/).count(), { timeout: WAIT }).toBeGreaterThan(0)
    await expect.poll(() => number('messages'), { timeout: WAIT }).toBe(messages)
    expect(await page.getByTestId('incomplete-badge').count()).toBe(0)

    // A broken gzip beside them: named in a notice, the import flagged INCOMPLETE where figures show.
    await folderInput.setInputFiles(nodeFolder('with-broken-gz', 1, true))
    await expect.poll(() => page.getByText(/Not read, so the recording is incomplete/).count(), { timeout: WAIT }).toBeGreaterThan(0)
    await expect.poll(() => page.getByText(/peer-127\.0\.9\.9_7000\.events\.ndjson\.gz: not read \(not a readable gzip file/).count(), { timeout: WAIT }).toBeGreaterThan(0)
    await expect.poll(() => page.getByTestId('incomplete-badge').count(), { timeout: WAIT }).toBe(1)
    await expect.poll(() => number('messages'), { timeout: WAIT }).toBe(messages)
    await page.getByRole('tab', { name: 'Analysis' }).click()
    await expect.poll(() => page.getByTestId('source-note').first().textContent(), { timeout: WAIT }).toMatch(/^Incomplete import: events are missing/)

    // A 600 MiB recording (sparse on disk): refused with a message, the app still works.
    const big = join(e2e.dir, 'big-session.ndjson')
    const fd = openSync(big, 'w')
    ftruncateSync(fd, 600 * 1024 * 1024)
    closeSync(fd)
    await page.getByTestId('open-files').setInputFiles(big)
    await expect.poll(() => page.getByText(/big-session\.ndjson is 600 MiB: files over 512 MiB cannot be opened in the app/).count(), { timeout: WAIT }).toBeGreaterThan(0)
    expect(await number('messages')).toBe(messages)
    await page.screenshot({ path: join(e2e.dir, 'edges.png') })
  })
})
