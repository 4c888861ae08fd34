import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'

/**
 * What the web host costs while pages watch (`--stats MS`, read by `bench:ui --real`):
 * bytes of pushes sent to pages and the host's event-loop delay, one JSON line on stdout
 * every interval: {"stats":{"t":<ms since epoch>,"pushBytes":<since start>,"pushes":<since
 * start>,"lagP50Ms","lagP99Ms","lagMaxMs"}} with the delay over that interval only.
 */
export class PushStats {
  /** UTF-16 code units of JSON pushed to pages (bytes for ASCII, which event JSON is). */
  pushBytes = 0
  pushes = 0
  private histogram: IntervalHistogram | null = null
  private timer: ReturnType<typeof setInterval> | null = null

  count(text: string): void {
    this.pushBytes += text.length
    this.pushes++
  }

  /** Starts printing one line per `intervalMs` with `write`. */
  start(intervalMs: number, write: (line: string) => void): void {
    this.histogram = monitorEventLoopDelay({ resolution: 10 })
    this.histogram.enable()
    this.timer = setInterval(() => write(`${JSON.stringify({ stats: this.take() })}\n`), intervalMs)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.histogram?.disable()
  }

  private take(): Record<string, number> {
    const h = this.histogram!
    const ms = (ns: number): number => Math.round(ns / 1e4) / 100
    const line = { t: Date.now(), pushBytes: this.pushBytes, pushes: this.pushes, lagP50Ms: ms(h.percentile(50)), lagP99Ms: ms(h.percentile(99)), lagMaxMs: ms(h.max) }
    h.reset()
    return line
  }
}
