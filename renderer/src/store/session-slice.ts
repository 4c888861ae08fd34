import { DEFAULT_SETTINGS, type ProtocolSettings } from '../../../shared/settings'
import { DEFAULT_PACKING } from '../../../shared/packing'
import type { SessionSlice, Slice } from './types'

/** Defaults of a new network from the UI: the protocol's, 5x faster so it is watchable. */
export const UI_DEFAULT_SETTINGS: ProtocolSettings = { ...DEFAULT_SETTINGS, timeScale: 0.2 }

/** Most notices kept on screen; older ones are dropped. */
const MAX_NOTICES = 4

export const createSessionSlice: Slice<SessionSlice> = (set, get) => {
  let nextNotice = 1
  return {
    api: null,
    status: null,
    settings: UI_DEFAULT_SETTINGS,
    packing: DEFAULT_PACKING,
    notices: [],
    setApi: (api) => set({ api }),
    // A status of another session, or one behind the catch-up's target (a new session
    // started): that history will never arrive, so the page is not loading it any more.
    setStatus: (status) => {
      const catchUp = get().catchUp
      const stale = catchUp !== null && (status.sessionId !== catchUp.sessionId || status.lastSeq < catchUp.to)
      set(stale ? { status, catchUp: null } : { status })
    },
    setSettingsDraft: (settings) => set({ settings }),
    setPackingDraft: (packing) => set({ packing }),
    notify: (kind, text, topic) => set({ notices: [...get().notices, { id: nextNotice++, kind, text, ...(topic ? { topic } : {}) }].slice(-MAX_NOTICES) }),
    dismissNotice: (id) => set({ notices: get().notices.filter((n) => n.id !== id) }),
    clearNotices: (topic) => set({ notices: get().notices.filter((n) => n.topic !== topic) }),
  }
}
