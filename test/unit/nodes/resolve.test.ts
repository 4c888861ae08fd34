import { describe, expect, it } from 'vitest'
import { parseNodeArgs, type Role } from '../../../electron/nodes/cli'
import { PORT_QUESTION, type ResolveIo, resolveSetup } from '../../../electron/nodes/resolve'

const CONFIG = '# seeds\n127.0.10.1:6001\n127.0.10.2:6002\n\n127.0.10.3:6003 # third\n'

function io(overrides: Partial<ResolveIo> = {}): ResolveIo {
  return {
    readText: async (path) => {
      if (path === 'config.txt') return CONFIG
      throw Object.assign(new Error('no such file'), { code: 'ENOENT' })
    },
    localIps: () => ['127.0.0.1', '192.168.1.20'],
    askPort: null,
    ...overrides,
  }
}

async function resolve(role: Role, argv: string[], fake = io()) {
  const parsed = parseNodeArgs(role, ['--config', 'config.txt', ...argv])
  if (parsed.kind !== 'ok') throw new Error(JSON.stringify(parsed))
  return resolveSetup(parsed.args, fake)
}

async function failure(role: Role, argv: string[], fake = io()): Promise<string> {
  const result = await resolve(role, argv, fake)
  if (result.ok) throw new Error('expected a failure')
  expect(result.message).not.toContain('\n')
  return result.message
}

describe('resolveSetup', () => {
  it('gives a seed its config entry by --index, or by matching --ip', async () => {
    const byIndex = await resolve('seed', ['--index', '1'])
    expect(byIndex.ok && byIndex.setup.self).toEqual({ ip: '127.0.10.2', port: 6002 })
    const byIp = await resolve('seed', ['--ip', '127.0.10.3'])
    expect(byIp.ok && byIp.setup.self).toEqual({ ip: '127.0.10.3', port: 6003 })
    expect(byIp.ok && byIp.setup.seeds).toHaveLength(3)
  })

  it('refuses a seed it cannot place', async () => {
    expect(await failure('seed', [])).toMatch(/no entry of config.txt has IP 127.0.0.1/)
    expect(await failure('seed', ['--index', '3'])).toMatch(/--index 3 is out of range.*0\.\.2/)
    expect(await failure('seed', ['--index', '0', '--ip', '127.0.10.2'])).toMatch(/does not match config entry 0/)
    expect(await failure('seed', ['--index', '0', '--port', '6001'])).toMatch(/cannot be used together/)
  })

  it('reports config problems as file:line', async () => {
    const bad = io({ readText: async () => '127.0.10.1:6001\nnot an address\n' })
    expect(await failure('peer', ['--port', '7000'], bad)).toMatch(/^config\.txt:2: expected IP:PORT/)
    const one = io({ readText: async () => '127.0.10.1:6001\n' })
    expect(await failure('peer', ['--port', '7000'], one)).toMatch(/^config\.txt: at least 2 seeds/)
    const parsed = parseNodeArgs('peer', ['--config', 'nope.txt', '--port', '7000'])
    const missing = parsed.kind === 'ok' ? await resolveSetup(parsed.args, io()) : null
    expect(missing?.ok === false && missing.message).toBe('nope.txt: cannot read config (ENOENT)')
  })

  it('reads a UTF-16 config with a BOM, and names an undecodable one in one clean line', async () => {
    const text = '127.0.10.1:6001\r\n127.0.10.2:6002\r\n'
    const le = Uint8Array.of(0xff, 0xfe, ...[...text].flatMap((c) => [c.charCodeAt(0), 0]))
    const ok = await resolve('peer', ['--port', '7000'], io({ readText: async () => le }))
    expect(ok.ok && ok.setup.seeds).toEqual([{ ip: '127.0.10.1', port: 6001 }, { ip: '127.0.10.2', port: 6002 }])
    const noBom = Uint8Array.from([...text].flatMap((c) => [c.charCodeAt(0), 0]))
    expect(await failure('peer', ['--port', '7000'], io({ readText: async () => noBom }))).toBe(
      'config.txt looks like UTF-16 without a byte order mark; save it as UTF-8',
    )
    const nul = io({ readText: async () => new TextEncoder().encode('127.0.10.1:6001\r\0\0bad\u001b[2J\r') })
    // eslint-disable-next-line no-control-regex
    expect(await failure('peer', ['--port', '7000'], nul)).toMatch(/^config\.txt:2: expected IP:PORT .* got "\\0\\0bad\\x1b\[2J"$/)
  })

  it('refuses an IP that is not on this machine', async () => {
    expect(await failure('peer', ['--ip', '10.9.9.9', '--port', '7000'])).toMatch(/--ip 10\.9\.9\.9 is not an address of this machine/)
    const lan = await resolve('peer', ['--ip', '192.168.1.20', '--port', '7000'])
    expect(lan.ok).toBe(true)
  })

  it('refuses a peer on a seed address', async () => {
    expect(await failure('peer', ['--ip', '127.0.10.1', '--port', '6001'])).toMatch(/is a seed in config.txt/)
  })

  it('asks a terminal user for a port until it is valid, and fails without a terminal', async () => {
    expect(await failure('peer', [])).toMatch(/no terminal/)
    const answers = ['abc', '0', '7001']
    const questions: string[] = []
    const tty = io({ askPort: async (q) => (questions.push(q), answers.shift() ?? null) })
    const result = await resolve('peer', [], tty)
    expect(result.ok && result.setup.self).toEqual({ ip: '127.0.0.1', port: 7001 })
    expect(questions).toEqual([PORT_QUESTION, PORT_QUESTION, PORT_QUESTION])
    expect(await failure('peer', [], io({ askPort: async () => null }))).toMatch(/no port entered/)
  })

  it('places log and events files in --log-dir unless --events says otherwise', async () => {
    const result = await resolve('peer', ['--ip', '127.0.20.1', '--port', '7000', '--log-dir', 'logs'])
    expect(result.ok && result.setup.logPath).toBe('logs/peer_network.log')
    expect(result.ok && result.setup.events).toEqual({ kind: 'file', path: 'logs/peer-127.0.20.1_7000.events.ndjson' })
    const stdout = await resolve('peer', ['--port', '7000', '--events', '-'])
    expect(stdout.ok && stdout.setup.events).toEqual({ kind: 'stdout' })
    const none = await resolve('seed', ['--index', '0', '--events', 'none'])
    expect(none.ok && none.setup.events).toEqual({ kind: 'none' })
  })
})
