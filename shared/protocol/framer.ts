/**
 * Splits a byte stream into lines. Memory is bounded by `maxLineBytes`: a line longer
 * than that is reported once and its bytes are discarded up to the next line end, never
 * buffered. Invalid UTF-8 is reported per line. Empty lines are skipped.
 *
 * Compatibility profile (docs/protocol.md): a line ends at `\n`, at `\r\n` or at a lone
 * `\r` (a CR followed by LF is one line end, whichever chunks they arrive in, because the
 * empty line between them is skipped). At end of stream, `finish()` returns an unfinished
 * last line as a complete one, as other implementations of the assignment send their last
 * report with no newline before closing.
 * Pure: no I/O; the driver pushes chunks in and reads frames out.
 */

export type Frame =
  | { kind: 'line'; line: string }
  | { kind: 'error'; reason: 'line-too-long' | 'invalid-utf8'; detail: string }

const NEWLINE = 0x0a
const CR = 0x0d
/**
 * One decoder for every framer of the process: it decodes whole lines only (never in
 * streaming mode), so it holds no state between calls, and each one costs about 0.9 KB
 * of native memory (a node host holds thousands of connections).
 */
const decoder = new TextDecoder('utf-8', { fatal: true })

export class LineFramer {
  private parts: Uint8Array[] = []
  private buffered = 0
  /** True while discarding the rest of an over-long line. */
  private skipping = false

  constructor(readonly maxLineBytes: number) {}

  /** Bytes held for an unfinished line (always <= maxLineBytes). */
  get pendingBytes(): number {
    return this.buffered
  }

  push(chunk: Uint8Array): Frame[] {
    const frames: Frame[] = []
    let start = 0
    while (start < chunk.length) {
      const nl = nextLineEnd(chunk, start)
      if (nl !== -1 && this.buffered === 0 && !this.skipping) {
        // A whole line inside this chunk (the usual case): decoded in place, not copied.
        this.emit(chunk, start, nl, frames)
        start = nl + 1
        continue
      }
      const end = nl === -1 ? chunk.length : nl
      this.append(chunk.subarray(start, end), frames)
      if (nl === -1) break
      this.finishLine(frames)
      start = nl + 1
    }
    return frames
  }

  /** The line `chunk[start, end)`, with nothing buffered before it: the same frames append + finishLine give. */
  private emit(chunk: Uint8Array, start: number, end: number, frames: Frame[]): void {
    const length = end - start
    if (length === 0) return
    if (length > this.maxLineBytes) frames.push(this.tooLong())
    else pushDecoded(chunk.subarray(start, end), frames)
  }

  private tooLong(): Frame {
    return { kind: 'error', reason: 'line-too-long', detail: `line longer than ${this.maxLineBytes} bytes` }
  }

  /**
   * End of stream: the unfinished last line (if any) as a frame, exactly as if its line
   * end had arrived; an over-long one being discarded yields nothing more (it was
   * already reported). The framer is empty afterwards and can be reused.
   */
  finish(): Frame[] {
    const frames: Frame[] = []
    this.finishLine(frames)
    return frames
  }

  private append(bytes: Uint8Array, frames: Frame[]): void {
    if (this.skipping || bytes.length === 0) return
    if (this.buffered + bytes.length > this.maxLineBytes) {
      frames.push(this.tooLong())
      this.parts = []
      this.buffered = 0
      this.skipping = true
      return
    }
    // Copy: the caller may reuse its buffer.
    this.parts.push(bytes.slice())
    this.buffered += bytes.length
  }

  private finishLine(frames: Frame[]): void {
    if (this.skipping) {
      this.skipping = false
      return
    }
    let bytes: Uint8Array
    if (this.parts.length === 1) bytes = this.parts[0]!
    else {
      bytes = new Uint8Array(this.buffered)
      let offset = 0
      for (const part of this.parts) {
        bytes.set(part, offset)
        offset += part.length
      }
    }
    this.parts = []
    this.buffered = 0
    if (bytes.length > 0) pushDecoded(bytes, frames)
  }
}

/** A whole line's bytes as a `line` frame, or an `invalid-utf8` error frame. */
function pushDecoded(bytes: Uint8Array, frames: Frame[]): void {
  try {
    frames.push({ kind: 'line', line: decoder.decode(bytes) })
  } catch {
    frames.push({ kind: 'error', reason: 'invalid-utf8', detail: `invalid UTF-8 in a ${bytes.length}-byte line` })
  }
}

/** Index of the next `\n` or `\r` at or after `from`, or -1. */
function nextLineEnd(chunk: Uint8Array, from: number): number {
  for (let i = from; i < chunk.length; i++) {
    const b = chunk[i]
    if (b === NEWLINE || b === CR) return i
  }
  return -1
}
