#!/usr/bin/env node
// `npm start`: builds, then opens the app in Electron's window when Electron's binary is
// installed; otherwise says so in one line, starts the web host (`npm run serve`) and
// opens the default browser on it, or prints its URL when there is no display.
// Extra arguments go to the web host (`npm start -- --port 8080`).
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const bin = (name) => join(root, 'node_modules', '.bin', process.platform === 'win32' ? `${name}.cmd` : name)

/** Why Electron cannot run here, or null when its binary is installed. */
export function electronUnavailable(require = createRequire(join(root, 'package.json'))) {
  let path
  try {
    path = require('electron') // the binary's path; throws when the download failed or was skipped
  } catch (error) {
    return error.code === 'MODULE_NOT_FOUND' ? 'the electron package is not installed' : 'its binary was not downloaded'
  }
  return typeof path === 'string' && existsSync(path) ? null : `its binary is missing (${path})`
}

/** The command that opens `url` in the default browser, or null when there is no display. */
export function browserOpener(platform = process.platform, env = process.env) {
  if (platform === 'darwin') return ['open']
  if (platform === 'win32') return ['cmd', '/c', 'start', '""']
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return null
  return ['xdg-open']
}

function main() {
  const build = spawnSync(bin('electron-vite'), ['build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' })
  if (build.status !== 0) process.exit(build.status ?? 1)

  const why = electronUnavailable()
  if (why === null) {
    const preview = spawn(bin('electron-vite'), ['preview'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' })
    preview.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)))
    return
  }
  console.log(`Electron is unavailable (${why}): running Gossipscope in the browser instead (npm run serve).`)
  const web = spawn(process.execPath, [join(root, 'out/main/web.js'), ...process.argv.slice(2)], {
    cwd: root,
    stdio: ['inherit', 'pipe', 'inherit'],
  })
  let opened = false
  let rest = ''
  web.stdout.setEncoding('utf8').on('data', (text) => {
    process.stdout.write(text)
    if (opened) return
    const lines = (rest + text).split('\n')
    rest = lines.pop()
    for (const line of lines) {
      const url = /^Gossipscope web host on (\S+)/.exec(line)?.[1]
      if (!url) continue
      opened = true
      open(url)
    }
  })
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => web.kill(signal))
  web.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)))
}

function open(url) {
  const opener = browserOpener()
  const fallback = () => console.log(`No browser could be opened here: open ${url} in a browser.`)
  if (opener === null) return fallback()
  const [cmd, ...args] = opener
  const child = spawn(cmd, [...args, url], { stdio: 'ignore', detached: true })
  child.on('error', fallback)
  child.on('exit', (code) => (code === 0 ? undefined : fallback()))
  child.unref()
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main()
