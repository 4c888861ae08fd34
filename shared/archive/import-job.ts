import type { SessionEvent } from '../events'
import { openFiles, type OpenedSession } from './open'

/**
 * One import, as the import worker runs it (renderer/src/timeline/import.worker.ts): read the picked files,
 * open them (shared/archive: unzip, gunzip, parse, merge), and post the result back in
 * pieces, so the page's main thread only ever receives small messages and stays
 * responsive. Pure apart from reading the blobs and `post`; tested in Node.
 */

/** A file to read: its name (path in a picked folder) and its contents. */
export interface ImportInput {
  name: string
  blob: Blob
}

/** What the worker tells the page, in this order: progress*, opened, events*, done (or failed at any point). */
export type ImportMessage =
  | { type: 'progress'; phase: 'reading' | 'parsing'; file: string; bytes: number; totalBytes: number; events: number }
  | { type: 'opened'; session: OpenedHeader }
  | { type: 'events'; events: SessionEvent[] }
  | { type: 'done' }
  | { type: 'failed'; error: string }

/** An OpenedSession without its events (they follow in chunks), offsets as pairs. */
export type OpenedHeader = Omit<OpenedSession, 'events' | 'offsets'> & { offsets: Array<[string, number]> | null; eventCount: number; used: string[] }

/** Events per `events` message: about 10 ms of structured clone each on the receiving side. */
export const EVENTS_PER_MESSAGE = 20_000

/** Reads a blob into one buffer, reporting bytes as they come. */
async function readBlob(input: ImportInput, onBytes: (bytes: number) => void): Promise<Uint8Array> {
  const out = new Uint8Array(input.blob.size)
  const reader = input.blob.stream().getReader()
  let offset = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    // A blob that grew since it was picked: only what fits (its size when picked) is read.
    const room = out.length - offset
    out.set(room < value.length ? value.subarray(0, room) : value, offset)
    offset += Math.min(room, value.length)
    onBytes(offset)
    if (offset >= out.length) break
  }
  return offset === out.length ? out : out.subarray(0, offset)
}

/** `name`: what was opened, for titles (a picked folder's name); by default the file's name or "N files". */
export async function runImportJob(inputs: readonly ImportInput[], post: (message: ImportMessage) => void, name?: string): Promise<void> {
  try {
    const totalBytes = inputs.reduce((sum, f) => sum + f.blob.size, 0)
    const read: Array<{ name: string; bytes: Uint8Array }> = []
    let before = 0
    for (const input of inputs) {
      let last = 0
      const bytes = await readBlob(input, (n) => {
        // About one report per MiB.
        if (n - last < 1024 * 1024 && n < input.blob.size) return
        last = n
        post({ type: 'progress', phase: 'reading', file: input.name, bytes: before + n, totalBytes, events: 0 })
      })
      before += input.blob.size
      read.push({ name: input.name, bytes })
    }
    // Events of the files parsed before this one, for a running total.
    let parsedBefore = 0
    let lastEvents = 0
    let lastFile = ''
    const opened = openFiles(read, name, {
      onProgress: (p) => {
        if (p.file !== lastFile) parsedBefore += lastEvents
        lastFile = p.file
        lastEvents = p.events
        post({ type: 'progress', phase: 'parsing', file: p.file, bytes: p.bytes, totalBytes: p.totalBytes, events: parsedBefore + p.events })
      },
    })
    const skippedNames = new Set(opened.skipped.map((s) => s.file))
    const { events, offsets, ...rest } = opened
    post({
      type: 'opened',
      session: { ...rest, offsets: offsets ? [...offsets] : null, eventCount: events.length, used: read.map((f) => f.name).filter((name) => !skippedNames.has(name)) },
    })
    for (let i = 0; i < events.length; i += EVENTS_PER_MESSAGE) post({ type: 'events', events: events.slice(i, i + EVENTS_PER_MESSAGE) })
    post({ type: 'done' })
  } catch (error) {
    post({ type: 'failed', error: error instanceof Error ? error.message : String(error) })
  }
}
