import { formatMs } from '../log/format-event'
import { activePartitions } from '../../../shared/model/net-state'
import { describeConditions, isZeroLink } from '../../../shared/net/conditions'
import { app, displayedState, useApp } from '../store'
import { useReplay } from '../timeline/replay'

function percent(value: number | null): string {
  return value === null ? '–' : `${(value * 100).toFixed(value >= 0.9995 || value === 0 ? 0 : 1)}%`
}

/** Counts of the displayed network, re-rendered at most once per frame. */
export function Header() {
  const s = useApp((st) => st.summary)
  const mode = useApp((st) => st.mode)
  const status = useApp((st) => st.status)
  const incomplete = useReplay((r) => r.provenance.kind === 'file' && r.provenance.incomplete)
  const ingest = useApp((st) => {
    const l = st.live
    return `${l.applied} events applied of ${l.received} received; ${l.duplicates} repeats skipped; ${l.gaps} gaps in seq`
  })
  const loading = useApp((st) => st.mode === 'live' && st.catchUp !== null)
  return (
    <header className="header">
      <h1 className="brand">Gossipscope</h1>
      <span className={`badge ${mode}${loading ? ' loading' : ''}`} aria-label={`showing ${loading ? 'history, loading' : mode}`} title={ingest} data-testid="ingest-stats">
        {mode === 'live' ? (loading ? 'LOADING' : status?.running ? 'LIVE' : 'IDLE') : 'REPLAY'}
      </span>
      {loading && <CatchUpProgress />}
      {mode !== 'live' && incomplete && (
        <span className="badge incomplete" role="status" data-testid="incomplete-badge" title="Some files of this recording could not be read: every count here is partial">
          INCOMPLETE
        </span>
      )}
      <dl className="counts" aria-label="Network counts">
        <Count label="Alive" value={s.alive} testId="count-alive" />
        <Count label="Paused" value={s.paused} testId="count-paused" />
        <Count label="Dead" value={s.dead} testId="count-dead" />
        <Count label="Seeds" value={s.seeds} testId="count-seeds" />
        <Count label="Peers" value={s.peers} testId="count-peers" />
        <Count label="Links" value={s.links} testId="count-links" />
        <Count label="Messages" value={s.messages} testId="count-messages" />
        <Count
          label="Coverage"
          value={percent(s.coverage)}
          title={`${s.delivered} of ${s.expected} expected receipts; ${s.complete} of ${s.messages} messages reached every expected peer`}
          testId="count-coverage"
        />
      </dl>
      <NetBadge />
      {s.failures.length > 0 && (
        <ul className="failures" aria-label="Failure detection times (kills, crashes, pauses, restarts)">
          {s.failures.slice(-3).map((f) => (
            <li key={`${f.node}@${f.at}`} title={f.removals.map((r) => `${r.seed} removed it after ${formatMs(r.ms)}`).join('\n')}>
              <strong>{f.node}</strong> {f.kind} · miss {f.firstMissMs === null ? '…' : formatMs(f.firstMissMs)} · report{' '}
              {f.reportedMs === null ? '…' : formatMs(f.reportedMs)} · removed{' '}
              {f.removals.length === 0 ? '…' : `${f.removals.length}× by ${formatMs(f.removals.reduce((m, r) => Math.max(m, r.ms), 0))}`}
              {f.backMs !== null && ` · ${f.kind === 'pause' ? 'resumed' : 'restarted'} ${formatMs(f.backMs)}`}
              {f.backMs !== null && ` · relinked ${f.rejoinMs === null ? '…' : `+${formatMs(f.rejoinMs)}`}`}
            </li>
          ))}
        </ul>
      )}
    </header>
  )
}

function Count(props: { label: string; value: number | string; title?: string; testId: string }) {
  return (
    <div className="count" title={props.title}>
      <dt>{props.label}</dt>
      <dd data-testid={props.testId}>{props.value}</dd>
    </div>
  )
}

/** Says when the network is not plain loopback: a partition in force, or emulated conditions. */
function NetBadge() {
  useApp((st) => st.version)
  const live = useApp((st) => st.mode === 'live')
  const hostConditions = useApp((st) => st.status?.conditions ?? null)
  const shown = displayedState(app.store.getState())
  const conditions = live && hostConditions ? hostConditions : shown.net.conditions
  const partitions = live && hostConditions ? hostConditions.partitions.map((p) => p.name) : activePartitions(shown.net).map((p) => p.name)
  if (partitions.length > 0) {
    return (
      <span className="badge partition" role="status" data-testid="partition-badge" title={conditions ? describeConditions(conditions) : undefined}>
        Partition in force: {partitions.join(', ')}
      </span>
    )
  }
  if (!conditions || (isZeroLink(conditions.defaults) && conditions.links.length === 0)) return null
  return (
    <span className="badge conditions" data-testid="conditions-badge" title={describeConditions(conditions)}>
      {describeConditions({ ...conditions, partitions: [] })}
    </span>
  )
}

/**
 * While a page opened on a running session folds its history: how much of it is folded.
 * The counts are of the live view until this goes away.
 */
function CatchUpProgress() {
  const catchUp = useApp((st) => st.catchUp)
  const seq = useApp((st) => st.live.state.seq)
  if (!catchUp) return null
  const total = catchUp.to - catchUp.from
  const done = Math.min(total, Math.max(0, seq - catchUp.from))
  return (
    <span className="catch-up" role="status" data-testid="catch-up" title="This page is folding the session's events so far; the counts show the past until it has caught up">
      Loading history{' '}
      <progress max={total} value={done} aria-label="History loaded" /> {done.toLocaleString('en')} / {total.toLocaleString('en')} events ({Math.floor((done / total) * 100)}%)
    </span>
  )
}
