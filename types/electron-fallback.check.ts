/**
 * Type-only check, run by `npm run typecheck`: where Electron is installed, `electron`
 * resolves to its real electron.d.ts and each line below fails to compile if the fallback
 * (types/electron-fallback.d.ts) declares something the real API does not give. Where
 * Electron is not installed, `electron` is the fallback itself and the check is trivial.
 */
import type * as Real from 'electron'
import type * as Fallback from './electron-fallback'

type Assignable<From, To> = [From] extends [To] ? true : false
const ok = <T extends true>(value: T): T => value

ok<Assignable<typeof Real.app, typeof Fallback.app>>(true)
// dialog: its window parameter is Electron's BaseWindow, which no subset can match; the options
// and the answer are checked instead.
ok<Assignable<Fallback.SaveDialogOptions, Real.SaveDialogOptions>>(true)
ok<Assignable<Real.SaveDialogReturnValue, Fallback.SaveDialogReturnValue>>(true)
ok<Assignable<typeof Real.ipcMain, typeof Fallback.ipcMain>>(true)
ok<Assignable<typeof Real.session, typeof Fallback.session>>(true)
ok<Assignable<typeof Real.contextBridge, typeof Fallback.contextBridge>>(true)
ok<Assignable<typeof Real.ipcRenderer, typeof Fallback.ipcRenderer>>(true)
ok<Assignable<typeof Real.Menu, typeof Fallback.Menu>>(true)
ok<Assignable<Real.BrowserWindow, Fallback.BrowserWindow>>(true)
ok<Assignable<Real.WebContents, Fallback.WebContents>>(true)
ok<Assignable<Real.Session, Fallback.Session>>(true)
ok<Assignable<Real.IpcMainInvokeEvent, Fallback.IpcMainInvokeEvent>>(true)
ok<Assignable<Real.IpcRendererEvent, Fallback.IpcRendererEvent>>(true)
ok<Assignable<Fallback.MenuItemConstructorOptions, Real.MenuItemConstructorOptions>>(true)
ok<Assignable<Fallback.BrowserWindowConstructorOptions, Real.BrowserWindowConstructorOptions>>(true)
