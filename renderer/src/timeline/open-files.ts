import { MAX_UNPACKED_BYTES, describeProblems, describeSkipped, openFiles } from '../../../shared/archive/open'
import { app } from '../store'
import { replay } from './replay'

/** Files of a picked folder worth reading. */
const RELEVANT = /(\.ndjson|\.jsonl|\.ndjson\.gz|\.jsonl\.gz|^session\.json|^config\.txt)$/i

/** Problems listed in the notice; the rest are counted. */
const SHOWN_PROBLEMS = 4

/**
 * Opens files the user dropped or picked (zip export, events.ndjson, node events files, or
 * a whole folder: a session folder or a directory of node logs)
 * into replay. Parsing never throws; problems are shown naming file and line, and the
 * readable part opens.
 */
export async function openUserFiles(picked: readonly File[]): Promise<void> {
  const { notify } = app.store.getState()
  // A picked folder lists every file in it: read only what can hold events or settings.
  const relevant = picked.some((f) => f.webkitRelativePath) ? picked.filter((f) => RELEVANT.test(f.name)) : picked
  if (picked.length > 0 && relevant.length === 0) notify('error', 'No events.ndjson or *.events.ndjson in that folder')
  // Past 512 MiB a browser cannot decode a file into one string (TextDecoder gives ""): refused, with a message.
  const tooBig = relevant.filter((f) => f.size > MAX_UNPACKED_BYTES)
  for (const f of tooBig) {
    notify('error', `${f.webkitRelativePath || f.name} is ${Math.round(f.size / 1024 ** 2)} MiB: files over ${MAX_UNPACKED_BYTES / 1024 ** 2} MiB cannot be opened in the app (use \`npm run report\` on it)`)
  }
  const files = relevant.filter((f) => !tooBig.includes(f))
  if (files.length === 0) return
  let read: Array<{ name: string; bytes: Uint8Array }>
  try {
    read = await Promise.all(files.map(async (f) => ({ name: f.webkitRelativePath || f.name, bytes: new Uint8Array(await f.arrayBuffer()) })))
  } catch (error) {
    notify('error', `Cannot read ${files.map((f) => f.name).join(', ')}: ${error instanceof Error ? error.message : String(error)}`)
    return
  }
  const opened = openFiles(read)
  if (opened.problems.length > 0) {
    const shown = describeProblems(opened.problems.slice(0, SHOWN_PROBLEMS))
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
  if (opened.events.length === 0) return
  const skippedNames = new Set(opened.skipped.map((s) => s.file))
  const used = read.map((f) => f.name).filter((name) => !skippedNames.has(name))
  const withProblems = [...new Set(opened.problems.map((p) => p.file))]
  replay.openRecording(opened, { used, skipped, withProblems })
  const merged = opened.kind === 'merged' ? ` (merged from ${used.length} file${used.length > 1 ? 's' : ''})` : ''
  const partial = opened.incomplete ? ' INCOMPLETE: events are missing, figures are partial' : ''
  notify(opened.incomplete ? 'error' : 'info', `Opened ${opened.name}: ${opened.events.length} events${merged}${partial}`)
}
