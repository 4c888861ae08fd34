import { BrowserWindow, Menu, app, dialog, ipcMain, session } from 'electron'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ExportRequest } from '../../shared/ipc'
import type { HostController } from '../host/controller'
import { createHost, guardProcessExit } from '../host/host'
import { registerIpcHandlers } from './ipc-handlers'
import { buildMenu } from './menu'
import { createMainWindow, installSessionSecurity, isAppUrl, type AppPage } from './window'

/**
 * Electron main: lifecycle, one window, the menu, and the host. Thin on purpose: all the
 * logic lives in electron/host (shared with the web host). Every node is stopped before
 * the app quits, and SIGKILLed if the app exits any other way.
 */

const here = fileURLToPath(new URL('.', import.meta.url))
const page: AppPage = {
  devUrl: !app.isPackaged && process.env.ELECTRON_RENDERER_URL ? process.env.ELECTRON_RENDERER_URL : null,
  indexFile: join(here, '../renderer/index.html'),
}

let window: BrowserWindow | null = null

function sessionsDir(): string {
  return process.env.GOSSIPSCOPE_SESSIONS ?? join(app.getPath('userData'), 'sessions')
}

async function chooseExportPath(sessionId: string, request: ExportRequest): Promise<string | null> {
  const suggested = join(app.getPath('documents'), `gossipscope-${sessionId}${request.format === 'zip' ? '.zip' : ''}`)
  const options = {
    title: 'Export session',
    defaultPath: suggested,
    filters: request.format === 'zip' ? [{ name: 'Zip archive', extensions: ['zip'] }] : [],
  }
  const result = window ? await dialog.showSaveDialog(window, options) : await dialog.showSaveDialog(options)
  return result.canceled || !result.filePath ? null : result.filePath
}

function start(): void {
  const maxNodes = Number(process.env.GOSSIPSCOPE_MAX_NODES)
  const controller: HostController = createHost({
    sessionsDir: sessionsDir(),
    nodesDir: here,
    exportPath: chooseExportPath,
    supervisor: {
      ...(Number.isInteger(maxNodes) && maxNodes > 0 ? { maxNodes } : {}),
      // Nodes run on Electron's own Node unless a node binary is named (lighter per process).
      ...(process.env.GOSSIPSCOPE_NODE ? { execPath: process.env.GOSSIPSCOPE_NODE } : {}),
    },
  })
  guardProcessExit(controller)
  installSessionSecurity(session.defaultSession, page)
  const handlers = registerIpcHandlers(ipcMain, controller, (url) => isAppUrl(page, url))
  Menu.setApplicationMenu(buildMenu((command) => handlers.menu(command)))

  const open = (): void => {
    window = createMainWindow(page, join(here, '../preload/index.cjs'))
    handlers.attach(window.webContents)
    window.on('closed', () => (window = null))
  }
  open()

  app.on('second-instance', () => {
    if (!window) return open()
    if (window.isMinimized()) window.restore()
    window.focus()
  })
  app.on('activate', () => {
    if (!window) open()
  })

  let stopped = false
  app.on('before-quit', (event) => {
    if (stopped) return
    event.preventDefault()
    void controller.shutdown().finally(() => {
      stopped = true
      handlers.dispose()
      app.quit()
    })
  })
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit())
}

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  app.on('window-all-closed', () => app.quit())
  // No window may ever open anything but the app's page.
  app.on('web-contents-created', (_event, contents) => contents.setWindowOpenHandler(() => ({ action: 'deny' })))
  void app.whenReady().then(start)
}
