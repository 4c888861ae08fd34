import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

/** The node host run by hand: it says what it is for instead of hanging or crashing. */

const NODE_HOST = resolve(__dirname, '../../out/main/node-host.js')

describe('node-host.js by hand', () => {
  it('prints its usage on --help and exits 0', () => {
    for (const flag of ['--help', '-h']) {
      const run = spawnSync(process.execPath, [NODE_HOST, flag], { encoding: 'utf8', timeout: 20_000 })
      expect(run.status).toBe(0)
      expect(run.stdout).toMatch(/^Usage: node-host\.js/)
      expect(run.stdout.endsWith('\n')).toBe(true)
      expect(run.stdout).toContain('seed.js and peer.js')
    }
  })

  it('started without the launcher (no IPC channel) says why in one line and exits 2', () => {
    const run = spawnSync(process.execPath, [NODE_HOST], { encoding: 'utf8', timeout: 20_000 })
    expect(run.status).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe('gossip-node-host: start me from the app or the launcher (I need an IPC channel)\n')
  })
})
