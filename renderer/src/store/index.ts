import { createStore, useStore, type StoreApi } from 'zustand'
import type { NetworkState } from '../../../shared/model/network'
import { AppliedEvents } from './applied-events'
import { createNetworkSlice } from './network-slice'
import { rafScheduler } from './scheduler'
import { createSessionSlice } from './session-slice'
import type { AppState, StoreTiming } from './types'
import { createViewSlice } from './view-slice'

export type { AppState } from './types'

export interface AppStore {
  store: StoreApi<AppState>
  /** Events just folded into the displayed state, for animations. */
  applied: AppliedEvents
}

export const browserTiming: StoreTiming = {
  frame: rafScheduler,
  slow: (callback) => setTimeout(callback, 200),
}

/** One store built from slices. Tests create their own with manual timing. */
export function createAppStore(timing: StoreTiming = browserTiming): AppStore {
  const applied = new AppliedEvents()
  const store = createStore<AppState>()((set, get, api) => ({
    ...createSessionSlice(set, get, api),
    ...createNetworkSlice(set, get, timing, applied),
    ...createViewSlice(set, get, api),
  }))
  return { store, applied }
}

/** The state the user is looking at: live, or the moment the replay shows. */
export function displayedState(state: AppState): NetworkState {
  return state.mode === 'replay' && state.replayState ? state.replayState : state.live.state
}

/** The app's store. */
export const app = createAppStore()

export function useApp<T>(selector: (state: AppState) => T): T {
  return useStore(app.store, selector)
}
