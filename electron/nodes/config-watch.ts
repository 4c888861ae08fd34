import { readFile, stat } from 'node:fs/promises'
import { type Address, formatAddress } from '../../shared/address'
import { decodeConfig, parseConfig } from '../../shared/config'
import { escapeControls } from '../../shared/escape'

/**
 * Follows a running peer's config.txt, so that seeds added to it (the app's "Add seed"
 * rewrites the session's config) reach the machine as a `seeds` input. The file is looked
 * at once a second: a stat, and a read only when its mtime, size or inode changed. A file
 * that cannot be read or does not parse keeps the current list, with one warning per
 * distinct problem; the machine hears only lists that differ from the last one it got.
 */

/** ms between two looks at the file. */
export const CONFIG_POLL_MS = 1000

export interface ConfigWatchIo {
  /** Changes whenever the file is rewritten (mtime, size, inode). Rejects if it cannot be read. */
  signature(path: string): Promise<string>
  /** The config file's bytes (decoded by decodeConfig), or its text. */
  readText(path: string): Promise<string | Uint8Array>
}

export interface ConfigWatchHooks {
  /** The config's seed list changed (and parsed). */
  seeds(seeds: Address[]): void
  /** One line: the file could not be read or parsed; the current list is kept. */
  warn(message: string): void
}

/**
 * One stat per file per half poll interval for the whole process: the peers of a node
 * host share it (1,000 peers would otherwise stat the same config.txt 1,000 times a second).
 */
const recentStats = new Map<string, { at: number; signature: Promise<string> }>()

export const fileWatchIo: ConfigWatchIo = {
  signature: (path) => {
    const now = Date.now()
    const recent = recentStats.get(path)
    if (recent && now - recent.at < CONFIG_POLL_MS / 2) return recent.signature
    const signature = stat(path).then((s) => `${s.mtimeMs}:${s.size}:${s.ino}`)
    recentStats.set(path, { at: now, signature })
    signature.catch(() => recentStats.delete(path))
    return signature
  },
  readText: (path) => readFile(path),
}

export class ConfigWatcher {
  private timer: NodeJS.Timeout | null = null
  /** Signature of the version read last; null before the first look. */
  private seen: string | null = null
  /** Seed ids of the list the machine has, in config order. */
  private current: string
  private problem: string | null = null
  private polling = false
  private stopped = false

  constructor(
    private readonly path: string,
    initial: readonly Address[],
    private readonly hooks: ConfigWatchHooks,
    private readonly io: ConfigWatchIo = fileWatchIo,
  ) {
    this.current = initial.map(formatAddress).join(',')
  }

  start(intervalMs = CONFIG_POLL_MS): void {
    if (this.timer || this.stopped) return
    this.timer = setInterval(() => void this.poll(), intervalMs)
    this.timer.unref()
  }

  /** No hook is called after this, even by a look already under way. */
  stop(): void {
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  /** One look at the file (the timer calls it; tests call it directly). Never rejects. */
  async poll(): Promise<void> {
    if (this.polling || this.stopped) return
    this.polling = true
    try {
      await this.look()
    } finally {
      this.polling = false
    }
  }

  private async look(): Promise<void> {
    let signature: string
    let content: string | Uint8Array
    const path = escapeControls(this.path)
    try {
      signature = await this.io.signature(this.path)
      if (signature === this.seen) return
      content = await this.io.readText(this.path)
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? escapeControls((e as Error).message)
      this.report(`${path}: cannot read config (${code}); keeping the current seed list`)
      return
    }
    this.seen = signature
    if (this.stopped) return
    const decoded = typeof content === 'string' ? { ok: true as const, text: content } : decodeConfig(content, this.path)
    if (!decoded.ok) {
      this.report(`${decoded.message}; keeping the current seed list`)
      return
    }
    const config = parseConfig(decoded.text)
    if (!config.ok) {
      const first = config.errors[0]!
      const where = first.line > 0 ? `${path}:${first.line}` : path
      this.report(`${where}: ${first.message}; keeping the current seed list`)
      return
    }
    this.problem = null
    const ids = config.seeds.map(formatAddress).join(',')
    if (ids === this.current) return
    this.current = ids
    this.hooks.seeds(config.seeds)
  }

  private report(message: string): void {
    if (this.stopped || message === this.problem) return
    this.problem = message
    this.hooks.warn(message)
  }
}
