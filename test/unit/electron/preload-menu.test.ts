import { describe, expect, it, vi } from 'vitest'
import { API_METHODS, PUSH_CHANNELS, channelOf } from '../../../shared/ipc'

const exposed = new Map<string, unknown>()
const invoke = vi.fn(async (...args: unknown[]) => args)
const on = vi.fn()
const removeListener = vi.fn()
let template: { label: string; submenu: { label?: string; role?: string; click?: () => void }[] }[] = []

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, value: unknown) => exposed.set(key, value) },
  ipcRenderer: { invoke, on, removeListener },
  Menu: { buildFromTemplate: (t: typeof template) => ((template = t), {}) },
}))

await import('../../../electron/preload/index')
const { buildMenu } = await import('../../../electron/main/menu')

describe('preload', () => {
  const api = exposed.get('gossipscope') as Record<string, (...args: unknown[]) => unknown>

  it('exposes one object of verbs and nothing else', () => {
    expect([...exposed.keys()]).toEqual(['gossipscope'])
    for (const method of API_METHODS) expect(typeof api[method]).toBe('function')
    expect(Object.keys(api).sort()).toEqual([...API_METHODS, 'onEvents', 'onStatus', 'onMenu'].sort())
    expect(Object.values(api).some((value) => value === invoke || (value as unknown) === on)).toBe(false)
  })

  it('invokes each verb on its own channel with its arguments', async () => {
    await api.addPeers!(3)
    expect(invoke).toHaveBeenLastCalledWith(channelOf('addPeers'), 3)
    await api.getStatus!()
    expect(invoke).toHaveBeenLastCalledWith(channelOf('getStatus'))
  })

  it('hands listeners the payload only, and unsubscribes', () => {
    const listener = vi.fn()
    const off = api.onEvents!(listener) as () => void
    const [channel, wrapped] = on.mock.calls.at(-1) as [string, (event: unknown, payload: unknown) => void]
    expect(channel).toBe(PUSH_CHANNELS.events)
    wrapped({ sender: 'secret' }, { events: [] })
    expect(listener).toHaveBeenCalledWith({ events: [] })
    off()
    expect(removeListener).toHaveBeenCalledWith(PUSH_CHANNELS.events, wrapped)
  })
})

describe('menu', () => {
  it('has File (new, export, open, quit) and View, and sends File commands to the renderer', () => {
    const send = vi.fn()
    buildMenu(send)
    expect(template.map((m) => m.label)).toEqual(['File', 'View'])
    const file = template[0]!.submenu
    expect(file.map((i) => i.label ?? i.role)).toEqual(['New network', 'Export...', 'Open session...', undefined, 'quit'])
    file[0]!.click!()
    file[1]!.click!()
    file[2]!.click!()
    expect(send.mock.calls).toEqual([['new-network'], ['export'], ['open-session']])
    expect(template[1]!.submenu.map((i) => i.role)).toContain('toggleDevTools')
  })
})
