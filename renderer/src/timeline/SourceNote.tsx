import { formatClock } from '../log/format-event'
import { useApp } from '../store'
import { useReplay, type Provenance } from './replay'

/**
 * One line under a derived view (analysis, sequence, narration) saying what it was
 * computed from: the live session or a recording (files used and skipped, clock offsets
 * applied), how many events, up to which moment.
 */
export function SourceNote({ events, upTo }: { events: number; upTo?: number | null }) {
  const provenance = useReplay((s) => s.provenance)
  const sessionId = useApp((s) => s.status?.sessionId ?? null)
  const incomplete = provenance.kind === 'file' && provenance.incomplete
  return (
    <p className={incomplete ? 'source-note incomplete' : 'source-note'} data-testid="source-note">
      {incomplete && <strong>Incomplete import: events are missing, so these figures are partial. </strong>}
      Computed from {describeProvenance(provenance, sessionId)}: {events} events
      {upTo ? `, up to ${formatClock(upTo)}` : ''}.
    </p>
  )
}

/** Words for a provenance, e.g. "the live session 2026-…" or "recording x.zip (merged from 3 files; …)". */
export function describeProvenance(p: Provenance, liveSessionId: string | null): string {
  if (p.kind === 'live') return liveSessionId ? `the live session ${liveSessionId}` : 'the live session'
  const parts: string[] = []
  if (p.used.length > 0) parts.push(`${p.format === 'merged' ? 'merged from' : 'read from'} ${p.used.length} file${p.used.length === 1 ? '' : 's'}: ${p.used.join(', ')}`)
  if (p.skipped.length > 0) parts.push(`skipped ${p.skipped.map((s) => `${s.file} (${s.why})`).join(', ')}`)
  if (p.withProblems.length > 0) parts.push(`unreadable parts in ${p.withProblems.join(', ')}`)
  if (p.format === 'merged') {
    parts.push(
      p.offsets.length === 0
        ? 'no clock offsets needed'
        : `clock offsets applied: ${p.offsets.map(([node, ms]) => `${node} ${ms > 0 ? '+' : ''}${ms} ms`).join(', ')}`,
    )
  }
  return `the recording ${p.name}${parts.length > 0 ? ` (${parts.join('; ')})` : ''}`
}
