import { createReadStream, createWriteStream, type WriteStream } from 'node:fs'
import { mkdir, open, readdir, rename, rm, rmdir, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { createDeflateRaw, crc32 } from 'node:zlib'
import { Zip, type ZipInputFile } from 'fflate'

/**
 * The streaming parts of an export (export.ts): reading a file that may be hundreds of MB
 * up to its last complete line, in chunks or lines, and writing the archive (a zip through
 * fflate's streaming Zip, or a folder) to disk with backpressure. Nothing here holds a whole
 * file or the whole archive: memory is a few chunks of CHUNK_BYTES. Zip entries are
 * deflated by Node's zlib (native, in libuv's thread pool, about ten times faster than
 * fflate's JavaScript deflate on these files), fed to fflate's Zip as a ZipInputFile.
 */

/** Read and write granularity (bytes): one chunk is read, deflated and written at a time. */
export const CHUNK_BYTES = 256 * 1024

/** The zip format without ZIP64 (fflate writes none): no entry and no archive past 4 GiB - 1. */
export const ZIP_MAX_BYTES = 0xffff_ffff

/**
 * Bytes of `path` up to and including its last newline, as the file is now: 0 for a missing
 * or empty file or one with no newline. Reads backwards from the end, CHUNK_BYTES at a time.
 */
export async function completeLength(path: string): Promise<number> {
  let handle
  try {
    handle = await open(path, 'r')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0
    throw error
  }
  try {
    let end = (await handle.stat()).size
    const buffer = Buffer.alloc(Math.min(CHUNK_BYTES, Math.max(1, end)))
    while (end > 0) {
      const start = Math.max(0, end - buffer.length)
      const { bytesRead } = await handle.read(buffer, 0, end - start, start)
      const i = buffer.subarray(0, bytesRead).lastIndexOf(0x0a)
      if (i >= 0) return start + i + 1
      end = start
    }
    return 0
  } finally {
    await handle.close()
  }
}

/** The first `length` bytes of `path`, in chunks of at most CHUNK_BYTES. */
export async function* readChunks(path: string, length: number): AsyncGenerator<Uint8Array> {
  if (length <= 0) return
  const stream = createReadStream(path, { start: 0, end: length - 1, highWaterMark: CHUNK_BYTES })
  for await (const chunk of stream) yield chunk as Buffer
}

/**
 * The lines (without `\n`; a trailing `\r` kept) of the first `length` bytes of `path`,
 * which must end with a newline, as batches: one array per chunk read. UTF-8 decoded across
 * chunk boundaries.
 */
export async function* readLineBatches(path: string, length: number): AsyncGenerator<string[]> {
  const decoder = new TextDecoder('utf-8')
  let rest = ''
  for await (const chunk of readChunks(path, length)) {
    const lines = (rest + decoder.decode(chunk, { stream: true })).split('\n')
    rest = lines.pop() ?? ''
    if (lines.length > 0) yield lines
  }
  rest += decoder.decode()
  if (rest !== '') yield [rest]
}

/** Writes one file of the archive, chunk by chunk; resolves when the chunk may be reused and the sink wants more. */
export type ChunkWriter = (chunk: Uint8Array) => Promise<void>

/** Where an export goes: a zip file or a folder, both written under a temporary name first. */
export interface ExportSink {
  /** Adds the file at `path` (relative, `/`-separated) with the bytes `body` writes, in order. */
  file(path: string, body: (write: ChunkWriter) => Promise<void>): Promise<void>
  /** Completes the archive and moves it to its final path; returns its size in bytes. */
  close(): Promise<number>
  /** Removes whatever was written (after a failure). Never throws. */
  discard(): Promise<void>
}

/** The temporary name an export is written under until it is complete. */
export const partialPath = (outPath: string): string => `${outPath}.partial`

/** Waits until a write stream wants more data, or rejects when it fails. */
function drained(out: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      out.off('drain', done)
      out.off('error', failed)
      resolve()
    }
    const failed = (error: Error): void => {
      out.off('drain', done)
      reject(error)
    }
    out.once('drain', done)
    out.once('error', failed)
  })
}

/** Ends a write stream and waits until its file is closed. */
function ended(out: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    out.once('error', reject)
    out.end(() => resolve())
  })
}

/** Deflate level of zip entries: 1, the fastest (about 12:1 on events files; level 6 gives 17:1 at 4x the CPU). */
export const ZIP_LEVEL = 1

/**
 * One zip entry deflated by zlib as it is written: fflate's Zip reads `ondata` (compressed
 * bytes, in order) and, at the final call, `crc` and `size` of the uncompressed data.
 */
class ZlibEntry implements ZipInputFile {
  readonly compression = 8
  /** fflate's "deflate option" bits for level 1 (super fast). */
  readonly flag = 3
  size = 0
  crc = 0
  ondata?: ZipInputFile['ondata']
  private readonly deflate = createDeflateRaw({ level: ZIP_LEVEL, chunkSize: 64 * 1024 })
  private readonly done: Promise<void>

  constructor(
    readonly filename: string,
    readonly mtime: Date,
  ) {
    this.deflate.on('data', (data: Buffer) => this.ondata?.(null, new Uint8Array(data.buffer, data.byteOffset, data.length) as Uint8Array<ArrayBuffer>, false))
    this.done = new Promise((resolve, reject) => {
      this.deflate.once('end', () => {
        this.ondata?.(null, new Uint8Array(0), true)
        resolve()
      })
      this.deflate.once('error', reject)
    })
    this.done.catch(() => undefined)
  }

  /** Queues `chunk`; resolves when zlib wants more. */
  async write(chunk: Uint8Array): Promise<void> {
    this.size += chunk.length
    this.crc = crc32(chunk, this.crc)
    if (!this.deflate.write(chunk)) await new Promise<void>((resolve) => this.deflate.once('drain', resolve))
  }

  /** Flushes zlib and resolves after the final data reached the zip. */
  end(): Promise<void> {
    this.deflate.end()
    return this.done
  }

  terminate(): void {
    this.deflate.destroy()
  }
}

/**
 * A zip at `outPath`: entries deflated (ZIP_LEVEL) one after another, the bytes written
 * to `<outPath>.partial` as they come (waiting whenever the file stream's buffer is full),
 * renamed to `outPath` by close(). `root/` prefixes every entry, so unpacking does not
 * spill files. Fails (never writes a broken zip) when an entry or the archive would pass
 * ZIP_MAX_BYTES.
 */
export async function zipSink(outPath: string, root: string, mtime = new Date()): Promise<ExportSink> {
  await mkdir(dirname(outPath), { recursive: true })
  const temp = partialPath(outPath)
  const out = createWriteStream(temp, { highWaterMark: CHUNK_BYTES })
  await new Promise<void>((resolve, reject) => {
    out.once('open', () => resolve())
    out.once('error', reject)
  })
  let failure: Error | null = null
  let bytes = 0
  let full = false
  let current: ZlibEntry | null = null
  const fail = (error: Error): void => void (failure ??= error)
  out.on('error', fail)
  const zip = new Zip((error, data) => {
    if (error) return fail(error)
    bytes += data.length
    if (bytes > ZIP_MAX_BYTES) return fail(new Error('the zip would pass 4 GiB (no ZIP64): export a time range or a node set, or as a folder'))
    if (!out.write(data)) full = true
  })
  const check = async (): Promise<void> => {
    if (failure) throw failure
    if (full) {
      full = false
      await drained(out)
      if (failure) throw failure
    }
  }
  return {
    async file(path, body) {
      const entry = new ZlibEntry(`${root}/${path}`, mtime)
      current = entry
      zip.add(entry)
      await body(async (chunk) => {
        if (entry.size + chunk.length > ZIP_MAX_BYTES) throw new Error(`${path} is over 4 GiB, more than a zip entry can hold: export as a folder`)
        await entry.write(chunk)
        await check()
      })
      await entry.end()
      current = null
      await check()
    },
    async close() {
      zip.end()
      await check()
      await ended(out)
      if (failure) throw failure
      await rename(temp, outPath)
      return bytes
    },
    async discard() {
      ;(current as ZlibEntry | null)?.terminate()
      zip.terminate()
      out.destroy()
      await rm(temp, { force: true }).catch(() => undefined)
    },
  }
}

/**
 * A folder at `outPath` (which must not exist or be empty): files written into
 * `<outPath>.partial/` with backpressure, renamed to `outPath` by close().
 */
export async function folderSink(outPath: string): Promise<ExportSink> {
  const existing = await stat(outPath).catch(() => null)
  if (existing && !existing.isDirectory()) throw new Error(`${outPath} exists and is not a folder`)
  if (existing && (await readdir(outPath)).length > 0) throw new Error(`${outPath} exists and is not empty`)
  const temp = partialPath(outPath)
  await rm(temp, { recursive: true, force: true })
  await mkdir(temp, { recursive: true })
  let bytes = 0
  return {
    async file(path, body) {
      const target = join(temp, path)
      await mkdir(dirname(target), { recursive: true })
      const out = createWriteStream(target, { highWaterMark: CHUNK_BYTES })
      let failure: Error | null = null
      out.on('error', (error) => void (failure ??= error))
      try {
        await body(async (chunk) => {
          if (failure) throw failure
          bytes += chunk.length
          if (!out.write(chunk)) await drained(out)
        })
        await ended(out)
      } catch (error) {
        out.destroy()
        throw error
      }
      if (failure) throw failure
    },
    async close() {
      if (existing) await rmdir(outPath)
      await rename(temp, outPath)
      return bytes
    },
    async discard() {
      await rm(temp, { recursive: true, force: true }).catch(() => undefined)
    },
  }
}
