import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import type { NodeId } from '../../shared/address'
import type { NodeEvent, NodeEventBody } from '../../shared/events'
import { type EventLineParts, eventLineParts, eventLineWriter, eventTime, formatLogLine, stampEvent } from './format'
import { type EventsDetail, keepsEvent } from './events-detail'
import type { EventsTarget } from './resolve'
import { AppendFile, type AppendFileHooks, type AppendFs } from './append-file'
import { ioCounts } from './io-stats'

/**
 * Where a node's log lines and events go. Files get whole lines in batches: each file
 * gathers its lines as bytes and writes them at most every FILE_FLUSH_MS (or when its
 * buffer is full), so a burst of gossip costs one write per file per interval rather than
 * one per line or per turn; the console gets its lines once per turn of the event loop.
 * `flush()` writes everything synchronously (used before exit and on close).
 */

/** Bytes a console batch may reach before it is written at once. */
const FLUSH_BYTES = 256 * 1024
/** Longest a line waits in a file's buffer, ms. */
export const FILE_FLUSH_MS = 100
/**
 * A file's buffer, allocated when it gets a line and released when an interval passes
 * without one, is sized to what the file gets per interval: it starts at the smallest,
 * doubles (its bytes copied, no early write) when it fills within an interval, and halves
 * after an interval that used a quarter of it or less. A node host has two files per node, and most get a few hundred
 * bytes per interval: 16 KiB each cost 32 MB at 1,000 nodes.
 */
const FILE_BUFFER_MIN = 1024
const FILE_BUFFER_MAX = 16 * 1024

type Writer = (text: string) => void

interface Sink {
  writeLine(line: string): void
  flush(): void
}

/** Lines for a stream (stdout/stderr), written once per turn of the event loop. */
class BatchedSink implements Sink {
  private parts: string[] = []
  private pending = 0
  private scheduled = false

  constructor(private readonly writer: Writer) {}

  writeLine(line: string): void {
    this.parts.push(line, '\n')
    this.pending += line.length + 1
    if (this.pending >= FLUSH_BYTES) this.flush()
    else if (!this.scheduled) {
      this.scheduled = true
      setImmediate(() => this.flush())
    }
  }

  flush(): void {
    this.scheduled = false
    if (this.parts.length === 0) return
    const text = this.parts.join('')
    this.parts = []
    this.pending = 0
    this.writer(text)
  }
}

/** File sinks of this process with a buffer, written (or released) at each interval. */
const buffered = new Set<FileSink>()
/** The one timer that writes every file sink of this process. */
let timer: NodeJS.Timeout | null = null

function scheduleFiles(): void {
  if (timer !== null) return
  timer = setTimeout(() => {
    timer = null
    for (const sink of buffered) sink.tick()
    if (buffered.size > 0) scheduleFiles()
  }, FILE_FLUSH_MS)
  // Lines waiting never keep a process alive that has nothing else to do (it flushes on exit).
  timer.unref()
}

/**
 * Lines for a file (AppendFile), encoded into one buffer as they come (no string is held
 * between turns, so none is copied by the garbage collector) and written at most every
 * FILE_FLUSH_MS. A line longer than the buffer is written on its own.
 */
class FileSink implements Sink {
  private buffer: Buffer | null = null
  /** Size of the next buffer allocated, a power of two in FILE_BUFFER_MIN..FILE_BUFFER_MAX. */
  private capacity = FILE_BUFFER_MIN
  /** Bytes buffered in the current interval (early writes included). */
  private gathered = 0
  private used = 0
  private lines = 0
  private idle = false

  constructor(private readonly file: AppendFile) {}

  writeLine(line: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit, + the newline.
    const room = line.length * 3 + 1
    if (room > FILE_BUFFER_MAX) {
      this.flush()
      return this.write(Buffer.from(`${line}\n`, 'utf8'), 1)
    }
    this.fit(room)
    const buffer = this.take()
    this.used += buffer.write(line, this.used, 'utf8')
    buffer[this.used++] = 0x0a
    this.lines++
  }

  /**
   * An event's line from its pieces (format.ts EventLineParts), encoded straight into the
   * buffer: the body's JSON is the only string made for it.
   */
  writeEvent(parts: EventLineParts, t: number, body: string): void {
    const time = eventTime(t)
    const room = parts.head.length + time.length + 3 * (parts.tail.length + body.length) + 1
    if (room > FILE_BUFFER_MAX) return this.writeLine(`${parts.head}${time}${parts.tail},${body.slice(1)}`)
    this.fit(room)
    const buffer = this.take()
    let at = this.used
    at += buffer.write(parts.head, at, 'latin1')
    at += buffer.write(time, at, 'latin1')
    at += buffer.write(parts.tail, at, 'utf8')
    const brace = at
    at += buffer.write(body, at, 'utf8')
    buffer[brace] = 0x2c // the body's `{` becomes `,`
    buffer[at++] = 0x0a
    this.used = at
    this.lines++
  }

  /**
   * Makes room for `room` bytes (at most FILE_BUFFER_MAX): a buffer they do not fit grows
   * (doubling, its bytes copied) up to FILE_BUFFER_MAX; only a full one of that size is
   * written before the interval ends.
   */
  private fit(room: number): void {
    let need = this.used + room
    if (this.buffer !== null && need <= this.buffer.length) return
    if (need > FILE_BUFFER_MAX) {
      this.flush()
      need = room
    }
    while (this.capacity < need) this.capacity *= 2
    if (this.buffer !== null && this.buffer.length < this.capacity) {
      const bigger = Buffer.allocUnsafeSlow(this.capacity)
      this.buffer.copy(bigger, 0, 0, this.used)
      this.buffer = bigger
    }
  }

  /** Bytes of buffer this file holds now. */
  get bufferBytes(): number {
    return this.buffer?.length ?? 0
  }

  /** The buffer to write into now (allocated if released), with the flush timer running. */
  private take(): Buffer {
    if (this.buffer === null) {
      // Memory of its own (allocUnsafe would carve small ones out of a shared 8 KiB slab that any one of them keeps alive).
      this.buffer = Buffer.allocUnsafeSlow(this.capacity)
      buffered.add(this)
    }
    this.idle = false
    scheduleFiles()
    return this.buffer
  }

  flush(): void {
    if (this.used === 0) return
    const bytes = this.buffer!.subarray(0, this.used)
    const lines = this.lines
    this.gathered += this.used
    this.used = 0
    this.lines = 0
    this.write(bytes, lines)
  }

  /**
   * The interval passed: write what waits; a buffer that got a quarter of its size or less
   * in the interval is halved, one that got nothing for a whole interval is released.
   */
  tick(): void {
    this.flush()
    const gathered = this.gathered
    this.gathered = 0
    if (gathered > 0) {
      if (this.capacity > FILE_BUFFER_MIN && 4 * gathered <= this.capacity) {
        this.capacity /= 2
        this.buffer = null
      }
      return
    }
    if (!this.idle) {
      this.idle = true
      return
    }
    this.buffer = null
    buffered.delete(this)
  }

  /** Drops the buffer (the file is closing; flush() came first). */
  release(): void {
    this.buffer = null
    buffered.delete(this)
  }

  private write(bytes: Uint8Array, lines: number): void {
    ioCounts.fileWrites++
    ioCounts.fileWriteBytes += bytes.length
    this.file.writeBytes(bytes, lines)
  }
}

/**
 * Appends whole lines to a file (AppendFile): a full disk never leaves a torn line, is
 * reported at once through `hooks`, and writing resumes when space returns.
 */
function fileSink(path: string, hooks: AppendFileHooks, fs?: AppendFs): { sink: FileSink; close: () => void } {
  mkdirSync(dirname(path), { recursive: true })
  const file = new AppendFile(path, hooks, fs)
  const sink = new FileSink(file)
  return {
    sink,
    close: () => {
      sink.release()
      file.close()
    },
  }
}

/** stdout/stderr: a closed pipe (EPIPE) must not kill the node, so its errors are ignored. */
function streamWriter(stream: NodeJS.WriteStream): Writer {
  stream.on('error', () => {})
  return (text) => {
    if (!stream.destroyed) stream.write(text)
  }
}

export interface OutputOptions {
  node: NodeId
  logPath: string
  events: EventsTarget
  /** Also hand each event to this (the IPC channel when forked). */
  forward?: (event: NodeEvent) => void
  /** What the live streams (forward, stdout) carry; an events file keeps all. Default full. */
  detail?: EventsDetail
  /** Echo log lines on the console (stdout, or stderr with `--events -`). Default true. */
  console?: boolean
  /** File system for the log and events files (tests inject failing writes). */
  fs?: AppendFs
  /** ms since epoch, for the node.warning events a write failure gives. Default Date.now. */
  now?: () => number
}

export class NodeOutput {
  private readonly sinks: Sink[] = []
  private readonly logSinks: Sink[]
  private readonly eventSink: Sink | null
  /** The events file's sink (null when events go to stdout or nowhere). */
  private readonly eventFile: FileSink | null = null
  private readonly eventParts: EventLineParts
  private readonly detail: EventsDetail
  private readonly closers: (() => void)[] = []
  private closed = false
  private readonly eventLine: (t: number, body: NodeEventBody) => string

  /** Throws (with the OS message) when the log or events file cannot be opened. */
  constructor(private readonly options: OutputOptions) {
    // A file that cannot be written (disk full) is said at once: a node.warning event on
    // the live streams (IPC, stdout) and the events file if it still works, and a line on
    // the console; the log line goes to the other sinks.
    this.eventLine = eventLineWriter(options.node)
    this.eventParts = eventLineParts(options.node)
    const hooks: AppendFileHooks = {
      onProblem: (message) => this.warnWriting(message),
      onResumed: (message) => this.warnWriting(message),
    }
    const logFile = fileSink(options.logPath, hooks, options.fs)
    this.closers.push(logFile.close)
    const consoleStream = options.events.kind === 'stdout' ? process.stderr : process.stdout
    this.logSinks = [logFile.sink]
    if (options.console !== false) this.logSinks.push(new BatchedSink(streamWriter(consoleStream)))
    this.detail = options.detail ?? 'full'
    this.sinks.push(...this.logSinks)
    switch (options.events.kind) {
      case 'file': {
        const file = fileSink(options.events.path, hooks, options.fs)
        this.closers.push(file.close)
        this.eventSink = file.sink
        this.eventFile = file.sink
        break
      }
      case 'stdout':
        this.eventSink = new BatchedSink(streamWriter(process.stdout))
        break
      case 'none':
        this.eventSink = null
        break
    }
    if (this.eventSink) this.sinks.push(this.eventSink)
  }

  /** Bytes of buffer its files (log and events) hold now. */
  get fileBufferBytes(): number {
    let bytes = 0
    for (const sink of this.sinks) if (sink instanceof FileSink) bytes += sink.bufferBytes
    return bytes
  }

  log(now: number, text: string): void {
    if (this.closed) return
    ioCounts.logLines++
    const line = formatLogLine(now, this.options.node, text)
    for (const sink of this.logSinks) sink.writeLine(line)
  }

  event(now: number, body: NodeEventBody): void {
    if (this.closed) return
    ioCounts.events++
    const live = keepsEvent(this.detail, body.type)
    if (this.eventFile) this.eventFile.writeEvent(this.eventParts, now, JSON.stringify(body))
    else if (this.eventSink && live) this.eventSink.writeLine(this.eventLine(now, body))
    // The stamped object only for a live stream that takes this event.
    if (live && this.options.forward) this.options.forward(stampEvent(now, this.options.node, body))
  }

  flush(): void {
    for (const sink of this.sinks) sink.flush()
  }

  /** A write problem or recovery of the log or events file, as a warning (console + node.warning). */
  private warnWriting(message: string): void {
    const now = (this.options.now ?? Date.now)()
    const stream = this.options.events.kind === 'stdout' ? process.stderr : process.stdout
    if (this.options.console !== false && !stream.destroyed) stream.write(`${formatLogLine(now, this.options.node, `warning: ${message}`)}\n`)
    // Deferred: the hook runs inside a sink's flush.
    queueMicrotask(() => this.event(now, { type: 'node.warning', message: message.slice(0, 2000) }))
  }

  /** Flushes and closes the files; later lines and events are dropped. Idempotent. */
  close(): void {
    if (this.closed) return
    this.flush()
    this.closed = true
    for (const close of this.closers) close()
  }
}
