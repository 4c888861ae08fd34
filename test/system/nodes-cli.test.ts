import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { type Server, createServer } from 'node:net'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { PROGRAMS, addressBlock, tempDir } from './nodes-helpers'

/** The built programs refuse bad starts with exit code 2 and exactly one line on stderr. */

const block = addressBlock()
const dir = tempDir('nodes-cli')
const config = join(dir, 'config.txt')
writeFileSync(config, `127.${block}.1.1:7201\n127.${block}.1.2:7201\n`)
const servers: Server[] = []

afterAll(() => {
  for (const server of servers) server.close()
})

function run(role: 'seed' | 'peer', args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [join(PROGRAMS, `${role}.js`), ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir })
    let stdout = ''
    let stderr = ''
    proc.stdout.on('data', (d) => (stdout += d))
    proc.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000)
    proc.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

async function expectUsageError(role: 'seed' | 'peer', args: string[], pattern: RegExp): Promise<void> {
  const { code, stderr } = await run(role, args)
  expect(code, stderr).toBe(2)
  expect(stderr).toMatch(/\n$/)
  expect(stderr.trimEnd().split('\n'), stderr).toHaveLength(1)
  expect(stderr).toMatch(pattern)
  expect(stderr).not.toMatch(/\n\s+at /)
}

describe('node programs refuse bad starts', () => {
  it('prints --help on stdout and exits 0', async () => {
    const { code, stdout } = await run('peer', ['--help'])
    expect(code).toBe(0)
    expect(stdout).toContain('--liveness-misses')
  })

  it('refuses an unknown flag or a bad value', async () => {
    await expectUsageError('seed', ['--bogus'], /^gossip-seed: unknown option '--bogus'/)
    await expectUsageError('peer', ['--config', config, '--port', 'x'], /--port must be an integer/)
    await expectUsageError('peer', ['--config', config, '--port', '7000', '--topology', 'ring'], /ring/)
  })

  it('reports a malformed or missing config as file:line', async () => {
    const bad = join(dir, 'bad.txt')
    writeFileSync(bad, `# seeds\n127.${block}.1.1:7201\n127.${block}.1.2\n`)
    await expectUsageError('peer', ['--config', bad, '--port', '7000'], new RegExp(`${bad.replace(/\./g, '\\.')}:3: expected IP:PORT`))
    await expectUsageError('seed', ['--config', join(dir, 'missing.txt'), '--port', '7000'], /missing\.txt: cannot read config \(ENOENT\)/)
  })

  it('refuses a port in use', async () => {
    const ip = `127.${block}.2.1`
    const server = createServer()
    servers.push(server)
    await new Promise<void>((resolve) => server.listen(7202, ip, () => resolve()))
    await expectUsageError('peer', ['--config', config, '--ip', ip, '--port', '7202', '--log-dir', dir], /cannot listen on .*:7202: address already in use/)
  })

  it('refuses an IP that is not on this machine', async () => {
    await expectUsageError('peer', ['--config', config, '--ip', '203.0.113.9', '--port', '7000'], /--ip 203\.0\.113\.9 is not an address of this machine/)
  })

  it('refuses a peer without --port when there is no terminal, and a seed it cannot place', async () => {
    await expectUsageError('peer', ['--config', config], /no --port given and no terminal/)
    await expectUsageError('seed', ['--config', config, '--index', '5'], /--index 5 is out of range/)
  })
})
