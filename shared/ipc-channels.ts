/**
 * The API's names, with no runtime dependencies: the sandboxed preload imports this file
 * (it cannot load packages such as zod). `shared/ipc.ts` re-exports everything here.
 */

/** IPC channel names (Electron) and WebSocket request names (web host): one list. */
export const API_METHODS = [
  'getStatus',
  'startNetwork',
  'stopNetwork',
  'addSeed',
  'addPeers',
  'killNode',
  'stopNode',
  'pauseNode',
  'resumeNode',
  'restartNode',
  'killProcess',
  'setSettings',
  'exportSession',
  'listSessions',
  'loadSession',
  'nodeLog',
  'runScenario',
  'ready',
  'setConditions',
  'partition',
  'heal',
] as const
export type ApiMethod = (typeof API_METHODS)[number]

/** Methods that resolve with a plain value and reject on a bad argument or a lost connection. */
const PLAIN_METHODS: ReadonlySet<ApiMethod> = new Set<ApiMethod>(['getStatus', 'listSessions', 'ready'])

/**
 * Methods whose reply is a `Result`: a bad argument or a lost connection is answered
 * `{ok:false, error}`. The others (PLAIN_METHODS) reject instead.
 */
export const RESULT_METHODS: ReadonlySet<ApiMethod> = new Set(API_METHODS.filter((m) => !PLAIN_METHODS.has(m)))

/** Application-menu commands the renderer acts on (its dialogs own the details). */
export const MENU_COMMANDS = ['new-network', 'export', 'open-session'] as const
export type MenuCommand = (typeof MENU_COMMANDS)[number]

export const PUSH_CHANNELS = { events: 'gossipscope:events', status: 'gossipscope:status', menu: 'gossipscope:menu' } as const
export const channelOf = (method: ApiMethod): string => `gossipscope:${method}`
