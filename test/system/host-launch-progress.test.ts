import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { HostController } from '../../electron/host/controller'
import { createHost } from '../../electron/host/host'
import { DEFAULT_SETTINGS } from '../../shared/settings'

/**
 * The launch progress the app shows stays until every node of the request started, also
 * when a wave outlasts the supervisor's wait for it (here the wait is 1 ms, so every wave
 * outlasts it): it once vanished at "82 / 97" while 15 peers were still starting.
 */

const NODES = resolve(__dirname, '../../out/main')

describe('launch progress', () => {
  let host: HostController | null = null
  const dir = mkdtempSync(join(tmpdir(), 'gs-launch-progress-'))

  afterAll(async () => {
    await host?.shutdown()
    rmSync(dir, { recursive: true, force: true })
  })

  it('is shown until the last node started, then cleared', async () => {
    expect(existsSync(join(NODES, 'peer.js')), 'run npx electron-vite build first').toBe(true)
    host = createHost({
      sessionsDir: dir,
      nodesDir: NODES,
      supervisor: { maxNodes: 8, basePort: 21000 + Math.floor(Math.random() * 8000), stopTimeoutMs: 3000, startTimeoutMs: 1 },
    })
    await host.ready(0)
    const started = await host.startNetwork({ seeds: 2, peers: 4, settings: { ...DEFAULT_SETTINGS, timeScale: 0.05, gossipCount: 0 } })
    expect(started.ok).toBe(true)
    // The waves were sent off without waiting: the peers are still starting, and it says so.
    const during = host.status()
    expect(during.launching).toMatchObject({ role: 'peer', total: 4 })
    expect(during.launching!.done).toBeLessThan(4)
    const end = Date.now() + 30_000
    while (host.status().launching && Date.now() < end) await new Promise((r) => setTimeout(r, 50))
    expect(host.status().launching).toBeNull()
    expect(host.status().nodes.filter((n) => n.state === 'running')).toHaveLength(6)
  }, 60_000)
})
