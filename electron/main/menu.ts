import { Menu, type MenuItemConstructorOptions } from 'electron'
import type { MenuCommand } from '../../shared/ipc'

/** File and View menus. File commands go to the renderer, whose dialogs own the details. */
export function buildMenu(send: (command: MenuCommand) => void): Menu {
  const template: MenuItemConstructorOptions[] = [
    {
      label: 'File',
      submenu: [
        { label: 'New network', accelerator: 'CmdOrCtrl+N', click: () => send('new-network') },
        { label: 'Export...', accelerator: 'CmdOrCtrl+E', click: () => send('export') },
        { label: 'Open session...', accelerator: 'CmdOrCtrl+O', click: () => send('open-session') },
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    {
      label: 'View',
      submenu: [
        { role: 'reload' },
        { role: 'forceReload' },
        { role: 'toggleDevTools' },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
  ]
  return Menu.buildFromTemplate(template)
}
