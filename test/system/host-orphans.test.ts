import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { GossipscopeApi, HostStatus } from '../../shared/ipc'
import { freePort, isAlive, randomBasePort, startWebHost } from './web-host'

/**
 * The host itself is SIGKILLed (no chance to clean up): its nodes must still go, because
 * each exits when its IPC channel closes. Then a new host on the same port: the renderer's
 * web client reconnects by itself and resumes.
 */

const WEB_CLIENT = resolve(__dirname, '../../renderer/src/api/web-client.ts')
type CreateWebClient = (options: { url: string; WebSocketImpl: unknown; reconnectMinMs?: number }) => GossipscopeApi & { close(): void; connected: boolean }

let port = 0
class PageSocket extends WebSocket {
  constructor(url: string) {
    super(url, { origin: `http://127.0.0.1:${port}` })
  }
}

/** Polls a condition every 50 ms, bounded (processes have no event to wait on). */
async function eventually(what: string, test: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

async function startWeb(dir: string, autostart: boolean): Promise<ChildProcess> {
  const args = autostart ? ['--seeds', '2', '--peers', '3', '--time-scale', '0.05'] : []
  const readyText = autostart ? 'started 2 seeds' : 'web host on'
  return (await startWebHost({ port, sessions: dir, basePort: randomBasePort(), args, readyText })).child
}

describe('no node outlives its host', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gs-orphans-'))
  const children: ChildProcess[] = []
  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })

  it('nodes exit when the host is SIGKILLed, and the web client reconnects to a new host', async () => {
    port = await freePort()
    const first = await startWeb(dir, true)
    children.push(first)
    const { createWebClient } = (await import(/* @vite-ignore */ WEB_CLIENT)) as { createWebClient: CreateWebClient }
    const api = createWebClient({ url: `ws://127.0.0.1:${port}/api`, WebSocketImpl: PageSocket, reconnectMinMs: 100 })
    const statuses: HostStatus[] = []
    api.onStatus((s) => statuses.push(s))
    await api.ready(0)
    const status = await api.getStatus()
    const pids = status.nodes.map((n) => n.pid!)
    expect(pids).toHaveLength(5)
    expect(pids.every(isAlive)).toBe(true)

    first.kill('SIGKILL')
    await eventually('every node to exit after its host died', () => pids.every((pid) => !isAlive(pid)))
    await eventually('the client to notice', () => !api.connected)
    // A request made while disconnected waits for the next host.
    const pending = api.listSessions()

    const second = await startWeb(dir, false)
    children.push(second)
    const sessions = await pending
    expect(sessions.map((s) => s.id)).toEqual([status.sessionId])
    expect(api.connected).toBe(true)
    // Resumed: the new host pushed its (empty) status after the client's ready.
    await eventually('the resumed status', () => statuses.at(-1)?.sessionId === null)
    api.close()
    second.kill('SIGTERM')
  })
})
