import type { GossipscopeApi } from '../../../shared/ipc'
import { createWebClient } from './web-client'

/**
 * The API for this page: the Electron preload's `window.gossipscope` in the desktop app,
 * otherwise a WebSocket client of the web host that served the page. One instance.
 */

let api: GossipscopeApi | null = null

export function getApi(): GossipscopeApi {
  api ??= window.gossipscope ?? createWebClient()
  return api
}

export { createWebClient } from './web-client'
export type { WebClient, WebClientOptions } from './web-client'
