import { describe, expect, it } from 'vitest'
// @ts-expect-error: a plain .mjs script without type declarations
import { browserOpener, electronUnavailable } from '../../../scripts/start.mjs'

/** `npm start` without Electron's binary (scripts/start.mjs): how it decides and what it opens. */
describe('npm start', () => {
  const requireThat = (result: unknown) => () => {
    if (result instanceof Error) throw result
    return result
  }
  const notFound = Object.assign(new Error("Cannot find module 'electron'"), { code: 'MODULE_NOT_FOUND' })

  it('says why Electron is unavailable: package left out by npm, binary not downloaded, binary missing', () => {
    expect(electronUnavailable(requireThat(notFound))).toBe('the electron package is not installed')
    expect(electronUnavailable(requireThat(new Error('Electron failed to install correctly')))).toBe('its binary was not downloaded')
    expect(electronUnavailable(requireThat('/nowhere/electron'))).toBe('its binary is missing (/nowhere/electron)')
    expect(electronUnavailable(requireThat(process.execPath))).toBeNull()
  })

  it('opens the default browser where there is a display, and only prints the URL where there is none', () => {
    expect(browserOpener('linux', {})).toBeNull()
    expect(browserOpener('linux', { DISPLAY: ':0' })).toEqual(['xdg-open'])
    expect(browserOpener('linux', { WAYLAND_DISPLAY: 'wayland-0' })).toEqual(['xdg-open'])
    expect(browserOpener('darwin', {})).toEqual(['open'])
    expect(browserOpener('win32', {})).toEqual(['cmd', '/c', 'start', '""'])
  })
})
