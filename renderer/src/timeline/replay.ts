import { createStore, useStore } from 'zustand'
import type { OpenedSession } from '../../../shared/archive/open'
import type { SessionEvent } from '../../../shared/events'
import type { SessionCursor } from '../../../shared/ipc'
import type { NetworkState } from '../../../shared/model/network'
import { ReplayIndex } from '../../../shared/model/timeline'
import { batchStart } from '../../../shared/model/coverage'
import { app } from '../store'
import { runInSlices } from '../../../shared/slices'
import { MarkerIndex } from '../../../shared/analysis/markers'

/**
 * Replay: the session's events in a ReplayIndex (shared/model/timeline), a cursor, and
 * play/step/seek that hand the state at the cursor to the app store (showReplayState), so
 * the graph, counters, selection and log show that moment. Two sources:
 * - 'live': the running session, appended as batches arrive (its history loaded with
 *   `loadSession` when this page missed the start);
 * - 'file': a recording opened from disk (shared/archive), with no nodes running.
 * The index and the current state are mutable and live outside React; the small store
 * below holds only what the timeline draws.
 */

export const SPEEDS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 25, 50] as const

/**
 * Most events the replay index holds (about 200 MB of heap at 1M events, see the replay
 * benchmark). A longer session is opened partly, from its start, with a notice; the live
 * graph and counters are not affected.
 */
export const MAX_REPLAY_EVENTS = 1_000_000

/**
 * Where the replay's events came from, for every view derived from them to say what it was
 * computed from: the live session, or a recording with the files used and skipped and the
 * clock offsets applied when node files were merged.
 */
export type Provenance =
  | { kind: 'live'; sessionId: string | null }
  | {
      kind: 'file'
      name: string
      /** 'session': one recorded session; 'merged': node events files merged. */
      format: 'session' | 'merged'
      /** Files read, files picked but not read (with why), and files that had unreadable parts. */
      used: string[]
      skipped: Array<{ file: string; why: string }>
      withProblems: string[]
      /** Merged files: node id -> ms added to its clock (non-zero only). */
      offsets: Array<[string, number]>
      /** Events are missing (a file not read, unreadable lines): every figure is partial. */
      incomplete: boolean
    }

export interface ReplayUi {
  source: 'live' | 'file'
  /** Name of the opened recording (source 'file'). */
  name: string | null
  /** Bumped whenever the index is replaced (a new session, a recording opened, back to live). */
  generation: number
  provenance: Provenance
  /** Bumped when events were appended (throttled to a frame). */
  version: number
  /** seq and time (ms since epoch) of the displayed moment; null = following live. */
  cursorSeq: number | null
  cursorT: number | null
  playing: boolean
  speed: number
}

export const replayUi = createStore<ReplayUi>()(() => ({
  source: 'live',
  name: null,
  generation: 0,
  provenance: { kind: 'live', sessionId: null },
  version: 0,
  cursorSeq: null,
  cursorT: null,
  playing: false,
  speed: 1,
}))

export function useReplay<T>(selector: (s: ReplayUi) => T): T {
  return useStore(replayUi, selector)
}

/**
 * A recording is indexed INDEX_STEP events at a time, and the page is given back whenever
 * INDEX_SLICE_MS have passed (a step is a few ms; one with a snapshot of thousands of
 * nodes, tens of ms).
 */
const INDEX_STEP = 1_000
const INDEX_SLICE_MS = 50

/** ms between two timeline re-renders caused by appended events (the log panel's cadence). */
const BUMP_INTERVAL_MS = 200

/** Indexes `events` INDEX_STEP at a time, yielding how many are indexed after each step. */
function* indexSteps(events: readonly SessionEvent[], index: ReplayIndex, markers: MarkerIndex): Generator<number, void> {
  for (let i = 0; i < events.length; i += INDEX_STEP) {
    const step = events.slice(i, i + INDEX_STEP)
    index.append(step)
    markers.add(step)
    yield index.length
  }
}

class Replay {
  index = new ReplayIndex()
  markers = new MarkerIndex()
  private state: NetworkState | null = null
  private bumpQueued = false
  private frame: number | null = null
  private lastFrameAt = 0
  private loadingHistory = false
  private fullNoticed = false
  /** Batches that arrived while the history was loading, appended after it. */
  private pending: SessionEvent[] = []

  /** Live batches: extend the live index (a new session restarts it). */
  appendLive(events: readonly SessionEvent[]): void {
    if (replayUi.getState().source !== 'live' || events.length === 0) return
    // A batch with gossip.coverage items starts before its first item (shared/model/coverage.ts).
    const first = { seq: batchStart(events) }
    if (first.seq === 1 && this.index.lastSeq > 0) this.reset()
    if (this.loadingHistory) {
      for (const event of events) this.pending.push(event)
      return
    }
    if (first.seq > this.index.lastSeq + 1) {
      void this.loadHistory()
      return
    }
    this.append(events)
  }

  private append(events: readonly SessionEvent[]): void {
    const before = this.index.length
    const room = MAX_REPLAY_EVENTS - before
    if (room <= 0) return this.full()
    this.index.append(events.length > room ? events.slice(0, room) : events)
    if (events.length > room) this.full()
    if (this.index.length > before) this.markers.add(this.index.events.slice(before))
    this.bump()
  }

  /** The page started after the session did: fetch what it missed. */
  private async loadHistory(): Promise<void> {
    const { api, status } = app.store.getState()
    if (this.loadingHistory || !api || !status?.sessionId) return
    this.loadingHistory = true
    try {
      // In chunks: a long recording never travels as one message, and reading stops at the bound.
      let from: SessionCursor | undefined
      do {
        const result = await api.loadSession(status.sessionId, from)
        if (!result.ok) {
          app.store.getState().notify('error', `Could not load the session's history: ${result.error}`)
          break
        }
        if (result.warnings?.length) app.store.getState().notify('error', `Session history: ${result.warnings.slice(0, 3).join('; ')}`)
        if (replayUi.getState().source !== 'live') break
        this.append(result.value.events)
        from = result.value.next ?? undefined
      } while (from && this.index.length < MAX_REPLAY_EVENTS)
    } catch (error) {
      app.store.getState().notify('error', `Could not load the session's history: ${error instanceof Error ? error.message : String(error)}`)
    } finally {
      this.loadingHistory = false
      const pending = this.pending
      this.pending = []
      if (replayUi.getState().source === 'live') this.append(pending)
    }
  }

  /** The index reached MAX_REPLAY_EVENTS: said once per session. */
  private full(): void {
    if (this.fullNoticed) return
    this.fullNoticed = true
    app.store
      .getState()
      .notify('error', `This session has more than ${MAX_REPLAY_EVENTS.toLocaleString('en')} events: the timeline and replay hold the first ${MAX_REPLAY_EVENTS.toLocaleString('en')} only.`)
  }

  private reset(): void {
    this.fullNoticed = false
    this.pause()
    this.index = new ReplayIndex()
    this.markers = new MarkerIndex()
    this.state = null
    replayUi.setState((s) => ({ cursorSeq: null, cursorT: null, generation: s.generation + 1 }))
  }

  /**
   * Tells the timeline the index grew. Coalesced to at most one re-render per
   * BUMP_INTERVAL_MS: the strip and readout are read, not watched, and recomputing the
   * markers on every animation frame of a 10k events/s stream was the timeline's main cost.
   */
  private bump(): void {
    if (this.bumpQueued) return
    this.bumpQueued = true
    setTimeout(() => {
      this.bumpQueued = false
      replayUi.setState((s) => ({ version: s.version + 1 }))
    }, BUMP_INTERVAL_MS)
  }

  /**
   * Opens a recording: replay it from its end, no nodes involved. The replay index is built
   * in slices of about INDEX_SLICE_MS with the page free in between (`onProgress`: events
   * indexed); the view switches to it only when it is whole. Resolves false, with
   * nothing changed, when `cancelled()` became true first.
   */
  async openRecording(
    opened: OpenedSession,
    files: { used: string[]; skipped: Array<{ file: string; why: string }>; withProblems: string[] } = { used: [], skipped: [], withProblems: [] },
    steps: { onProgress?: (indexed: number) => void; cancelled?: () => boolean } = {},
  ): Promise<boolean> {
    const events = opened.events.length > MAX_REPLAY_EVENTS ? opened.events.slice(0, MAX_REPLAY_EVENTS) : opened.events
    const index = new ReplayIndex()
    const markers = new MarkerIndex()
    const indexed = await runInSlices(indexSteps(events, index, markers), { sliceMs: INDEX_SLICE_MS, onProgress: steps.onProgress, cancelled: steps.cancelled })
    if (indexed === null) return false
    if (steps.cancelled?.()) return false
    this.reset()
    const offsets = [...(opened.offsets ?? [])].filter(([, ms]) => ms !== 0)
    const incomplete = opened.incomplete || events !== opened.events
    replayUi.setState({ source: 'file', name: opened.name, provenance: { kind: 'file', name: opened.name, format: opened.kind, ...files, offsets, incomplete } })
    if (events !== opened.events) this.full()
    this.index = index
    this.markers = markers
    this.bump()
    this.seekSeq(this.index.lastSeq)
    return true
  }

  seekSeq(seq: number): void {
    if (this.index.length === 0) return
    const target = Math.max(0, Math.min(seq, this.index.lastSeq))
    this.state = this.state ? this.index.advance(this.state, target) : this.index.stateAt(target)
    const n = this.index.countUpToSeq(target)
    const t = n > 0 ? this.index.events[n - 1]!.t : this.index.startT
    this.show(t)
  }

  seekTime(t: number): void {
    if (this.index.length === 0) return
    const seq = this.index.seqAtTime(t)
    this.state = this.state ? this.index.advance(this.state, seq) : this.index.stateAt(seq)
    this.show(t)
  }

  private show(t: number): void {
    const state = this.state!
    const source = replayUi.getState().source
    replayUi.setState({ cursorSeq: state.seq, cursorT: t })
    app.store.getState().showReplayState(state, source === 'file' ? this.index.events : undefined)
  }

  /** One event forward (+1) or back (-1). */
  step(direction: 1 | -1): void {
    this.pause()
    const { cursorSeq } = replayUi.getState()
    const current = cursorSeq ?? this.index.lastSeq
    const position = this.index.countUpToSeq(current) // events shown
    const next = direction === 1 ? this.index.events[position] : this.index.events[position - 2]
    if (direction === -1 && position <= 1) return this.seekSeq(0)
    if (next) this.seekSeq(next.seq)
  }

  play(): void {
    if (this.index.length === 0) return
    const { cursorT, cursorSeq } = replayUi.getState()
    // Playing from live or from the end starts over from the beginning.
    if (cursorT === null || cursorSeq === null || cursorSeq >= this.index.lastSeq) this.seekSeq(0)
    replayUi.setState({ playing: true })
    this.lastFrameAt = performance.now()
    const tick = (now: number): void => {
      const { playing, speed, cursorT: t } = replayUi.getState()
      if (!playing) return
      const next = (t ?? this.index.startT) + (now - this.lastFrameAt) * speed
      this.lastFrameAt = now
      this.seekTime(next)
      if (next >= this.index.endT) {
        this.pause()
        return
      }
      this.frame = requestAnimationFrame(tick)
    }
    this.frame = requestAnimationFrame(tick)
  }

  pause(): void {
    if (this.frame !== null) cancelAnimationFrame(this.frame)
    this.frame = null
    if (replayUi.getState().playing) replayUi.setState({ playing: false })
  }

  togglePlay(): void {
    if (replayUi.getState().playing) this.pause()
    else this.play()
  }

  /** Back to the running network; an opened recording is closed. */
  goLive(): void {
    this.pause()
    const wasFile = replayUi.getState().source === 'file'
    if (wasFile) {
      this.index = new ReplayIndex()
      this.markers = new MarkerIndex()
      replayUi.setState((s) => ({ source: 'live', name: null, generation: s.generation + 1, provenance: { kind: 'live', sessionId: app.store.getState().status?.sessionId ?? null } }))
      void this.loadHistory()
    }
    this.state = null
    replayUi.setState({ cursorSeq: null, cursorT: null })
    app.store.getState().goLive()
  }
}

export const replay = new Replay()
