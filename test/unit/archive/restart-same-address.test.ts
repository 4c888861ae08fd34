import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { strFromU8, strToU8, unzipSync } from 'fflate'
import { describe, expect, it } from 'vitest'
import { analyzeSession } from '../../../shared/analysis/analyze'
import { renderSummary } from '../../../shared/analysis/summary'
import { type ArchiveFile, openFiles } from '../../../shared/archive/open'
import { foldEvents } from '../../../shared/model/network'

/**
 * Field case (turn 2): 3 seeds + 6 peers run by hand at time scale 0.05; peer
 * 127.0.42.3:14203 was killed with SIGKILL and started again at the same address, its
 * second process appending to the same events file. Three neighbours then reported the
 * old process dead: two seeds probed the new process (it answered), the third, which the
 * new process had not registered with, removed the old registration. The right reading:
 * one crash, inferred at the old process's last event, detected by those three reports,
 * then a restart that rejoined; no false report.
 */

const PEER = '127.0.42.3:14203'
const zip = readFileSync(join(__dirname, '../../fixtures/restart-same-address.zip'))

function filesOfZip(): ArchiveFile[] {
  return Object.entries(unzipSync(zip))
    .filter(([name]) => name.endsWith('.ndjson'))
    .map(([name, bytes]) => ({ name, bytes }))
}

function expectRestartReading(files: ArchiveFile[]): void {
  const opened = openFiles(files, 'restart-same-address')
  expect(opened.problems).toEqual([])
  expect(opened.inferredCrashes).toEqual([PEER])
  const a = analyzeSession(opened.events)
  expect(a.falseReports).toEqual([])
  expect(a.failures).toHaveLength(1)
  const f = a.failures[0]!
  expect(f.node).toBe(PEER)
  expect(f.kind).toBe('restart')
  expect(f.reports).toBe(3)
  expect(f.reportedBy).not.toBeNull()
  // The old process's last event is the crash; the second node.started is the restart.
  const starts = opened.events.filter((e) => e.type === 'node.started' && e.node === PEER)
  expect(starts).toHaveLength(2)
  const crash = opened.events.find((e) => e.type === 'host.exited' && e.node === PEER)!
  expect(crash.seq).toBeLessThan(starts[1]!.seq)
  expect(f.at).toBe(crash.t)
  expect(f.backMs).toBe(starts[1]!.t - crash.t)
  expect(f.rejoinMs).not.toBeNull()
  // Seed 2 held the old registration and removed it on the report; seeds 1 and 3 registered the new process.
  const bySeed = Object.fromEntries(f.removals.map((r) => [r.seed, r]))
  expect(bySeed['127.0.41.2:14102']).toMatchObject({ replaced: false })
  expect(bySeed['127.0.41.2:14102']!.ms).not.toBeNull()
  expect(bySeed['127.0.41.1:14101']).toMatchObject({ replaced: true })
  const state = foldEvents(opened.events)
  expect(state.nodes.get(PEER)).toMatchObject({ status: 'stopped', restarts: 1 })
  const summary = renderSummary(a)
  expect(summary).not.toContain('No node was killed')
  expect(summary).toContain(`| ${PEER} | restart |`)
  expect(summary).toContain('False reports (a node that was running and answering reported dead): none')
}

describe('field case: a peer killed and restarted at the same address', () => {
  it('both processes in one events file: one crash detected by 3 reports, a restart, no false report', () => {
    expectRestartReading(filesOfZip())
  })

  it('each process in its own events file: the same reading', () => {
    const files = filesOfZip().flatMap((file) => {
      if (!file.name.includes('127.0.42.3_14203')) return [file]
      const lines = strFromU8(file.bytes).split('\n').filter((l) => l !== '')
      const second = lines.findIndex((l, i) => i > 0 && l.includes('"type":"node.started"'))
      expect(second).toBeGreaterThan(0)
      return [
        { name: file.name, bytes: strToU8(`${lines.slice(0, second).join('\n')}\n`) },
        { name: file.name.replace('.events.ndjson', '.2.events.ndjson'), bytes: strToU8(`${lines.slice(second).join('\n')}\n`) },
      ]
    })
    expectRestartReading(files)
  })
})
