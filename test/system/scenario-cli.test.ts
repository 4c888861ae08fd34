import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { programsCopy, tempDir } from './nodes-helpers'

/**
 * `npm run scenario` end to end with the built program: real seed and peer processes at
 * time scale 0.05, the simulator backend, a must-fail expectation, a bad file, and a
 * two-cell sweep. Each run is bounded by its scenario's durationMs (a few seconds).
 */

let programs: { dir: string; remove: () => void }
let work: string

beforeAll(() => {
  programs = programsCopy()
  work = tempDir('scenario-cli')
})
afterAll(() => {
  programs.remove()
  rmSync(work, { recursive: true, force: true })
})

interface Ran {
  code: number | null
  stdout: string
  stderr: string
}

function cli(args: string[]): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(programs.dir, 'scenario-cli.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

const basePort = (): string => String(20000 + Math.floor(Math.random() * 9000))

/**
 * 2 seeds, 4 peers, 2 messages each; a random peer killed once all 8 are out, and the run
 * stopped once a seed removed it. The steps wait on events, so a loaded machine only makes
 * the run longer; durationMs (30 s of wall time) is the cap. Gossip every 40 s (2 s scaled):
 * the first message comes three liveness rounds or more after a peer linked, by when peers
 * that joined together and found only each other have asked the seeds again and merged
 * (a message created inside such a fragment cannot reach the others: coverage below 1).
 * Detection is bounded loosely (20 rounds): how long it takes in wall time is the
 * machine's; that it is measured and checked alike on both backends is the point here.
 */
const SMALL = {
  name: 'small kill',
  network: { seeds: 2, peers: 4, settings: { timeScale: 0.05, gossipIntervalMs: 40_000, gossipCount: 2 }, rngSeed: 21 },
  durationMs: 600_000,
  steps: [
    { after: { event: 'message-created', n: 8, delayMs: 20_000 }, do: 'kill', node: { pick: 'random' } },
    { after: { event: 'node-removed', delayMs: 20_000 }, do: 'stop' },
  ],
  expect: { minCoverage: 1, minMessages: 8, maxDetectionMs: 260_000, noFalseRemovals: true, connected: true },
}

function scenarioFile(name: string, value: object): string {
  const path = join(work, name)
  writeFileSync(path, JSON.stringify(value))
  return path
}

const result = (dir: string) => JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'))

describe('npm run scenario', () => {
  it('runs a scenario on real processes, writes the session, logs, report and result, and agrees with the simulator', async () => {
    const file = scenarioFile('small.json', SMALL)
    const realDir = join(work, 'real')
    const real = await cli([file, '--out', realDir, '--base-port', basePort()])
    expect(real.stderr).toBe('')
    expect(real.code).toBe(0)
    expect(real.stdout).toMatch(/on real nodes: 2 seeds, 4 peers, rng seed 21/)
    expect(real.stdout).toMatch(/step 1 kill peer\d/)
    expect(real.stdout).toMatch(/PASS: 5 check\(s\) held/)
    expect(real.stdout).toMatch(/step 2 stop at/)
    for (const f of ['report.md', 'result.json', 'scenario.json', 'session/events.ndjson', 'session/session.json', 'session/config.txt']) {
      expect(existsSync(join(realDir, f)), f).toBe(true)
    }
    const logs = readdirSync(join(realDir, 'session/logs'))
    expect(logs).toHaveLength(6)
    expect(readdirSync(join(realDir, 'session/logs', logs[0]!)).some((f) => f.endsWith('_network.log'))).toBe(true)
    expect(readFileSync(join(realDir, 'report.md'), 'utf8')).toMatch(/\*\*Real processes\*\*/)
    expect(readdirSync(join(realDir, 'plots')).length).toBeGreaterThan(3)

    const simDir = join(work, 'sim')
    const sim = await cli([file, '--out', simDir, '--backend', 'sim'])
    expect(sim.code).toBe(0)
    expect(readFileSync(join(simDir, 'report.md'), 'utf8')).toMatch(/\*\*Simulated\*\*/)
    const a = result(realDir)
    const b = result(simDir)
    expect([a.simulated, b.simulated]).toEqual([false, true])
    // Everything that does not depend on real timing agrees.
    expect(Object.keys(b.names).sort()).toEqual(Object.keys(a.names).sort())
    expect(b.steps.map((s: { name: string }) => s.name)).toEqual(a.steps.map((s: { name: string }) => s.name))
    for (const key of ['messages', 'undetected', 'falseRemovals', 'components', 'alivePeers']) {
      expect(b.measures[key], key).toEqual(a.measures[key])
    }
    expect(b.checks.map((c: { key: string; pass: boolean }) => [c.key, c.pass])).toEqual(a.checks.map((c: { key: string; pass: boolean }) => [c.key, c.pass]))
  }, 90_000)

  it('exits 1 when an expectation fails, saying which, measured against expected', async () => {
    const file = scenarioFile('fail.json', { ...SMALL, expect: { maxDetectionMs: 100, minMessages: 9 } })
    const ran = await cli([file, '--out', join(work, 'fail'), '--backend', 'sim', '--quiet'])
    expect(ran.code).toBe(1)
    expect(ran.stdout).toBe('')
    expect(ran.stderr).toMatch(/^maxDetectionMs: measured \d+ ms, expected <= 100 ms, every kill detected$/m)
    expect(ran.stderr).toMatch(/^minMessages: measured 8, expected >= 9$/m)
    expect(result(join(work, 'fail'))).toMatchObject({ passed: false, exitCode: 1 })
  }, 30_000)

  it('exits 2 on a bad file or bad flags, names the bad field, and starts nothing', async () => {
    const bad = scenarioFile('bad.json', { ...SMALL, steps: [{ at: -1, do: 'kill', node: 'peer9' }] })
    const out = join(work, 'bad')
    const ran = await cli([bad, '--out', out])
    expect(ran.code).toBe(2)
    expect(ran.stderr).toBe(`${bad}: steps.0.at: must be 0 or more (protocol ms); steps.0.node: no node peer9: the scenario starts 4 peers\n`)
    expect(existsSync(out)).toBe(false)
    const flag = await cli([bad, '--out', out, '--backend', 'cloud'])
    expect(flag.code).toBe(2)
    expect(flag.stderr).toMatch(/--backend/)
    const vary = await cli([scenarioFile('ok.json', SMALL), '--out', out, '--vary', 'peers=4,99999'])
    expect(vary.code).toBe(2)
    expect(vary.stderr).toMatch(/scenario with peers=99999: network\.peers: Too big/)
    expect((await cli([join(work, 'missing.json'), '--out', out])).stderr).toMatch(/missing\.json: no such file/)
  }, 30_000)

  it('runs a two-cell sweep on real processes: one folder per run, sweep.csv, sweep.md and plots', async () => {
    // Peers join one at a time: three peers started at once can all get an empty Peer List
    // and wait for each other (seen under load), which is not what this test is about.
    const file = scenarioFile('sweep.json', {
      ...SMALL,
      network: { ...SMALL.network, peers: 1 },
      steps: [
        { at: 2000, do: 'add-peers', count: 1 },
        { at: 4000, do: 'add-peers', count: 1 },
        { after: { event: 'message-created', n: 6, delayMs: 5000 }, do: 'stop' },
      ],
      expect: { minMessages: 6 },
    })
    const out = join(work, 'sweep')
    const ran = await cli([file, '--out', out, '--vary', 'topology=powerlaw,random', '--base-port', basePort(), '--quiet'])
    expect(ran.stderr).toBe('')
    expect(ran.code).toBe(0)
    expect(readdirSync(join(out, 'runs')).sort()).toEqual(['topology=powerlaw-r1', 'topology=random-r1'])
    const csv = readFileSync(join(out, 'sweep.csv'), 'utf8').trim().split('\n')
    expect(csv).toHaveLength(3)
    expect(csv.slice(1).map((row) => row.split(',').slice(0, 4).join(','))).toEqual(['powerlaw,1,21,true', 'random,1,21,true'])
    const md = readFileSync(join(out, 'sweep.md'), 'utf8')
    expect(md).toMatch(/\| powerlaw \| 1\/1 \| /)
    expect(md).toMatch(/real node processes/)
    expect(readdirSync(join(out, 'plots')).sort()).toContain('sweep-coverage.svg')
  }, 90_000)
})
