import { readdir, readFile, stat } from 'node:fs/promises'
import { basename, join, relative } from 'node:path'
import { openFiles, type ArchiveFile, type OpenedSession } from '../../shared/archive/open'
import type { Result } from '../../shared/ipc'

/**
 * Opens a recording from disk (Electron's Open dialog, the report CLI): a session folder
 * (events.ndjson + session.json + config.txt), a plain node log directory written by nodes
 * run by hand (every `*.events.ndjson` or `*.events.ndjson.gz` in it or its subfolders,
 * merged; every other file listed as not read), or a single file
 * (zip export, events.ndjson, node events file). Parsing is shared/archive's, the same
 * the renderer uses for drag-and-drop.
 */

/** Subfolder depth searched for node events files (logs/<IP>_<PORT>/ is depth 2). */
const MAX_DEPTH = 3

/** Node events files (`*.events.ndjson`, gzipped or not) under `dir`, and every other file found, in name order. */
async function findEventsFiles(dir: string, depth: number, others: string[]): Promise<string[]> {
  if (depth > MAX_DEPTH) return []
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
  const out: string[] = []
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, e.name)
    if (e.isDirectory()) for (const found of await findEventsFiles(path, depth + 1, others)) out.push(found)
    else if (e.isFile() && /\.events\.ndjson(\.gz)?$/i.test(e.name)) out.push(path)
    else if (e.name !== 'config.txt' || depth > 0) others.push(path)
  }
  return out
}

async function read(root: string, path: string): Promise<ArchiveFile> {
  return { name: relative(root, path) || basename(path), bytes: await readFile(path) }
}

export async function importPath(path: string): Promise<Result<OpenedSession>> {
  const info = await stat(path).catch(() => null)
  if (!info) return { ok: false, error: `${path}: no such file or folder` }
  try {
    if (info.isFile()) return { ok: true, value: openFiles([{ name: basename(path), bytes: await readFile(path) }]) }
    if (!info.isDirectory()) return { ok: false, error: `${path}: not a file or folder` }
    const sessionEvents = join(path, 'events.ndjson')
    if (await stat(sessionEvents).catch(() => null)) {
      const files: ArchiveFile[] = [await read(path, sessionEvents)]
      for (const name of ['session.json', 'config.txt']) {
        const file = await read(path, join(path, name)).catch(() => null)
        if (file) files.push(file)
      }
      return { ok: true, value: openFiles(files, basename(path)) }
    }
    const others: string[] = []
    const found = await findEventsFiles(path, 0, others)
    if (found.length === 0) return { ok: false, error: `${path}: no events.ndjson and no *.events.ndjson node events files` }
    const files = await Promise.all(found.map((f) => read(path, f)))
    const config = await read(path, join(path, 'config.txt')).catch(() => null)
    const opened = openFiles(config ? [...files, config] : files, basename(path))
    const notRead = others.map((f) => ({ file: relative(path, f), why: 'not a node events file (*.events.ndjson[.gz])', events: false }))
    return { ok: true, value: { ...opened, skipped: [...notRead, ...opened.skipped] } }
  } catch (error) {
    return { ok: false, error: `${path}: ${(error as Error).message}` }
  }
}
