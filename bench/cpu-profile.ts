import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Sums V8 CPU profiles (`node --cpu-prof` writes one `.cpuprofile` per process) into a
 * Markdown table of self time per function, largest first: where a run's CPU goes.
 * Self time of a node = its hitCount x the profile's mean sampling interval.
 */

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
}
interface Profile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples: number[]
}

export function summarizeProfiles(dir: string, top: number): string {
  const self = new Map<string, number>()
  let total = 0
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile
    const intervalUs = (profile.endTime - profile.startTime) / Math.max(1, profile.samples.length)
    for (const node of profile.nodes) {
      const hits = node.hitCount ?? 0
      if (hits === 0) continue
      const { functionName, url, lineNumber } = node.callFrame
      const file = url.split('/').pop() ?? ''
      const key = `${functionName || '(anonymous)'} ${file}${file ? `:${lineNumber + 1}` : ''}`
      const us = hits * intervalUs
      self.set(key, (self.get(key) ?? 0) + us)
      total += us
    }
  }
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)
  const lines = ['| function | self s | share |', '|---|---:|---:|']
  for (const [key, us] of rows) lines.push(`| ${key.replace(/\|/g, '/')} | ${(us / 1e6).toFixed(2)} | ${((100 * us) / Math.max(1, total)).toFixed(1)}% |`)
  lines.push(`| total sampled | ${(total / 1e6).toFixed(2)} | 100% |`)
  return lines.join('\n')
}
