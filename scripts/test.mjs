#!/usr/bin/env node
// The README's test command. Builds (system tests run the built node programs and
// renderer), runs the unit project then the system project, and ends with the line
// `N passed, N failed` counted from vitest's JSON reports. Extra arguments are passed to
// vitest, e.g. `npm test -- --project unit` or `npm test -- test/unit/shared`.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const extra = process.argv.slice(2)
const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit', env: process.env }).status ?? 1

if (!process.env.GOSSIPSCOPE_SKIP_BUILD) {
  const status = run('npx', ['electron-vite', 'build', '--logLevel', 'warn'])
  if (status !== 0) {
    console.log('0 passed, 1 failed')
    process.exit(status)
  }
}

const dir = mkdtempSync(join(tmpdir(), 'gossipscope-test-'))
const projects = extra.includes('--project') ? [null] : ['unit', 'system']
let passed = 0
let failed = 0
let exitCode = 0
for (const project of projects) {
  const out = join(dir, `${project ?? 'custom'}.json`)
  const args = ['vitest', 'run', '--passWithNoTests', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`]
  if (project) args.push('--project', project)
  const status = run('npx', [...args, ...extra])
  if (status !== 0) exitCode = status
  try {
    const report = JSON.parse(readFileSync(out, 'utf8'))
    passed += report.numPassedTests
    failed += report.numFailedTests
    // A file that fails to load counts as a failed test, not as silence.
    failed += report.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length
  } catch {
    if (status !== 0) failed += 1
  }
}
rmSync(dir, { recursive: true, force: true })
console.log(`${passed} passed, ${failed} failed`)
process.exit(exitCode !== 0 ? exitCode : failed > 0 ? 1 : 0)
