import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { SessionEvent } from '../../../shared/events'
import { syntheticSession } from '../../../shared/model/synthetic'
import { DEFAULT_SETTINGS } from '../../../shared/settings'

export const settings = { ...DEFAULT_SETTINGS, timeScale: 0.05 }

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `gossipscope-${prefix}-`))
}

const dirName = (node: string): string => node.replace(':', '_')
const stamp = (t: number): string => new Date(t).toISOString().replace('T', ' ').replace('Z', '')

/**
 * A session folder as the host records it (session.json, config.txt, events.ndjson,
 * logs/<IP>_<PORT>/ with the node's log and own events file), from a synthetic session.
 */
export function writeSessionFolder(root: string, events: SessionEvent[] = syntheticSession({ peers: 8, gossipCount: 2, kills: 1, settings })): {
  dir: string
  events: SessionEvent[]
} {
  const dir = join(root, '2026-11-24T03-00-00-000Z')
  mkdirSync(join(dir, 'logs'), { recursive: true })
  const seeds = [...new Set(events.filter((e) => e.type === 'node.started' && e.role === 'seed').map((e) => e.node))]
  const meta = { version: 1, id: '2026-11-24T03-00-00-000Z', startedAt: events[0]?.t ?? 0, settings, seeds }
  writeFileSync(join(dir, 'session.json'), `${JSON.stringify(meta, null, 2)}\n`)
  writeFileSync(join(dir, 'config.txt'), `# seeds\n${seeds.join('\n')}\n`)
  writeFileSync(join(dir, 'events.ndjson'), events.map((e) => `${JSON.stringify(e)}\n`).join(''))
  const byNode = new Map<string, SessionEvent[]>()
  for (const e of events) {
    if (e.type.startsWith('host.')) continue
    byNode.set(e.node, [...(byNode.get(e.node) ?? []), e])
  }
  for (const [node, list] of byNode) {
    const role = seeds.includes(node) ? 'seed' : 'peer'
    const logDir = join(dir, 'logs', dirName(node))
    mkdirSync(logDir, { recursive: true })
    writeFileSync(join(logDir, `${role}_network.log`), list.map((e) => `${stamp(e.t)} [${node}] ${e.type}\n`).join(''))
    writeFileSync(
      join(logDir, `${role}-${dirName(node)}.events.ndjson`),
      // A node's own file has no session seq; gossip.created carries its Msg# as `seq`.
      list
        .map(({ seq: _seq, ...e }) => e)
        .map((e) => `${JSON.stringify(e)}\n`)
        .join(''),
    )
  }
  return { dir, events }
}
