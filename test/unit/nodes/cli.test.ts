import { describe, expect, it } from 'vitest'
import { parseNodeArgs } from '../../../electron/nodes/cli'
import { DEFAULT_SETTINGS } from '../../../shared/settings'

function ok(role: 'seed' | 'peer', argv: string[]) {
  const result = parseNodeArgs(role, argv)
  if (result.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(result)}`)
  return result.args
}

function error(role: 'seed' | 'peer', argv: string[]): string {
  const result = parseNodeArgs(role, argv)
  if (result.kind !== 'error') throw new Error(`expected an error, got ${result.kind}`)
  return result.message
}

describe('parseNodeArgs', () => {
  it('uses the assignment defaults', () => {
    const args = ok('peer', [])
    expect(args).toMatchObject({
      role: 'peer',
      configPath: './config.txt',
      ip: '127.0.0.1',
      ipGiven: false,
      port: null,
      index: null,
      logDir: '.',
      events: null,
      rngSeed: null,
    })
    expect(args.settings).toEqual(DEFAULT_SETTINGS)
  })

  it('reads every flag', () => {
    const args = ok('seed', [
      '--config', 'c.txt', '--ip', '127.0.10.1', '--index', '2', '--log-dir', '/tmp/x', '--events', '-',
      '--time-scale', '0.05', '--gossip-interval', '1000', '--gossip-count', '3', '--liveness-interval', '2000',
      '--liveness-misses', '4', '--max-links', '5', '--topology', 'random', '--seed-rng', '42',
    ])
    expect(args).toMatchObject({ configPath: 'c.txt', ip: '127.0.10.1', ipGiven: true, index: 2, logDir: '/tmp/x', events: '-', rngSeed: 42 })
    expect(args.settings).toEqual({
      timeScale: 0.05, gossipIntervalMs: 1000, gossipCount: 3, livenessIntervalMs: 2000,
      livenessMisses: 4, maxLinks: 5, topology: 'random',
    })
  })

  it('defaults --max-links by topology', () => {
    expect(ok('peer', ['--topology', 'random']).settings.maxLinks).toBe(4)
    expect(ok('peer', ['--topology', 'powerlaw']).settings.maxLinks).toBe(2)
    expect(ok('peer', ['--topology', 'random', '--max-links', '3']).settings.maxLinks).toBe(3)
  })

  it('returns the help text for --help and documents every flag', () => {
    const result = parseNodeArgs('seed', ['--help'])
    expect(result.kind).toBe('help')
    const text = result.kind === 'help' ? result.text : ''
    for (const flag of ['--config', '--ip', '--port', '--index', '--log-dir', '--events', '--time-scale',
      '--gossip-interval', '--gossip-count', '--liveness-interval', '--liveness-misses', '--max-links',
      '--topology', '--seed-rng', '--help']) {
      expect(text).toContain(flag)
    }
    const peerHelp = parseNodeArgs('peer', ['-h'])
    expect(peerHelp.kind === 'help' && peerHelp.text).not.toContain('--index')
  })

  it('rejects bad flags with one line', () => {
    const cases: [string[], RegExp][] = [
      [['--bogus'], /unknown option '--bogus'/],
      [['--port', '0'], /--port must be an integer in 1\.\.65535/],
      [['--port', '70000'], /--port/],
      [['--port', 'abc'], /--port/],
      [['--ip', 'localhost'], /--ip must be an IPv4 address/],
      [['--ip', '127.0.0.256'], /--ip/],
      [['--time-scale', '0'], /--time-scale must be in/],
      [['--time-scale', 'fast'], /--time-scale must be a decimal number/],
      [['--gossip-count', '-1'], /--gossip-count must be in/],
      [['--gossip-interval', '1.5'], /--gossip-interval must be an integer/],
      [['--liveness-misses', '0'], /--liveness-misses/],
      [['--max-links', '65'], /--max-links/],
      [['--topology', 'ring'], /ring/],
      [['--seed-rng', '-3'], /--seed-rng/],
      [['--events', ''], /--events/],
      [['extra'], /too many arguments|unexpected/i],
      [['--port'], /argument missing/],
    ]
    for (const [argv, pattern] of cases) {
      const message = error('peer', argv)
      expect(message, argv.join(' ')).toMatch(pattern)
      expect(message).not.toContain('\n')
    }
  })

  it('accepts --index only for seeds', () => {
    expect(error('peer', ['--index', '1'])).toMatch(/unknown option '--index'/)
    expect(ok('seed', ['--index', '1']).index).toBe(1)
  })
})

describe('flag bounds', () => {
  // The CLI checks bounds itself (nodes do not load zod); they must match the schema.
  const bounds: [string, number, number][] = [
    ['--time-scale', 0.001, 100],
    ['--gossip-interval', 1, 3_600_000],
    ['--gossip-count', 0, 10_000],
    ['--liveness-interval', 1, 3_600_000],
    ['--liveness-misses', 1, 100],
    ['--max-links', 1, 64],
  ]
  it.each(bounds)('%s accepts exactly the schema range', async (flag, min, max) => {
    const { protocolSettingsSchema } = await import('../../../shared/settings')
    for (const value of [min, max]) {
      expect(protocolSettingsSchema.safeParse(ok('peer', [flag, String(value)]).settings).success).toBe(true)
    }
    const step = flag === '--time-scale' ? 0.0001 : 1
    for (const value of [min - step, max + step]) expect(error('peer', [flag, String(value)])).toContain(flag)
  })
})

describe('parseNodeArgs: network conditions', () => {
  it('reads --latency, --jitter and --loss (default 0)', () => {
    expect(ok('peer', []).link).toEqual({ delayMs: 0, jitterMs: 0, loss: 0 })
    expect(ok('seed', ['--latency', '40', '--jitter', '2.5', '--loss', '0.02']).link).toEqual({ delayMs: 40, jitterMs: 2.5, loss: 0.02 })
  })

  it('refuses bad values with one line naming the flag', () => {
    expect(error('peer', ['--latency', '-1'])).toMatch(/--latency must be in 0..60000/)
    expect(error('peer', ['--jitter', 'lots'])).toMatch(/--jitter must be a decimal number/)
    expect(error('peer', ['--loss', '1.5'])).toMatch(/--loss must be in 0..1/)
    expect(error('peer', ['--loss', '2%'])).not.toContain('\n')
    // Number() would take these; a flag takes decimals only.
    for (const text of ['0x10', '0b11', '0o7', 'Infinity', '1_000', '']) expect(error('peer', ['--latency', text])).toMatch(/--latency must be a decimal number/)
    expect(ok('peer', ['--latency', '1e2', '--jitter', '.5', '--loss', '+0.1']).link).toEqual({ delayMs: 100, jitterMs: 0.5, loss: 0.1 })
  })

  it('documents the flags in --help', () => {
    const help = parseNodeArgs('peer', ['--help'])
    expect(help.kind).toBe('help')
    if (help.kind === 'help') for (const flag of ['--latency <ms>', '--jitter <ms>', '--loss <p>']) expect(help.text).toContain(flag)
  })
})
