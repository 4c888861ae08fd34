import { readdir, readFile, stat } from 'node:fs/promises'
import { basename, join, relative } from 'node:path'
import { openFiles, type ArchiveFile, type OpenedSession } from '../../shared/archive/open'
import type { Result } from '../../shared/ipc'

/**
 * Opens a recording from disk (Electron's Open dialog, the report CLI): a session folder
 * (events.ndjson + session.json + config.txt), a plain node log directory written by nodes
 * run by hand (every `*.events.ndjson` in it or its subfolders, merged), or a single file
 * (zip export, events.ndjson, node events file). Parsing is shared/archive's, the same
 * the renderer uses for drag-and-drop.
 */

/** Subfolder depth searched for node events files (logs/<IP>_<PORT>/ is depth 2). */
const MAX_DEPTH = 3

async function findEventsFiles(dir: string, depth: number): Promise<string[]> {
  if (depth > MAX_DEPTH) return []
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
  const out: string[] = []
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, e.name)
    if (e.isDirectory()) out.push(...(await findEventsFiles(path, depth + 1)))
    else if (e.isFile() && /\.events\.ndjson$/.test(e.name)) out.push(path)
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
    const found = await findEventsFiles(path, 0)
    if (found.length === 0) return { ok: false, error: `${path}: no events.ndjson and no *.events.ndjson node events files` }
    const files = await Promise.all(found.map((f) => read(path, f)))
    const config = await read(path, join(path, 'config.txt')).catch(() => null)
    return { ok: true, value: openFiles(config ? [...files, config] : files, basename(path)) }
  } catch (error) {
    return { ok: false, error: `${path}: ${(error as Error).message}` }
  }
}
