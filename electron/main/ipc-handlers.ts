import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron'
import { API_METHODS, PUSH_CHANNELS, channelOf, type MenuCommand } from '../../shared/ipc'
import type { ClientOptions, HostClient, PushTarget } from '../host/clients'

/**
 * The one file that connects IPC to the host. Each API method is one `ipcMain.handle`
 * channel (the names come from shared/ipc). A call is served only when it comes from
 * the main frame of a window the app created, showing the app's own page; anything else
 * is ignored. Arguments go unchanged to `controller.call`, which validates them once.
 * Pushes (event batches, status) go to each window on PUSH_CHANNELS, held back until its
 * renderer calls `ready`.
 */

/** The controller surface IPC needs (HostController). */
export interface IpcController {
  call(method: unknown, args: unknown, client?: HostClient): Promise<unknown>
  openClient(target: PushTarget, options?: ClientOptions): HostClient
}

export interface IpcHandlers {
  /** Serves a window's renderer from now on. */
  attach(contents: WebContents): void
  /** Sends a menu command to every attached window. */
  menu(command: MenuCommand): void
  /** Removes every handler. */
  dispose(): void
}

export function registerIpcHandlers(
  ipcMain: IpcMain,
  controller: IpcController,
  /** True for the app's own page: its file:// index.html or the dev server's origin. */
  isAppUrl: (url: string) => boolean,
): IpcHandlers {
  const clients = new Map<number, { contents: WebContents; client: HostClient }>()

  const trusted = (event: IpcMainInvokeEvent): HostClient | null => {
    const entry = clients.get(event.sender.id)
    const frame = event.senderFrame
    // Only the top frame (no parent) of an attached window, showing the app's page.
    if (!entry || !frame || frame.parent !== null || !isAppUrl(frame.url)) return null
    return entry.client
  }

  for (const method of API_METHODS) {
    ipcMain.handle(channelOf(method), (event, ...args: unknown[]) => {
      const client = trusted(event)
      // Ignored: no answer that could tell a foreign frame anything.
      if (!client) return undefined
      return controller.call(method, args, client)
    })
  }

  return {
    attach(contents) {
      if (clients.has(contents.id)) return
      const send = (channel: string, payload: unknown): void => {
        if (!contents.isDestroyed()) contents.send(channel, payload)
      }
      // The window's page: gossip per message above the hop-summary threshold.
      const client = controller.openClient(
        {
          events: (batch) => send(PUSH_CHANNELS.events, batch),
          status: (status) => send(PUSH_CHANNELS.status, status),
        },
        { summarise: true },
      )
      clients.set(contents.id, { contents, client })
      contents.once('destroyed', () => {
        client.close()
        clients.delete(contents.id)
      })
    },
    menu(command) {
      for (const { contents } of clients.values()) if (!contents.isDestroyed()) contents.send(PUSH_CHANNELS.menu, command)
    },
    dispose() {
      for (const method of API_METHODS) ipcMain.removeHandler(channelOf(method))
      for (const { client } of clients.values()) client.close()
      clients.clear()
    },
  }
}
