import { constants } from 'node:fs'
import { type FileHandle, open } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, resolve, sep } from 'node:path'

/**
 * Serves the built renderer (out/renderer) and finished exports. Only files inside the
 * given root are served: the decoded path is resolved and must stay under the root (no
 * `..`, no encoded slashes escaping it, no directory listings).
 */

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.zip': 'application/zip',
  '.ndjson': 'application/x-ndjson',
}

export function mimeType(path: string): string {
  return MIME[extname(path).toLowerCase()] ?? 'application/octet-stream'
}

/** The file under `root` a URL path names, or null if it would leave the root. */
export function resolveUnder(root: string, urlPath: string): string | null {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return null
  }
  if (decoded.includes('\0')) return null
  const base = resolve(root)
  const target = resolve(base, `.${decoded.startsWith('/') ? '' : '/'}${decoded}`)
  return target === base || target.startsWith(base + sep) ? target : null
}

/**
 * Sends a file; false if there is no such regular file (the caller answers 404). With
 * `noSymlinks`, a symbolic link is never followed (false as well): the file is opened with
 * O_NOFOLLOW, so a link swapped in after a check is refused too.
 */
export async function sendFile(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  headers: Record<string, string> = {},
  options: { noSymlinks?: boolean } = {},
): Promise<boolean> {
  let handle: FileHandle
  try {
    handle = await open(path, constants.O_RDONLY | (options.noSymlinks ? constants.O_NOFOLLOW : 0))
  } catch {
    return false
  }
  let size: number
  try {
    const info = await handle.stat()
    if (!info.isFile()) {
      await handle.close()
      return false
    }
    size = info.size
  } catch {
    await handle.close().catch(() => {})
    return false
  }
  res.writeHead(200, { 'Content-Type': mimeType(path), 'Content-Length': String(size), ...headers })
  if (req.method === 'HEAD') {
    await handle.close()
    res.end()
    return true
  }
  const stream = handle.createReadStream()
  stream.on('error', () => res.destroy())
  stream.pipe(res)
  return true
}
