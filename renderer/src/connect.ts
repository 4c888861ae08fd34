import type { GossipscopeApi, MenuCommand } from '../../shared/ipc'
import { startNetwork } from './commands'
import { app } from './store'
import { DEFAULT_PEERS, DEFAULT_SEEDS } from './panels/Toolbar'

type MenuHandler = () => void
const menuHandlers = new Map<MenuCommand, MenuHandler>([['new-network', () => void startNetwork(DEFAULT_SEEDS, DEFAULT_PEERS)]])

/** Lets a feature (export, open session) take an application-menu command. */
export function onMenuCommand(command: MenuCommand, handler: MenuHandler): void {
  menuHandlers.set(command, handler)
}

/** Runs an application-menu command from inside the page (e.g. the start card's Open a recording). */
export function runMenuCommand(command: MenuCommand): void {
  menuHandlers.get(command)?.()
}

/**
 * Wires the API into the store: subscribe first, then `ready(lastSeq)` so the host sends
 * everything after what this page has already folded, then live batches.
 */
export async function connect(api: GossipscopeApi): Promise<void> {
  const store = app.store.getState()
  store.setApi(api)
  api.onStatus((status) => app.store.getState().setStatus(status))
  api.onEvents((batch) => app.store.getState().ingest(batch))
  api.onMenu?.((command) => {
    const handler = menuHandlers.get(command)
    if (handler) handler()
    else app.store.getState().notify('info', `Menu: ${command} is not available here`)
  })
  try {
    const status = await api.getStatus()
    store.setStatus(status)
    app.store.getState().startCatchUp(status)
    await api.ready(app.store.getState().live.state.seq)
  } catch (error) {
    store.notify('error', `Cannot reach the host: ${error instanceof Error ? error.message : String(error)}`)
  }
}
