import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { writeLines } from '../../../electron/host/scenario-output'

const dir = mkdtempSync(join(tmpdir(), 'gossipscope-output-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('scenario output files', () => {
  it('writes every line, newline-terminated, across chunk boundaries', () => {
    const path = join(dir, 'small.ndjson')
    const items = Array.from({ length: 5_000 }, (_, i) => ({ i, pad: 'x'.repeat(i % 700) }))
    writeLines(path, items, (e) => JSON.stringify(e))
    const lines = readFileSync(path, 'utf8').split('\n')
    expect(lines.pop()).toBe('')
    expect(lines.map((l) => JSON.parse(l).i)).toEqual(items.map((e) => e.i))
  })

  it('writes an empty file for no lines', () => {
    const path = join(dir, 'empty.ndjson')
    writeLines(path, [], String)
    expect(statSync(path).size).toBe(0)
  })

  it('writes more than one V8 string can hold (600 MB) without building it', () => {
    const path = join(dir, 'big.ndjson')
    const line = 'y'.repeat(999)
    const count = 600_000 // 600,000 lines of 1,000 bytes
    writeLines(path, { length: count, [Symbol.iterator]: function* () { for (let i = 0; i < count; i++) yield line } } as unknown as string[], (l) => l)
    expect(statSync(path).size).toBe(count * 1000)
  }, 60_000)
})
