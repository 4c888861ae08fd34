import type { ExportQueueStatus } from '../../shared/ipc'

/**
 * Exports run one at a time, in the order asked (each reads and compresses a whole
 * session: several at once multiplied the host's memory). A job asked while another runs
 * waits; its place shows in the host status (HostStatus.exports), so a client can say it is
 * queued. A failed job does not stop the ones behind it.
 */
export class ExportQueue {
  private tail: Promise<unknown> = Promise.resolve()
  private readonly counts: ExportQueueStatus = { running: 0, waiting: 0, finished: 0 }

  /** `onChange` is called whenever a job is queued, starts or ends. */
  constructor(private readonly onChange: () => void = () => undefined) {}

  get status(): ExportQueueStatus {
    return { ...this.counts }
  }

  /** Runs `job` after every job queued before it; resolves or rejects as it does. */
  run<T>(job: () => Promise<T>): Promise<T> {
    this.counts.waiting++
    this.onChange()
    const result = this.tail.then(async () => {
      this.counts.waiting--
      this.counts.running++
      this.onChange()
      try {
        return await job()
      } finally {
        this.counts.running--
        this.counts.finished++
        this.onChange()
      }
    })
    this.tail = result.catch(() => undefined)
    return result
  }
}
