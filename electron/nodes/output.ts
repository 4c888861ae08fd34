import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import type { NodeId } from '../../shared/address'
import type { NodeEvent, NodeEventBody } from '../../shared/events'
import { eventLineWriter, formatLogLine, stampEvent } from './format'
import { type EventsDetail, keepsEvent } from './events-detail'
import type { EventsTarget } from './resolve'
import { AppendFile, type AppendFileHooks, type AppendFs } from './append-file'
import { ioCounts } from './io-stats'

/**
 * Where a node's log lines and events go. Lines are batched and written once per turn of
 * the event loop (or when 256 KiB are pending), so a burst of gossip costs one write per
 * sink rather than one per line; `flush()` writes synchronously (used before exit).
 */

const FLUSH_BYTES = 256 * 1024

type Writer = (text: string) => void

class BatchedSink {
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

/**
 * Appends whole lines to a file (AppendFile): a full disk never leaves a torn line, is
 * reported at once through `hooks`, and writing resumes when space returns.
 */
function fileWriter(path: string, hooks: AppendFileHooks, fs?: AppendFs): { write: Writer; close: () => void } {
  mkdirSync(dirname(path), { recursive: true })
  const file = new AppendFile(path, hooks, fs)
  const write = (text: string) => {
    ioCounts.fileWrites++
    ioCounts.fileWriteBytes += text.length
    file.write(text)
  }
  return { write, close: () => file.close() }
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
  private readonly sinks: BatchedSink[] = []
  private readonly logSinks: BatchedSink[]
  private readonly eventSink: BatchedSink | null
  /** The event sink is a live stream (stdout) filtered by `detail`, not a file. */
  private readonly eventSinkLive: boolean
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
    const hooks: AppendFileHooks = {
      onProblem: (message) => this.warnWriting(message),
      onResumed: (message) => this.warnWriting(message),
    }
    const logFile = fileWriter(options.logPath, hooks, options.fs)
    this.closers.push(logFile.close)
    const consoleStream = options.events.kind === 'stdout' ? process.stderr : process.stdout
    this.logSinks = [new BatchedSink(logFile.write)]
    if (options.console !== false) this.logSinks.push(new BatchedSink(streamWriter(consoleStream)))
    this.detail = options.detail ?? 'full'
    this.eventSinkLive = options.events.kind === 'stdout'
    this.sinks.push(...this.logSinks)
    switch (options.events.kind) {
      case 'file': {
        const file = fileWriter(options.events.path, hooks, options.fs)
        this.closers.push(file.close)
        this.eventSink = new BatchedSink(file.write)
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
    if (this.eventSink && (live || !this.eventSinkLive)) this.eventSink.writeLine(this.eventLine(now, body))
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
