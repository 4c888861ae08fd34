import { type Address, formatAddress, parseAddress } from './address'
import { escapeControls } from './escape'

/**
 * config.txt: the list of seeds, one `IP:PORT` per line. Lines end at `\n`, `\r\n` or a
 * lone `\r` (classic Mac OS editors). Blank lines and `#` comments (whole-line or
 * trailing) are allowed; surrounding whitespace is ignored. Quoted input in errors has
 * its control characters escaped. The assignment requires n > 1 seeds; a duplicate entry is an error because a
 * seed listed twice would count twice towards a majority.
 */

export interface ConfigError {
  /** 1-based line number in the file (0 for whole-file errors). */
  line: number
  message: string
}

export type ConfigResult =
  | { ok: true; seeds: Address[] }
  | { ok: false; errors: ConfigError[] }

/**
 * The text of a config file read as bytes: UTF-8 (a UTF-8 BOM is dropped), or UTF-16 LE/BE
 * with its BOM (Windows Notepad's "Unicode" and "Unicode big endian"), decoded. Bytes that
 * are none of these give a message naming the problem and the fix, with `name` (the file
 * as the user named it) in it: UTF-32, UTF-16 without a BOM, or invalid UTF-8.
 */
export function decodeConfig(bytes: Uint8Array, name: string): { ok: true; text: string } | { ok: false; message: string } {
  const file = escapeControls(name)
  const fix = 'save it as UTF-8'
  const b = (i: number) => bytes[i]
  if (b(0) === 0xff && b(1) === 0xfe && b(2) === 0 && b(3) === 0) return { ok: false, message: `${file} is UTF-32; ${fix}` }
  if (b(0) === 0 && b(1) === 0 && b(2) === 0xfe && b(3) === 0xff) return { ok: false, message: `${file} is UTF-32; ${fix}` }
  try {
    if (b(0) === 0xff && b(1) === 0xfe) return { ok: true, text: new TextDecoder('utf-16le', { fatal: true }).decode(bytes.subarray(2)) }
    if (b(0) === 0xfe && b(1) === 0xff) return { ok: true, text: new TextDecoder('utf-16be', { fatal: true }).decode(bytes.subarray(2)) }
  } catch {
    return { ok: false, message: `${file} starts with a UTF-16 byte order mark but is not valid UTF-16; ${fix}` }
  }
  // UTF-16 without a BOM: ASCII text with a NUL beside every character.
  let nuls = 0
  for (let i = 0; i < Math.min(bytes.length, 4096); i++) if (bytes[i] === 0) nuls++
  if (nuls > 0 && nuls * 4 >= Math.min(bytes.length, 4096)) {
    return { ok: false, message: `${file} looks like UTF-16 without a byte order mark; ${fix}` }
  }
  try {
    // TextDecoder drops a UTF-8 BOM by default.
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) }
  } catch {
    return { ok: false, message: `${file} is not valid UTF-8 (another encoding?); ${fix}` }
  }
}

export function parseConfig(text: string): ConfigResult {
  const seeds: Address[] = []
  const errors: ConfigError[] = []
  const seen = new Map<string, number>()
  const lines = text.split(/\r\n|\r|\n/)
  lines.forEach((raw, index) => {
    const lineNo = index + 1
    const hash = raw.indexOf('#')
    const content = (hash >= 0 ? raw.slice(0, hash) : raw).trim()
    if (content === '') return
    const address = parseAddress(content)
    if (!address) {
      errors.push({ line: lineNo, message: `expected IP:PORT (IPv4, port 1-65535), got "${escapeControls(truncate(content))}"` })
      return
    }
    const id = formatAddress(address)
    const first = seen.get(id)
    if (first !== undefined) {
      errors.push({ line: lineNo, message: `seed ${id} already listed on line ${first}` })
      return
    }
    seen.set(id, lineNo)
    seeds.push(address)
  })
  if (errors.length === 0 && seeds.length < 2) {
    errors.push({ line: 0, message: `at least 2 seeds are required, found ${seeds.length}` })
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, seeds }
}

/** Renders a config.txt for the given seeds (used by the app to write a session's config). */
export function formatConfig(seeds: readonly Address[], header = 'Gossipscope seeds, one IP:PORT per line'): string {
  return `# ${header}\n${seeds.map(formatAddress).join('\n')}\n`
}

/** floor(n/2)+1: how many seeds a peer registers with. */
export function majority(seedCount: number): number {
  return Math.floor(seedCount / 2) + 1
}

function truncate(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max)}...` : text
}
