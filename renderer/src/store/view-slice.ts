import { summarize, EMPTY_SUMMARY } from './summary'
import type { Slice, ViewSlice } from './types'

/** What is displayed (live or a replayed moment), selection, log filters, panel tab. */
export const createViewSlice: Slice<ViewSlice> = (set, get) => ({
  mode: 'live',
  replayState: null,
  replayLog: null,
  version: 0,
  summary: EMPTY_SUMMARY,
  selected: null,
  logNode: null,
  logTypes: [],
  tab: 'log',
  showReplayState: (state, log) =>
    set({
      mode: 'replay',
      replayState: state,
      replayLog: log ?? null,
      version: get().version + 1,
      summary: summarize(state),
    }),
  goLive: () =>
    set({
      mode: 'live',
      replayState: null,
      replayLog: null,
      version: get().version + 1,
      summary: summarize(get().live.state),
    }),
  select: (id) => set({ selected: id }),
  setLogNode: (logNode) => set({ logNode }),
  setLogTypes: (logTypes) => set({ logTypes }),
  setTab: (tab) => set({ tab }),
})
