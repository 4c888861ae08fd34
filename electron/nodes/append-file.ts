import * as nodeFs from 'node:fs'

/**
 * An append-only file of whole lines that survives a full disk: a write that fails
 * (ENOSPC, EIO, EDQUOT...) part-way is truncated back to the last whole line, so the file
 * never ends in a torn line; the caller hears of it at once (`onProblem`), later lines are
 * counted and dropped, and each later write (at most once per `retryMs`) tries again, so
 * writing resumes by itself when space returns (`onResumed`, with the count of lines lost).
 * Used by the session recording (electron/host/event-log.ts) and by every node's log and
 * events files (output.ts).
 */

/** The few fs calls used, injectable so tests can fail writes (a fake ENOSPC) without filling a disk. */
export interface AppendFs {
  openSync(path: string, flags: string): number
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number
  ftruncateSync(fd: number, length: number): void
  fstatSync(fd: number): { size: number }
  closeSync(fd: number): void
}

export interface AppendFileHooks {
  /** Writing failed: `message` names the file and the OS error. Called once per outage. */
  onProblem?: (message: string) => void
  /** Writing works again after an outage; `lost` lines were dropped meanwhile. */
  onResumed?: (message: string, lost: number) => void
}

export class AppendFile {
  private fd: number | null
  /** Bytes of whole lines in the file (where a failed write is truncated back to). */
  private size: number
  /** Lines dropped since the current outage began; null while writing works. */
  private lost: number | null = null
  private lastTry = 0
  /** The current outage, for status lines; null while writing works. */
  problem: string | null = null

  /** Throws (with the OS message) when the file cannot be opened. */
  constructor(
    readonly path: string,
    private readonly hooks: AppendFileHooks = {},
    private readonly fs: AppendFs = nodeFs as unknown as AppendFs,
    private readonly retryMs = 1000,
    private readonly now: () => number = Date.now,
  ) {
    this.fd = fs.openSync(path, 'a')
    this.size = fs.fstatSync(this.fd).size
  }

  /** Appends `text`, which must be whole lines (`\n`-terminated); `lines` counts them for the loss report. */
  write(text: string, lines = countLines(text)): void {
    if (this.fd === null || text.length === 0) return
    this.writeBytes(Buffer.from(text, 'utf8'), lines)
  }

  /** Appends `bytes`, UTF-8 of whole lines (`\n`-terminated), `lines` of them; the caller may reuse `bytes` afterwards. */
  writeBytes(bytes: Uint8Array, lines: number): void {
    if (this.fd === null || bytes.length === 0) return
    if (this.lost !== null && this.now() - this.lastTry < this.retryMs) {
      this.lost += lines
      return
    }
    this.lastTry = this.now()
    try {
      // A roll-back that failed during the outage is redone before writing on.
      if (this.lost !== null && this.fs.fstatSync(this.fd).size !== this.size) this.fs.ftruncateSync(this.fd, this.size)
      let done = 0
      while (done < bytes.length) done += this.fs.writeSync(this.fd, bytes, done, bytes.length - done)
      this.size += bytes.length
    } catch (error) {
      this.rollBack()
      const first = this.lost === null
      this.lost = (this.lost ?? 0) + lines
      if (first) {
        const e = error as NodeJS.ErrnoException
        const why = e.code === 'ENOSPC' ? 'ENOSPC: the disk is full' : (e.code ?? e.message)
        this.problem = `cannot write ${this.path} (${why}); lines are dropped until writing works again`
        this.hooks.onProblem?.(this.problem)
      }
      return
    }
    if (this.lost !== null) {
      const lost = this.lost
      this.lost = null
      this.problem = null
      this.hooks.onResumed?.(`writing ${this.path} again; ${lost} line${lost === 1 ? '' : 's'} could not be written meanwhile`, lost)
    }
  }

  close(): void {
    if (this.fd !== null) this.fs.closeSync(this.fd)
    this.fd = null
  }

  /** Cuts a partly written batch so the file ends after its last whole line. */
  private rollBack(): void {
    try {
      this.fs.ftruncateSync(this.fd!, this.size)
    } catch {
      // Redone before the next write (see write()).
    }
  }
}

function countLines(text: string): number {
  let n = 0
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++
  return n
}
