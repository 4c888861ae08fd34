import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { NODE_LOG_MAX_BYTES, type NodeLog, type Result } from '../../shared/ipc'
import { nodeLogFolder } from './node-flags'
import { LOGS_DIR } from './session-files'

/** The log files a node writes in its --log-dir (electron/nodes/resolve.ts names them). */
const LOG_FILES = ['peer_network.log', 'seed_network.log'] as const

/**
 * The tail of node `id`'s own log file in a session folder: `<dir>/logs/<IP>_<PORT>/
 * {peer,seed}_network.log`, at most `maxBytes` from its end, cut at a line start, as UTF-8
 * (a malformed byte becomes U+FFFD, never an error). `id` is a validated `IP:PORT`.
 * Errors: {ok:false} when the node has no log file (never started, or not in this session).
 */
export async function readNodeLog(sessionDir: string, id: string, maxBytes = NODE_LOG_MAX_BYTES): Promise<Result<NodeLog>> {
  const colon = id.lastIndexOf(':')
  const folder = join(sessionDir, LOGS_DIR, nodeLogFolder(id.slice(0, colon), Number(id.slice(colon + 1))))
  for (const file of LOG_FILES) {
    let handle
    try {
      handle = await open(join(folder, file), 'r')
    } catch {
      continue
    }
    try {
      const { size } = await handle.stat()
      const length = Math.min(size, maxBytes)
      const buffer = Buffer.alloc(length)
      await handle.read(buffer, 0, length, size - length)
      let text = buffer.toString('utf8')
      const truncated = length < size
      // A tail starts mid-line: drop the partial first line.
      if (truncated) text = text.slice(text.indexOf('\n') + 1)
      const lines = text.split('\n')
      if (lines[lines.length - 1] === '') lines.pop()
      return { ok: true, value: { file, lines, bytes: size, truncated } }
    } finally {
      await handle.close()
    }
  }
  return { ok: false, error: `${id} has no log file in this session` }
}
