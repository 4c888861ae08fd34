import type { StateCreator } from 'zustand'
import type { EventType, SessionEvent } from '../../../shared/events'
import type { EventBatch, GossipscopeApi, HostStatus } from '../../../shared/ipc'
import type { NetworkState } from '../../../shared/model/network'
import type { Packing } from '../../../shared/packing'
import type { ProtocolSettings } from '../../../shared/settings'
import type { LogBuffer } from '../log/log-buffer'
import type { NetworkSummary } from './summary'

export interface Notice {
  id: number
  kind: 'info' | 'error'
  text: string
  /** What the notice is about, when a later action of the same kind replaces it ('import': opening files). */
  topic?: 'import'
}

export interface SessionSlice {
  api: GossipscopeApi | null
  status: HostStatus | null
  /** Settings used for the next New network and sent with Apply (nodes started later). */
  settings: ProtocolSettings
  /** How the next New network places nodes into processes. */
  packing: Packing
  notices: Notice[]
  setApi(api: GossipscopeApi): void
  setStatus(status: HostStatus): void
  setSettingsDraft(settings: ProtocolSettings): void
  setPackingDraft(packing: Packing): void
  notify(kind: Notice['kind'], text: string, topic?: Notice['topic']): void
  dismissNotice(id: number): void
  /** Removes the notices about `topic` (an earlier import's, when the next one starts). */
  clearNotices(topic: NonNullable<Notice['topic']>): void
}

/** The live fold, mutated in place: never put it in React state. */
export interface LiveHolder {
  state: NetworkState
  /** Events that arrived in batches, applied or not (a gossip.coverage item counts as the hops it folds). */
  received: number
  /** Events folded into `state`. */
  applied: number
  /** Events skipped because their seq was already applied (re-sent after a reconnect). */
  duplicates: number
  /** Missing seq ranges seen (an event arrived with seq > last + 1). */
  gaps: number
  /** ms since epoch (page clock) of the last batch with hops folded per message; null = none. */
  summarisedAt: number | null
}

/**
 * A page opened on a running session folds the session's history before it shows the
 * present: `to` is the host's last seq when the page said ready, `from` the page's own.
 */
export interface CatchUp {
  sessionId: string | null
  from: number
  to: number
}

export interface NetworkSlice {
  live: LiveHolder
  /** Bumped at most once per frame after live events were applied. */
  liveVersion: number
  /** Non-null while the live fold is behind the host's history (shown as loading, not LIVE). */
  catchUp: CatchUp | null
  ingest(batch: EventBatch): void
  resetLive(): void
  /** Called with the host's status before `ready`: starts a catch-up when the host is ahead. */
  startCatchUp(status: HostStatus): void
}

export type ViewMode = 'live' | 'replay'

export interface ViewSlice {
  mode: ViewMode
  /** The state the replay helper shows (mode 'replay'); null in live mode. */
  replayState: NetworkState | null
  /** Events of the replayed session for the log (null = use the live log up to replayState.seq). */
  replayLog: readonly SessionEvent[] | null
  /** Bumped whenever the displayed state changed (live bump in live mode, or a new replay state). */
  version: number
  /** Summary of the displayed state. */
  summary: NetworkSummary
  selected: string | null
  logNode: string | null
  logTypes: EventType[]
  /** Right panel tab id. */
  tab: string
  showReplayState(state: NetworkState, log?: readonly SessionEvent[]): void
  goLive(): void
  select(id: string | null): void
  setLogNode(node: string | null): void
  setLogTypes(types: EventType[]): void
  setTab(tab: string): void
}

export interface LogSlice {
  log: LogBuffer
  /** Bumped (throttled, a few times a second) after log entries were appended. */
  logVersion: number
}

export type AppState = SessionSlice & NetworkSlice & ViewSlice & LogSlice
export type Slice<T> = StateCreator<AppState, [], [], T>

/** Injected timing, so tests can drive throttling by hand. */
export interface StoreTiming {
  /** Next animation frame. */
  frame: (callback: () => void) => void
  /** Slower cadence for the log panel (default ~200 ms). */
  slow: (callback: () => void) => void
}
