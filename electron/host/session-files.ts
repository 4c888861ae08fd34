import { mkdirSync, writeFileSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { SESSION_ID_RE } from '../../shared/ipc'
import type { Address } from '../../shared/address'
import { formatAddress } from '../../shared/address'
import { formatConfig } from '../../shared/config'
import { protocolSettingsSchema, type ProtocolSettings } from '../../shared/settings'

/**
 * A session folder on disk (layout shared with export, import and replay):
 *   <sessionsDir>/<id>/session.json   {version:1, id, startedAt, settings, seeds}
 *   <sessionsDir>/<id>/config.txt     the seeds, rewritten when a seed is added
 *   <sessionsDir>/<id>/events.ndjson  one SessionEvent per line, seq 1, 2, 3...
 *   <sessionsDir>/<id>/logs/<IP>_<PORT>/  each node's --log-dir
 */

export const SESSION_VERSION = 1
export const SESSION_FILE = 'session.json'
export const CONFIG_FILE = 'config.txt'
export const EVENTS_FILE = 'events.ndjson'
export const LOGS_DIR = 'logs'

export const sessionMetaSchema = z.object({
  version: z.literal(SESSION_VERSION),
  id: z.string().regex(SESSION_ID_RE),
  /** ms since epoch */
  startedAt: z.number().min(0),
  settings: protocolSettingsSchema,
  /** `IP:PORT` of every seed added to the session, in order. */
  seeds: z.array(z.string()),
})
export type SessionMeta = z.infer<typeof sessionMetaSchema>

/** `2026-11-24T03-00-00-000Z`: an ISO time with the characters paths dislike replaced. */
export function sessionIdAt(ms: number): string {
  return new Date(ms).toISOString().replace(/[:.]/g, '-')
}

export interface SessionFolder {
  id: string
  dir: string
  startedAt: number
}

/** Creates a fresh session folder; a second session in the same ms gets a `-2` suffix. */
export function createSessionFolder(sessionsDir: string, now: number): SessionFolder {
  mkdirSync(sessionsDir, { recursive: true })
  const base = sessionIdAt(now)
  for (let n = 1; n < 1000; n++) {
    const id = n === 1 ? base : `${base}-${n}`
    const dir = join(sessionsDir, id)
    try {
      mkdirSync(dir)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue
      throw error
    }
    mkdirSync(join(dir, LOGS_DIR))
    return { id, dir, startedAt: now }
  }
  throw new Error(`cannot create a session folder under ${sessionsDir}`)
}

/** Writes session.json and config.txt for the current seeds (atomic replace, so a reader never sees half a file). */
export function writeSessionFiles(folder: SessionFolder, settings: ProtocolSettings, seeds: readonly Address[]): void {
  const meta: SessionMeta = {
    version: SESSION_VERSION,
    id: folder.id,
    startedAt: folder.startedAt,
    settings,
    seeds: seeds.map(formatAddress),
  }
  writeAtomic(join(folder.dir, SESSION_FILE), `${JSON.stringify(meta, null, 2)}\n`)
  writeAtomic(join(folder.dir, CONFIG_FILE), formatConfig(seeds, `Gossipscope session ${folder.id}: seeds, one IP:PORT per line`))
}

function writeAtomic(path: string, text: string): void {
  const temp = `${path}.tmp`
  writeFileSync(temp, text)
  renameSync(temp, path)
}
