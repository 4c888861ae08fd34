import { isoTime } from '../iso-time'
import { groupSkipped } from '../archive/skipped'
import type { SessionAnalysis } from './analyze'
import type { Percentiles } from './stats'

/**
 * The Markdown summary report (`summary.md` in exports, `npm run report`). `plots` maps a
 * plot's file name to its caption; they are linked as images next to the report.
 */

const ms = (v: number | null): string => (v === null ? '-' : `${Math.round(v)} ms`)
const num = (v: number | null, digits = 1): string => (v === null ? '-' : v.toFixed(digits))
const pct = (v: number | null): string => (v === null ? '-' : `${(v * 100).toFixed(1)}%`)
const iso = (t: number): string => (t > 0 ? isoTime(t) : '-')
/** Text from events (node ids, message ids) made inert in a Markdown table cell: `|` escaped, `<` and `>` as entities. */
const md = (text: string): string => text.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;')

function percentiles(p: Percentiles): string {
  return `${p.count} messages: p50 ${ms(p.p50)}, p90 ${ms(p.p90)}, p99 ${ms(p.p99)}, max ${ms(p.max)}`
}

export interface SummaryOptions {
  title?: string
  /** Plot file name -> caption, rendered as image links. */
  plots?: ReadonlyArray<{ file: string; caption: string }>
  /** At most this many per-message rows (the rest are counted). */
  messageRows?: number
  /**
   * Where an imported recording came from (report CLI): files not read, whether events are
   * missing, and the clock offsets applied when node files were merged.
   */
  source?: {
    skipped: ReadonlyArray<{ file: string; why: string }>
    incomplete: boolean
    /** node id -> ms added to its clock; null when nothing was merged. */
    offsets: ReadonlyMap<string, number> | null
  }
}

export function renderSummary(a: SessionAnalysis, options: SummaryOptions = {}): string {
  const lines: string[] = []
  const push = (...more: string[]): void => void lines.push(...more)
  push(`# ${options.title ?? 'Gossipscope session summary'}`, '')
  const source = options.source
  if (source) {
    if (source.incomplete) push('**Incomplete import: events are missing, so every figure below is a lower bound or partial.**', '')
    for (const g of groupSkipped(source.skipped)) {
      push(g.files.length === 1 ? `- Not read: ${md(g.files[0]!)} (${md(g.why)})` : `- Not read (${g.files.length} files, ${md(g.why)}): ${g.files.map(md).join(', ')}`)
    }
    if (source.offsets) {
      const applied = [...source.offsets].filter(([, ms]) => ms !== 0)
      push(
        applied.length === 0
          ? '- Clock offsets applied when merging node files: none'
          : `- Clock offsets applied when merging node files: ${applied.map(([node, ms]) => `${md(node)} ${ms > 0 ? '+' : ''}${ms} ms`).join(', ')}`,
      )
    }
    if (source.skipped.length > 0 || source.offsets) push('')
  }
  push(`- Time: ${iso(a.startT)} to ${iso(a.endT)} (${((a.endT - a.startT) / 1000).toFixed(1)} s)`)
  push(`- Events: ${a.events}; nodes: ${a.seeds} seeds, ${a.peers} peers`)
  if (a.settings) {
    const s = a.settings
    push(
      `- Settings: time scale ${s.timeScale}, gossip every ${s.gossipIntervalMs} ms x ${s.gossipCount}, ` +
        `liveness every ${s.livenessIntervalMs} ms, ${s.livenessMisses} misses, ${s.maxLinks} links per join, ${s.topology}`,
    )
  }
  push('', '## Gossip dissemination', '')
  push(`- Messages: ${a.messages.length}; complete (coverage 100%): ${a.complete}; mean coverage ${pct(a.meanCoverage)}`)
  push(`- Time to reach all expected peers: ${percentiles(a.timeToAll)}`)
  push(
    `- Transmissions per broadcast (mean): ${num(a.perBroadcast.forwards)}; flooding bound 2E-(N-1): ` +
      `${num(a.perBroadcast.floodingBound)}; spanning tree N-1: ${num(a.perBroadcast.spanningTree)}`,
  )
  const rows = options.messageRows ?? 50
  if (a.messages.length > 0) {
    push('', '| Message | Origin | Coverage | Time to all | Max hops | Mean hops | Duplicates | Sent | 2E-(N-1) | N-1 |')
    push('|---|---|---|---|---|---|---|---|---|---|')
    for (const m of a.messages.slice(0, rows)) {
      push(
        `| ${md(m.id.slice(0, 12))} | ${md(m.origin)} #${m.seq} | ${m.reached}/${m.expected} | ${ms(m.timeToAllMs)} | ${m.maxHops} | ` +
          `${num(m.meanHops, 2)} | ${m.duplicates} | ${m.forwards} | ${m.floodingBound} | ${m.spanningTree} |`,
      )
    }
    if (a.messages.length > rows) push('', `(${a.messages.length - rows} more messages not listed)`)
  }
  push('', '## Topology', '')
  const d = a.degree
  push(`- Taken at ${iso(a.degreeAt)}, when the overlay had the most links`)
  push(`- Alive peers: ${d.degrees.size}; mean degree ${num(d.meanDegree, 2)}`)
  push(`- Degree histogram: ${d.histogram.map(([deg, n]) => `${deg}:${n}`).join(', ') || '-'}`)
  push(
    d.fit
      ? `- Power-law fit (discrete MLE, d >= ${d.fit.dmin}, n = ${d.fit.n}): alpha = ${d.fit.alpha.toFixed(2)} +/- ${d.fit.stderr.toFixed(2)}`
      : '- Power-law fit: not enough peers',
  )
  push('', '## Failure detection', '')
  if (a.failures.length === 0) push('No node was killed, crashed, paused or restarted.')
  else {
    push(
      `Expected window: Dead Node reports within (misses + 1) x liveness interval = ${ms(a.failures[0]!.windowMs)} after the failure; ` +
        `seed removals within that plus the seed's verification probe (2 liveness intervals) = ${ms(a.failures[0]!.removalWindowMs)}. ` +
        'A pause that ends inside it need not be detected. Back: the resume or the new process\'s start; ' +
        'rejoined: its first link after that.',
      '',
    )
    push('| Node | Failure | At | First miss | Dead Node reports | Seed removals | Back | Rejoined | Detected in window |')
    push('|---|---|---|---|---|---|---|---|---|')
    for (const f of a.failures) {
      const removals =
        f.removals
          .map((r) => `${md(r.seed)} ${r.ms === null ? 'not removed' : `${r.replaced ? 'new process registered ' : ''}${ms(r.ms)}${r.inWindow ? '' : ' (late)'}`}`)
          .join('; ') || '-'
      const reports = f.reports === 0 ? '-' : `${f.reports}, first ${ms(f.reportMs)}${f.reportedBy ? ` by ${md(f.reportedBy)}` : ''}`
      const verdict = f.detectedInWindow ? 'yes' : f.detectionExpected ? '**no**' : 'not expected (short pause)'
      push(
        `| ${md(f.node)} | ${f.kind} | ${iso(f.at)} | ${ms(f.firstMissMs)} | ${reports} | ${removals} | ` +
          `${f.backMs === null ? '-' : `+${ms(f.backMs)}`} | ${f.rejoinMs === null ? '-' : `+${ms(f.rejoinMs)}`} | ${verdict} |`,
      )
    }
  }
  push('', `False reports (a node that was running and answering reported dead): ${a.falseReports.length === 0 ? 'none' : `**${a.falseReports.length}**`}`)
  for (const r of a.falseReports) push(`- **${md(r.node)}** reported by ${md(r.reporter)} at ${iso(r.at)}`)
  const net = a.network
  if (net.emulated) {
    push('', '## Network conditions', '')
    push(`Configured delay: ${net.delayMs === null ? 'changed during the session' : `${net.delayMs} ms per hop`} (emulated per message at the sender; see docs/network.md).`, '')
    push('| loss in force | time | misses of live nodes | false Dead Node reports | dropped by loss |', '|---|---|---|---|---|')
    for (const l of net.byLoss) push(`| ${+(l.loss * 100).toFixed(2)}% | ${ms(l.durationMs)} | ${l.falseMisses} | ${l.falseReports} | ${l.dropped} |`)
    if (net.duringPartitions.durationMs > 0) {
      push(`| (partition in force) | ${ms(net.duringPartitions.durationMs)} | ${net.duringPartitions.falseMisses} | ${net.duringPartitions.falseReports} | ${net.duringPartitions.dropped} |`)
    }
    for (const p of net.partitions) {
      push(
        '',
        `Partition **${md(p.name)}** (${p.direction}): ${p.side.map(md).join(', ')} cut off from ${p.other ? p.other.map(md).join(', ') : 'the rest'} at ${iso(p.at)}` +
          `${p.healedAt === null ? ', never healed' : `, healed after ${ms(p.healedAt - p.at)}`}; ${p.reportsAcross} Dead Node reports across the cut; ` +
          `removed by seeds: ${p.removed.length === 0 ? 'none' : p.removed.map(md).join(', ')}` +
          `${p.healedAt === null ? '.' : `; after the heal ${p.reRegistered.length} of them registered again and ${p.messagesAfterHeal} new messages reached ${p.coverageAfterHeal === null ? '-' : `${(p.coverageAfterHeal * 100).toFixed(1)}%`} of their peers.`}`,
      )
    }
  }
  if (options.plots && options.plots.length > 0) {
    push('', '## Plots', '')
    for (const p of options.plots) push(`![${p.caption}](${p.file})`, '')
  }
  return `${lines.join('\n').trimEnd()}\n`
}
