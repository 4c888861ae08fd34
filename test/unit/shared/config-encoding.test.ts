import { describe, expect, it } from 'vitest'
import { decodeConfig, parseConfig } from '../../../shared/config'
import { escapeControls } from '../../../shared/escape'

/** Field case config-cr-only.txt (turn 2): two seeds, lone CR line ends, as its bytes. */
const CR_ONLY = new TextEncoder().encode('127.0.40.1:14001\r127.0.40.2:14002\r')
const SEEDS = [
  { ip: '127.0.40.1', port: 14001 },
  { ip: '127.0.40.2', port: 14002 },
]

function utf16(text: string, order: 'le' | 'be', bom = true): Uint8Array {
  const out = new Uint8Array((text.length + (bom ? 1 : 0)) * 2)
  const units = (bom ? '\ufeff' : '') + text
  for (let i = 0; i < units.length; i++) {
    const c = units.charCodeAt(i)
    out[2 * i + (order === 'le' ? 0 : 1)] = c & 0xff
    out[2 * i + (order === 'le' ? 1 : 0)] = c >> 8
  }
  return out
}

const parse = (bytes: Uint8Array) => {
  const decoded = decodeConfig(bytes, 'config.txt')
  if (!decoded.ok) throw new Error(decoded.message)
  return parseConfig(decoded.text)
}

/** No raw control character (C0 except none, DEL, C1) may reach a terminal. */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f]/

describe('config files in other encodings and line ends', () => {
  it('reads the field case: lone CR line ends', () => {
    expect(parse(CR_ONLY)).toEqual({ ok: true, seeds: SEEDS })
  })

  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
    ['CR', '\r'],
    ['mixed', '\r\n# comment\r\r\n'],
  ])('reads UTF-8, UTF-8 with BOM, UTF-16 LE and BE with BOM, with %s line ends', (_name, end) => {
    const text = `127.0.40.1:14001${end}127.0.40.2:14002${end}`
    const utf8 = new TextEncoder().encode(text)
    for (const bytes of [utf8, Uint8Array.of(0xef, 0xbb, 0xbf, ...utf8), utf16(text, 'le'), utf16(text, 'be')]) {
      expect(parse(bytes)).toEqual({ ok: true, seeds: SEEDS })
    }
  })

  it('names the problem for UTF-16 without a BOM, UTF-32 and invalid UTF-8, never quoting raw bytes', () => {
    const text = '127.0.40.1:14001\r\n127.0.40.2:14002\r\n'
    const cases: Array<[Uint8Array, RegExp]> = [
      [utf16(text, 'le', false), /^config\.txt looks like UTF-16 without a byte order mark; save it as UTF-8$/],
      [utf16(text, 'be', false), /^config\.txt looks like UTF-16 without a byte order mark; save it as UTF-8$/],
      [Uint8Array.of(0xff, 0xfe, 0, 0, 0x31, 0, 0, 0), /^config\.txt is UTF-32; save it as UTF-8$/],
      [Uint8Array.of(0, 0, 0xfe, 0xff, 0, 0, 0, 0x31), /^config\.txt is UTF-32; save it as UTF-8$/],
      [Uint8Array.of(0x31, 0xe9, 0x0d, 0x0a), /^config\.txt is not valid UTF-8 \(another encoding\?\); save it as UTF-8$/],
      [Uint8Array.of(0xff, 0xfe, 0x00, 0xd8, 0x0a, 0x00), /^config\.txt starts with a UTF-16 byte order mark but is not valid UTF-16/],
    ]
    for (const [bytes, message] of cases) {
      const decoded = decodeConfig(bytes, 'config.txt')
      expect(decoded.ok).toBe(false)
      if (!decoded.ok) expect(decoded.message).toMatch(message)
    }
    const weird = decodeConfig(Uint8Array.of(0x31, 0xe9), 'conf\u001b[2Jig\r.txt')
    expect(!weird.ok && weird.message).toBe('conf\\x1b[2Jig\\r.txt is not valid UTF-8 (another encoding?); save it as UTF-8')
  })

  it('escapes control characters in every error that quotes a config line', () => {
    for (const junk of ['\u0000\u0000not\u0000', 'a\u001b[31mred', 'x\ty\u007f', 'q\u0085\u2028']) {
      const result = parseConfig(`127.0.40.1:14001\n${junk}\n127.0.40.2:14002\n`)
      expect(result.ok).toBe(false)
      if (!result.ok) {
        expect(result.errors[0]!.line).toBe(2)
        expect(result.errors[0]!.message).not.toMatch(RAW_CONTROL)
        expect(result.errors[0]!.message).toContain(escapeControls(junk.trim()))
      }
    }
  })

  it('escapeControls names common controls, hexes the rest and doubles backslashes', () => {
    expect(escapeControls('a\r\n\t\0b')).toBe('a\\r\\n\\t\\0b')
    expect(escapeControls('\u001b\u007f\u0085\u2028')).toBe('\\x1b\\x7f\\x85\\u2028')
    expect(escapeControls('C:\\path\\x1b')).toBe('C:\\\\path\\\\x1b')
    expect(escapeControls('plain 127.0.0.1:6000 é')).toBe('plain 127.0.0.1:6000 é')
  })
})
