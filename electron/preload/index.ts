import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import { PUSH_CHANNELS, channelOf, type ApiMethod, type MenuCommand } from '../../shared/ipc-channels'
import type { EventBatch, GossipscopeApi, HostStatus } from '../../shared/ipc'

/**
 * The renderer's API in the desktop app: `window.gossipscope`, verbs only. ipcRenderer
 * itself is never exposed; each verb invokes its own channel, and listeners receive the
 * payload without the IPC event. Imports only the dependency-free channel list: a
 * sandboxed preload cannot load packages.
 */

function invoke<T>(method: ApiMethod, ...args: unknown[]): Promise<T> {
  return ipcRenderer.invoke(channelOf(method), ...args) as Promise<T>
}

function subscribe<T>(channel: string, listener: (payload: T) => void): () => void {
  const wrapped = (_event: IpcRendererEvent, payload: T): void => listener(payload)
  ipcRenderer.on(channel, wrapped)
  return () => {
    ipcRenderer.removeListener(channel, wrapped)
  }
}

const api: GossipscopeApi = {
  getStatus: () => invoke('getStatus'),
  startNetwork: (request) => invoke('startNetwork', request),
  stopNetwork: () => invoke('stopNetwork'),
  addSeed: () => invoke('addSeed'),
  addPeers: (count) => invoke('addPeers', count),
  runScenario: (scenario) => invoke('runScenario', scenario),
  killNode: (id) => invoke('killNode', id),
  stopNode: (id) => invoke('stopNode', id),
  pauseNode: (id) => invoke('pauseNode', id),
  resumeNode: (id) => invoke('resumeNode', id),
  restartNode: (id) => invoke('restartNode', id),
  killProcess: (id) => invoke('killProcess', id),
  setSettings: (settings) => invoke('setSettings', settings),
  exportSession: (request) => invoke('exportSession', request),
  listSessions: () => invoke('listSessions'),
  loadSession: (id, from) => (from ? invoke('loadSession', id, from) : invoke('loadSession', id)),
  nodeLog: (id) => invoke('nodeLog', id),
  ready: (fromSeq) => invoke('ready', fromSeq),
  setConditions: (update) => invoke('setConditions', update),
  partition: (request) => invoke('partition', request),
  heal: (request) => invoke('heal', request),
  onEvents: (listener: (batch: EventBatch) => void) => subscribe(PUSH_CHANNELS.events, listener),
  onStatus: (listener: (status: HostStatus) => void) => subscribe(PUSH_CHANNELS.status, listener),
  onMenu: (listener: (command: MenuCommand) => void) => subscribe(PUSH_CHANNELS.menu, listener),
}

contextBridge.exposeInMainWorld('gossipscope', api)
