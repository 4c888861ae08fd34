import type { Address } from '../address'
import type { NodeEventBody } from '../events'
import type { ScaledIntervals, Topology } from '../settings'

/**
 * The contract between a protocol state machine (seed or peer) and whatever drives it:
 * the TCP driver in electron/nodes or the in-memory network in shared/sim.
 *
 * A machine never performs I/O, reads a clock or draws randomness of its own. The driver
 * feeds it inputs, each carrying `now` (ms since epoch, never decreasing), and performs
 * the effects it returns, in order. Between inputs the driver must call `handle({type:
 * 'tick'})` no later than `nextWakeAt()` (null = nothing scheduled).
 *
 * Connections are named by opaque string ids: the machine names the connections it dials
 * (in `connect` effects), the driver names the ones it accepts (in `accepted` inputs).
 * The two namespaces must not collide: machines use `o<n>`, drivers `i<n>`.
 */
export type ConnId = string

export type MachineInput =
  | { type: 'start'; now: number }
  | { type: 'tick'; now: number }
  /** A connection this machine asked for is open. */
  | { type: 'connected'; now: number; conn: ConnId }
  /**
   * A connection this machine asked for could not be opened; no `closed` follows.
   * `timedOut`: nothing answered within the driver's connect timeout (a remote that is cut
   * off, or a host too busy to complete the dial in time), as opposed to a refusal or reset
   * (nothing listens there); absent = false.
   */
  | { type: 'connect-failed'; now: number; conn: ConnId; reason: string; timedOut?: boolean }
  /** A remote connected to our listening port; `remote` is its source address. */
  | { type: 'accepted'; now: number; conn: ConnId; remote: Address }
  /** A complete line arrived (framing and UTF-8 already checked by the driver). */
  | { type: 'line'; now: number; conn: ConnId; line: string }
  /** Bytes on a connection could not be framed (too long, invalid UTF-8). */
  | { type: 'frame-error'; now: number; conn: ConnId; reason: string }
  /** The connection is gone (remote closed, reset, or a `close` effect completed). */
  | { type: 'closed'; now: number; conn: ConnId }
  /** Clean shutdown requested (SIGTERM, SIGINT): say goodbye, close links. */
  | { type: 'stop'; now: number }
  /**
   * The config's current seed list, fed again whenever config.txt changes while the node
   * runs (added after the first release: drivers that never send it keep the old
   * behaviour). Seeds: ignored. Peers: each seed not known yet gets a report channel
   * (`Hello`, then `Dead Node` reports) once the peer has joined; seeds no longer listed
   * are left as they are (registration and report channels stay). Duplicates, the peer's
   * own address and malformed entries are skipped; it never throws.
   */
  | { type: 'seeds'; now: number; seeds: Address[] }

export type Effect =
  | { type: 'connect'; conn: ConnId; to: Address }
  | { type: 'send'; conn: ConnId; line: string }
  | { type: 'close'; conn: ConnId }
  /** A human-readable log line (the driver adds time and `IP:PORT` tag, writes console + file). */
  | { type: 'log'; text: string }
  /** A node event; the driver stamps `v`, `t` (= now) and `node`. */
  | { type: 'event'; event: NodeEventBody }
  /** The node should exit (after a `stop`, or on an unrecoverable condition). */
  | { type: 'exit'; code: number; reason: string }

export interface Machine {
  handle(input: MachineInput): Effect[]
  /** Earliest time (ms since epoch) the machine wants a `tick`, or null. */
  nextWakeAt(): number | null
}

/** What every machine is built from. */
export interface MachineDeps {
  /** This node's listening address. */
  self: Address
  /** Seeds from config.txt. */
  seeds: readonly Address[]
  /** Uniform in [0, 1); seeded by the driver (see rng.ts) so runs are reproducible. */
  random: () => number
  /** SHA-256 of a UTF-8 string, lower-case hex. Injected: Node's crypto in nodes and sim. */
  sha256: (text: string) => string
  /**
   * This process's incarnation, ms since epoch it started (sent in `Register` and
   * `Hello`); default: `now` of the `start` input. A restart at the same address must
   * use a larger value (a later start time does).
   */
  incarnation?: number
}

export interface PeerOptions {
  intervals: ScaledIntervals
  gossipCount: number
  livenessMisses: number
  maxLinks: number
  topology: Topology
}

export interface SeedOptions {
  /**
   * How long (ms) a seed waits for the reported peer to answer its own liveness probe
   * before accepting a Dead Node report. If the peer answers, the report was false.
   */
  verifyTimeoutMs: number
  /**
   * Accepted connections the driver holds at most (default 1024, the node driver's cap).
   * The seed keeps the last REGISTRATION_RESERVE of them for registrations.
   */
  maxConnections?: number
}
