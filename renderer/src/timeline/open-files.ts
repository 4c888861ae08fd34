import { MAX_UNPACKED_BYTES, describeProblems, describeSkipped, type OpenedSession } from '../../../shared/archive/open'
import type { SessionEvent } from '../../../shared/events'
import { app } from '../store'
import type { ImportInput, ImportMessage, OpenedHeader } from '../../../shared/archive/import-job'
import { setImportProgress } from './import-progress'
import { replay } from './replay'

/** Files of a picked folder worth reading. */
const RELEVANT = /(\.ndjson|\.jsonl|\.ndjson\.gz|\.jsonl\.gz|^session\.json|^config\.txt)$/i

/** A problem saying a limit stopped the reading of a file (shared/archive/ndjson). */
const STOPPED = /the rest of the file was not read$/

/** Problems listed in the notice; the rest are counted. */
const SHOWN_PROBLEMS = 4

/** The import under way: cancelling it stops its worker (a new import cancels the previous one). */
let running: { cancel: () => void } | null = null
/** Bumped by every import: an older one that is still winding down leaves the progress line alone. */
let generation = 0

type WorkerResult = { ok: true; header: OpenedHeader; events: SessionEvent[] } | { ok: false; error: string } | { ok: false; cancelled: true }

/**
 * Runs the import in a Web Worker (import.worker.ts): the page's main thread only takes
 * progress and the events in chunks of EVENTS_PER_MESSAGE, so a hostile or huge file
 * never freezes it. Resolves when the worker is done, failed or was cancelled.
 */
function openInWorker(name: string, folder: string | undefined, inputs: ImportInput[], progress: (update: Parameters<typeof setImportProgress>[0]) => void): Promise<WorkerResult> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./import.worker.ts', import.meta.url), { type: 'module', name: 'import' })
    let header: OpenedHeader | null = null
    const events: SessionEvent[] = []
    const finish = (result: WorkerResult): void => {
      worker.terminate()
      if (running === job) running = null
      resolve(result)
    }
    const job = { cancel: () => finish({ ok: false, cancelled: true }) }
    running = job
    progress({ name, phase: 'reading', file: '', done: 0, total: inputs.reduce((sum, f) => sum + f.blob.size, 0), events: 0, cancel: job.cancel })
    worker.onmessage = (e: MessageEvent<ImportMessage>) => {
      const m = e.data
      if (running !== job) return
      if (m.type === 'progress') progress({ phase: m.phase, file: m.file, done: m.bytes, total: m.totalBytes, events: m.events })
      else if (m.type === 'opened') {
        header = m.session
        progress({ phase: 'receiving', done: 0, total: header.eventCount, events: header.eventCount })
      } else if (m.type === 'events') {
        for (const event of m.events) events.push(event)
        progress({ done: events.length })
      } else if (m.type === 'done') finish(header ? { ok: true, header, events } : { ok: false, error: 'the import worker sent no result' })
      else finish({ ok: false, error: m.error })
    }
    worker.onerror = (e) => {
      e.preventDefault()
      finish({ ok: false, error: e.message || 'the import worker failed' })
    }
    // A picked folder gives the recording its name; files keep openFiles' own (the file's, or "N files").
    worker.postMessage({ files: inputs, name: folder })
  })
}

/**
 * Opens files the user dropped or picked (zip export, events.ndjson, node events files, or
 * a whole folder: a session folder or a directory of node logs) into replay, off the main
 * thread with a progress line and Cancel. Sizes are checked before anything is read.
 * Problems are shown naming file and line, files not read are listed with why, and the
 * readable part opens (flagged INCOMPLETE when events are missing).
 */
export async function openUserFiles(picked: readonly File[]): Promise<void> {
  // This import's notices replace the last one's (they described another file).
  const notify = (kind: 'info' | 'error', text: string): void => {
    if (mine()) app.store.getState().notify(kind, text, 'import')
  }
  running?.cancel()
  app.store.getState().clearNotices('import')
  const gen = ++generation
  const mine = (): boolean => gen === generation
  const progress = (update: Parameters<typeof setImportProgress>[0]): void => {
    if (mine()) setImportProgress(update)
  }
  // A picked folder lists every file in it: read only what can hold events or settings.
  const relevant = picked.some((f) => f.webkitRelativePath) ? picked.filter((f) => RELEVANT.test(f.name)) : picked
  if (picked.length > 0 && relevant.length === 0) notify('error', 'No events.ndjson or *.events.ndjson in that folder')
  // Refused before reading: past 512 MiB a browser tab cannot hold a file's events (and TextDecoder gives "" for one string that long).
  const tooBig = relevant.filter((f) => f.size > MAX_UNPACKED_BYTES)
  for (const f of tooBig) {
    notify('error', `${f.webkitRelativePath || f.name} is ${Math.round(f.size / 1024 ** 2)} MiB: files over ${MAX_UNPACKED_BYTES / 1024 ** 2} MiB cannot be opened in the app (use \`npm run report\` on it)`)
  }
  const files = relevant.filter((f) => !tooBig.includes(f))
  if (files.length === 0) return
  // The same bound for all the files of one import together (the worker holds them at once).
  const total = files.reduce((sum, f) => sum + f.size, 0)
  if (total > MAX_UNPACKED_BYTES) {
    notify('error', `These ${files.length} files are ${Math.round(total / 1024 ** 2)} MiB in all: at most ${MAX_UNPACKED_BYTES / 1024 ** 2} MiB can be opened at once in the app (use \`npm run report\` on the folder)`)
    return
  }
  const folder = files[0]!.webkitRelativePath.split('/')[0]
  const title = folder || (files.length === 1 ? files[0]!.name : `${files.length} files`)
  const result = await openInWorker(
    title,
    folder || undefined,
    files.map((f) => ({ name: f.webkitRelativePath || f.name, blob: f })),
    progress,
  )
  if (!result.ok) {
    progress(null)
    if ('cancelled' in result) notify('info', `Opening ${title} cancelled`)
    else notify('error', `Cannot open ${title}: ${result.error}`)
    return
  }
  const { header, events } = result
  const { eventCount: _count, used, offsets, ...rest } = header
  const opened: OpenedSession = { ...rest, events, offsets: offsets ? new Map(offsets) : null }
  if (opened.problems.length > 0) {
    // Why reading stopped (a limit) comes first: it says more than the first bad lines.
    const stops = opened.problems.filter((p) => STOPPED.test(p.message))
    const ordered = [...stops, ...opened.problems.filter((p) => !stops.includes(p))]
    const shown = describeProblems(ordered.slice(0, SHOWN_PROBLEMS))
    const more = opened.problems.length > SHOWN_PROBLEMS ? `\n(${opened.problems.length - SHOWN_PROBLEMS} more)` : ''
    notify('error', `${opened.events.length > 0 ? 'Opened with problems' : 'Nothing to open'}:\n${shown}${more}`)
  }
  const notPicked = picked
    .filter((f) => !files.includes(f))
    .map((f) => ({ file: f.webkitRelativePath || f.name, why: tooBig.includes(f) ? `over the ${MAX_UNPACKED_BYTES / 1024 ** 2} MiB limit` : 'not an events, session or config file' }))
  const skipped = [...notPicked, ...opened.skipped.map(({ file, why }) => ({ file, why }))]
  // Files that could have held events and were not read: said at once, not only in the source line.
  const lost = opened.skipped.filter((s) => s.events)
  if (lost.length > 0) notify('error', `Not read, so the recording is incomplete:\n${describeSkipped(lost.slice(0, SHOWN_PROBLEMS))}${lost.length > SHOWN_PROBLEMS ? `\n(${lost.length - SHOWN_PROBLEMS} more)` : ''}`)
  if (opened.events.length === 0) {
    progress(null)
    return
  }
  const withProblems = [...new Set(opened.problems.map((p) => p.file))]
  // Indexing for replay runs on the main thread, in steps, still cancellable.
  let cancelled = false
  const job = { cancel: () => void (cancelled = true) }
  running = job
  progress({ phase: 'indexing', done: 0, total: events.length, cancel: job.cancel })
  const done = await replay.openRecording(opened, { used, skipped, withProblems }, {
    onProgress: (n) => progress({ done: n }),
    cancelled: () => cancelled || running !== job,
  })
  if (running === job) running = null
  progress(null)
  if (!done) {
    notify('info', `Opening ${title} cancelled`)
    return
  }
  const merged = opened.kind === 'merged' ? ` (merged from ${used.length} file${used.length > 1 ? 's' : ''})` : ''
  const partial = opened.incomplete ? ' INCOMPLETE: events are missing, figures are partial' : ''
  notify(opened.incomplete ? 'error' : 'info', `Opened ${opened.name}: ${opened.events.length} events${merged}${partial}`)
}
