import { type Address, formatAddress, parseAddress } from './address'

/**
 * config.txt: the list of seeds, one `IP:PORT` per line. Blank lines and `#` comments
 * (whole-line or trailing) are allowed; surrounding whitespace and a trailing `\r` are
 * ignored. The assignment requires n > 1 seeds; a duplicate entry is an error because a
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

export function parseConfig(text: string): ConfigResult {
  const seeds: Address[] = []
  const errors: ConfigError[] = []
  const seen = new Map<string, number>()
  const lines = text.split('\n')
  lines.forEach((raw, index) => {
    const lineNo = index + 1
    const hash = raw.indexOf('#')
    const content = (hash >= 0 ? raw.slice(0, hash) : raw).trim()
    if (content === '') return
    const address = parseAddress(content)
    if (!address) {
      errors.push({ line: lineNo, message: `expected IP:PORT (IPv4, port 1-65535), got "${truncate(content)}"` })
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
