/**
 * The part of Electron's API that Gossipscope's Electron files use (electron/main/*.ts,
 * electron/preload/index.ts), for type-checking where the `electron` package is not
 * installed: it is an optional dependency, and npm removes it when its binary cannot be
 * downloaded (no GitHub access). tsconfig.node.json maps `electron` to
 * node_modules/electron first and to this file only when that is missing, so wherever
 * Electron is installed the code is checked against its real electron.d.ts.
 *
 * Keep it a strict subset of the real declarations (same names, same shapes, fewer
 * members): a use that type-checks here must type-check against electron.d.ts. When an
 * Electron file needs more of the API, add exactly that here. Not for runtime: the app
 * loads the real module; tests mock it.
 */

type Listener = (...args: any[]) => void

export interface IpcMainInvokeEvent {
  readonly sender: WebContents
  readonly senderFrame: WebFrameMain | null
}

export interface WebFrameMain {
  readonly parent: WebFrameMain | null
  readonly url: string
}

export interface IpcMain {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: any[]) => Promise<any> | any): void
  removeHandler(channel: string): void
}

export interface IpcRendererEvent {
  readonly sender: IpcRenderer
}

export interface IpcRenderer {
  invoke(channel: string, ...args: any[]): Promise<any>
  on(channel: string, listener: (event: IpcRendererEvent, ...args: any[]) => void): this
  removeListener(channel: string, listener: (...args: any[]) => void): this
}

export interface ContextBridge {
  exposeInMainWorld(apiKey: string, api: any): void
}

export interface HandlerDetails {
  url: string
}

export type WindowOpenHandlerResponse = { action: 'deny' } | { action: 'allow' }

export interface ElectronEvent {
  preventDefault(): void
}

export interface WebContents {
  readonly id: number
  send(channel: string, ...args: any[]): void
  isDestroyed(): boolean
  setWindowOpenHandler(handler: (details: HandlerDetails) => WindowOpenHandlerResponse): void
  on(event: 'will-navigate' | 'will-redirect', listener: (event: ElectronEvent, url: string) => void): this
  on(event: 'will-attach-webview', listener: (event: ElectronEvent) => void): this
  once(event: 'destroyed', listener: () => void): this
}

export interface OnHeadersReceivedListenerDetails {
  responseHeaders?: Record<string, string[]>
}

export interface HeadersReceivedResponse {
  cancel?: boolean
  responseHeaders?: Record<string, string | string[]>
}

export interface WebRequest {
  onHeadersReceived(listener: (details: OnHeadersReceivedListenerDetails, callback: (response: HeadersReceivedResponse) => void) => void): void
}

export interface Session {
  readonly webRequest: WebRequest
  setPermissionRequestHandler(handler: ((webContents: WebContents, permission: string, callback: (permissionGranted: boolean) => void) => void) | null): void
}

export interface WebPreferences {
  preload?: string
  contextIsolation?: boolean
  sandbox?: boolean
  nodeIntegration?: boolean
  nodeIntegrationInWorker?: boolean
  webSecurity?: boolean
  allowRunningInsecureContent?: boolean
  webviewTag?: boolean
  spellcheck?: boolean
}

export interface BrowserWindowConstructorOptions {
  width?: number
  height?: number
  minWidth?: number
  minHeight?: number
  show?: boolean
  title?: string
  backgroundColor?: string
  webPreferences?: WebPreferences
}

export declare class BrowserWindow {
  constructor(options?: BrowserWindowConstructorOptions)
  readonly webContents: WebContents
  on(event: 'closed', listener: () => void): this
  once(event: 'ready-to-show', listener: () => void): this
  show(): void
  focus(): void
  restore(): void
  isMinimized(): boolean
  loadURL(url: string): Promise<void>
  loadFile(filePath: string): Promise<void>
}

export interface MenuItemConstructorOptions {
  label?: string
  accelerator?: string
  type?: 'normal' | 'separator' | 'submenu' | 'checkbox' | 'radio'
  role?: 'quit' | 'reload' | 'forceReload' | 'toggleDevTools' | 'resetZoom' | 'zoomIn' | 'zoomOut' | 'togglefullscreen'
  click?: () => void
  submenu?: MenuItemConstructorOptions[]
}

export declare class Menu {
  static buildFromTemplate(template: MenuItemConstructorOptions[]): Menu
  static setApplicationMenu(menu: Menu | null): void
}

export interface FileFilter {
  name: string
  extensions: string[]
}

export interface SaveDialogOptions {
  title?: string
  defaultPath?: string
  filters?: FileFilter[]
}

export interface SaveDialogReturnValue {
  canceled: boolean
  filePath: string
}

export interface Dialog {
  showSaveDialog(window: BrowserWindow, options: SaveDialogOptions): Promise<SaveDialogReturnValue>
  showSaveDialog(options: SaveDialogOptions): Promise<SaveDialogReturnValue>
}

export interface App {
  readonly isPackaged: boolean
  getPath(name: 'userData' | 'documents' | 'home' | 'temp'): string
  on(event: 'web-contents-created', listener: (event: ElectronEvent, webContents: WebContents) => void): this
  on(event: 'before-quit', listener: (event: ElectronEvent) => void): this
  on(event: 'second-instance' | 'activate' | 'window-all-closed', listener: Listener): this
  quit(): void
  requestSingleInstanceLock(): boolean
  whenReady(): Promise<void>
}

export declare const app: App
export declare const dialog: Dialog
export declare const ipcMain: IpcMain
export declare const session: { readonly defaultSession: Session }
export declare const contextBridge: ContextBridge
export declare const ipcRenderer: IpcRenderer
