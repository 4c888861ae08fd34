import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { wideSessionZip } from '../fixtures/wide-session'

/**
 * `report` on a wide session (issue 11: 8,000 peers x 30,000 messages aborted the report
 * CLI out of memory): the built program in a child process with a 1 GB heap finishes with
 * the right figures. Bounded by the work, not by a timer: the assertion is the exit code.
 */

const CLI = resolve('out/main/export-cli.js')
const dir = mkdtempSync(join(tmpdir(), 'gossipscope-report-wide-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function run(args: string[]): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += String(d)))
    child.stderr.on('data', (d) => (stderr += String(d)))
    child.on('close', (code, signal) => done({ code, signal, stdout, stderr }))
  })
}

describe('report on 8,000 peers x 30,000 messages', () => {
  it('finishes within a 1 GB heap with the right counts', async () => {
    expect(existsSync(CLI), 'out/main/export-cli.js missing: run `npx electron-vite build`').toBe(true)
    const zip = join(dir, 'wide.zip')
    writeFileSync(zip, wideSessionZip({ peers: 8000, messages: 30_000 }))
    const ran = await run(['--max-old-space-size=1024', CLI, 'report', zip])
    expect(ran.stderr).toBe('')
    expect(ran.signal).toBe(null)
    expect(ran.code).toBe(0)
    // 3 seeds + 8,000 x (start, registration on both sides, 4 link-up sides) + 30,000 x (created, 2 forwards, 2 receipts)
    expect(ran.stdout).toContain(`- Events: ${3 + 8000 * 7 + 30_000 * 5}; nodes: 3 seeds, 8000 peers`)
    expect(ran.stdout).toContain('- Messages: 30000; complete (coverage 100%): 0; mean coverage 0.0%')
    // E = 16,000 links (ring and chords), N = 8,000: 2E-(N-1) = 24,001, N-1 = 7,999.
    expect(ran.stdout).toContain('- Transmissions per broadcast (mean): 2.0; flooding bound 2E-(N-1): 24001.0; spanning tree N-1: 7999.0')
    expect(ran.stdout).toMatch(/\| w0 \| 127\.2\.0\.1:7000 #1 \| 2\/7999 \| - \| 1 \| 1\.00 \| 0 \| 2 \| 24001 \| 7999 \|/)
    expect(ran.stdout).toContain('- Alive peers: 8000; mean degree 4.00')
  }, 300_000)
})
