import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { strToU8, unzipSync, zipSync } from 'fflate'
import { describe, expect, it } from 'vitest'
import { openFiles } from '../../../shared/archive/open'
import { EVENTS_PER_MESSAGE, runImportJob, type ImportMessage } from '../../../shared/archive/import-job'
import { wideSessionZip } from '../../fixtures/wide-session'

/** What the import worker posts to the page (run here in Node, where Blob is the same API). */
async function run(files: Array<{ name: string; bytes: Uint8Array }>): Promise<ImportMessage[]> {
  const messages: ImportMessage[] = []
  await runImportJob(
    files.map((f) => ({ name: f.name, blob: new Blob([f.bytes.slice()]) })),
    (m) => messages.push(structuredClone(m)),
  )
  return messages
}

describe('import job (the worker side of opening files)', () => {
  it('posts progress, the session without events, the events in chunks, then done; the same result as openFiles', async () => {
    const zip = wideSessionZip({ peers: 300, messages: 12_000 })
    const messages = await run([{ name: 'wide.zip', bytes: zip }])
    const kinds = messages.map((m) => m.type)
    const opened = kinds.indexOf('opened')
    expect(kinds.slice(0, opened).every((k) => k === 'progress')).toBe(true)
    expect(messages.some((m) => m.type === 'progress' && m.phase === 'reading' && m.bytes === zip.length)).toBe(true)
    const parsing = messages.flatMap((m) => (m.type === 'progress' && m.phase === 'parsing' ? [m] : []))
    expect(parsing.length).toBeGreaterThan(1)
    expect(parsing.at(-1)!.bytes).toBe(parsing.at(-1)!.totalBytes)
    expect(kinds.at(-1)).toBe('done')
    const header = messages[opened] as Extract<ImportMessage, { type: 'opened' }>
    const events = messages.flatMap((m) => (m.type === 'events' ? m.events : []))
    expect(messages.filter((m) => m.type === 'events').every((m) => m.type === 'events' && m.events.length <= EVENTS_PER_MESSAGE)).toBe(true)
    const direct = openFiles([{ name: 'wide.zip', bytes: zip }])
    expect(header.session.eventCount).toBe(direct.events.length)
    expect(events).toEqual(direct.events)
    expect(header.session).toMatchObject({ kind: 'session', incomplete: false, problems: [], skipped: [], used: ['wide.zip'] })
    expect(parsing.at(-1)!.events).toBe(direct.events.length)
  }, 60_000)

  it('opens the gzip folder field case whole and reports a hostile zip as refused, with its reason', async () => {
    const folder = unzipSync(readFileSync(join(__dirname, '../../fixtures/folder-with-gz.zip')))
    const messages = await run(Object.entries(folder).map(([name, bytes]) => ({ name: `folder-with-gz/${name}`, bytes })))
    const header = messages.find((m) => m.type === 'opened') as Extract<ImportMessage, { type: 'opened' }>
    expect(header.session).toMatchObject({ kind: 'merged', incomplete: false, skipped: [], eventCount: 3285 })
    expect(header.session.used).toHaveLength(9)
    const events = messages.flatMap((m) => (m.type === 'events' ? m.events : []))
    expect(events.filter((e) => e.type === 'gossip.created')).toHaveLength(60)

    const braces = zipSync({ 'events.ndjson': strToU8('{}\n'.repeat(10_000_000)) }, { level: 1 })
    const refused = await run([{ name: 'braces.zip', bytes: braces }])
    const result = refused.find((m) => m.type === 'opened') as Extract<ImportMessage, { type: 'opened' }>
    expect(result.session.eventCount).toBe(0)
    expect(result.session.incomplete).toBe(true)
    expect(result.session.problems.map((p) => p.message)).toContain('no valid event in the first 10,000 lines: the rest of the file was not read')
    expect(refused.at(-1)!.type).toBe('done')
  }, 60_000)
})
