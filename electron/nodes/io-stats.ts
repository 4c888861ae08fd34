/**
 * Counts of the work a node process does per hop, kept for all nodes of the process
 * together: calls and bytes of socket reads and writes and of log/events file writes,
 * events and log lines made. Plain increments (no clock, no allocation), always on; the
 * node host reports them on request (host-protocol.ts `stats`) and `bench:nodes` divides
 * them by the hops of a run.
 */
export interface IoCounts {
  /** Machine inputs handled (lines, ticks, connects...). */
  inputs: number
  /** 'data' chunks read from sockets, and their bytes. */
  socketReads: number
  socketReadBytes: number
  /** Lines queued on sockets, and the flushes that hand them to the OS (one write or writev each). */
  socketLines: number
  socketFlushes: number
  socketWriteBytes: number
  /** writeSync calls on log and events files, and their bytes. */
  fileWrites: number
  fileWriteBytes: number
  /** Events stamped and log lines formatted. */
  events: number
  logLines: number
}

export const ioCounts: IoCounts = {
  inputs: 0,
  socketReads: 0,
  socketReadBytes: 0,
  socketLines: 0,
  socketFlushes: 0,
  socketWriteBytes: 0,
  fileWrites: 0,
  fileWriteBytes: 0,
  events: 0,
  logLines: 0,
}
