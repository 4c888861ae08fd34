import type { GossipscopeApi } from '../../../shared/ipc'

declare global {
  interface Window {
    /** Set by the Electron preload; absent in a plain browser (the web host). */
    gossipscope?: GossipscopeApi
  }
}

export {}
