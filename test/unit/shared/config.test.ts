import { describe, expect, it } from 'vitest'
import { formatConfig, majority, parseConfig } from '../../../shared/config'

describe('parseConfig', () => {
  it('reads seeds with comments, blanks, CRLF and spaces', () => {
    const text = '# seeds\n\n127.0.0.1:6000\r\n  127.0.0.2:6001  # second\n\t\n127.0.0.3:6002\n'
    expect(parseConfig(text)).toEqual({
      ok: true,
      seeds: [
        { ip: '127.0.0.1', port: 6000 },
        { ip: '127.0.0.2', port: 6001 },
        { ip: '127.0.0.3', port: 6002 },
      ],
    })
  })

  it('reports every bad line with its number', () => {
    const result = parseConfig('127.0.0.1:6000\nlocalhost:6001\n127.0.0.1:70000\n\n127.0.0.1:6000\n127.0.0.1\n')
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.errors.map((e) => e.line)).toEqual([2, 3, 5, 6])
    if (!result.ok) expect(result.errors[2]!.message).toContain('already listed on line 1')
  })

  it('requires at least two seeds', () => {
    const result = parseConfig('# only one\n127.0.0.1:6000\n')
    expect(result).toEqual({ ok: false, errors: [{ line: 0, message: 'at least 2 seeds are required, found 1' }] })
    expect(parseConfig('').ok).toBe(false)
  })

  it('round-trips through formatConfig', () => {
    const seeds = [{ ip: '127.0.0.1', port: 6000 }, { ip: '127.0.0.2', port: 6000 }]
    expect(parseConfig(formatConfig(seeds))).toEqual({ ok: true, seeds })
  })

  it('majority is floor(n/2)+1', () => {
    expect([1, 2, 3, 4, 5, 6].map(majority)).toEqual([1, 2, 2, 3, 3, 4])
  })
})
