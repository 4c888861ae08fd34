import { describe, expect, it } from 'vitest'
import { ConfigWatcher, type ConfigWatchIo } from '../../../electron/nodes/config-watch'
import type { Address } from '../../../shared/address'

const A = { ip: '127.0.0.1', port: 6000 }
const B = { ip: '127.0.0.2', port: 6000 }
const C = { ip: '127.0.0.3', port: 6000 }
const text = (...seeds: Address[]) => `# seeds\n${seeds.map((s) => `${s.ip}:${s.port}`).join('\n')}\n`

/** A config file in memory: each write changes its signature, as a rewrite changes the mtime. */
function fakeFile(initial: string) {
  const file = { text: initial as string | null, version: 1, reads: 0 }
  const io: ConfigWatchIo = {
    signature: async () => {
      if (file.text === null) throw Object.assign(new Error('gone'), { code: 'ENOENT' })
      return `v${file.version}`
    },
    readText: async () => {
      file.reads++
      if (file.text === null) throw Object.assign(new Error('gone'), { code: 'ENOENT' })
      return file.text
    },
  }
  const write = (next: string | null) => {
    file.text = next
    file.version++
  }
  return { file, io, write }
}

function watch(initial: Address[], io: ConfigWatchIo) {
  const seen: Address[][] = []
  const warnings: string[] = []
  const watcher = new ConfigWatcher('/s/config.txt', initial, { seeds: (s) => seen.push(s), warn: (m) => warnings.push(m) }, io)
  return { watcher, seen, warnings }
}

describe('ConfigWatcher', () => {
  it('reports a changed seed list once, and reads only when the file changed', async () => {
    const { file, io, write } = fakeFile(text(A, B))
    const { watcher, seen, warnings } = watch([A, B], io)
    await watcher.poll() // first look: the list the node started with
    expect(seen).toEqual([])
    await watcher.poll()
    expect(file.reads).toBe(1)
    write(text(A, B, C))
    await watcher.poll()
    await watcher.poll()
    expect(seen).toEqual([[A, B, C]])
    expect(file.reads).toBe(2)
    write(`${text(A, B, C)}# a comment\n`) // rewritten, same seeds
    await watcher.poll()
    expect(seen).toHaveLength(1)
    expect(warnings).toEqual([])
  })

  it('catches a change made between the start-up read and the first look', async () => {
    const { io } = fakeFile(text(A, B, C))
    const { watcher, seen } = watch([A, B], io)
    await watcher.poll()
    expect(seen).toEqual([[A, B, C]])
  })

  it('keeps the old list on a parse error, with one warning, and recovers', async () => {
    const { io, write } = fakeFile(text(A, B))
    const { watcher, seen, warnings } = watch([A, B], io)
    await watcher.poll()
    write(`${text(A, B)}not-an-address\n`)
    await watcher.poll()
    await watcher.poll()
    write(`${text(A, B)}not-an-address\n`) // rewritten with the same error
    await watcher.poll()
    expect(warnings).toEqual(['/s/config.txt:4: expected IP:PORT (IPv4, port 1-65535), got "not-an-address"; keeping the current seed list'])
    expect(seen).toEqual([])
    write(text(A))
    await watcher.poll()
    expect(warnings[1]).toBe('/s/config.txt: at least 2 seeds are required, found 1; keeping the current seed list')
    write(text(A, B, C))
    await watcher.poll()
    expect(seen).toEqual([[A, B, C]])
  })

  it('keeps the old list while the file cannot be read (one warning per outage)', async () => {
    const { io, write } = fakeFile(text(A, B))
    const { watcher, seen, warnings } = watch([A, B], io)
    write(null)
    await watcher.poll()
    await watcher.poll()
    expect(warnings).toEqual(['/s/config.txt: cannot read config (ENOENT); keeping the current seed list'])
    write(text(B, C))
    await watcher.poll()
    expect(seen).toEqual([[B, C]])
  })

  it('calls no hook after stop, even from a look under way', async () => {
    const { io, write } = fakeFile(text(A, B))
    const { watcher, seen } = watch([A, B], io)
    write(text(A, B, C))
    const look = watcher.poll()
    watcher.stop()
    await look
    await watcher.poll()
    expect(seen).toEqual([])
  })
})
