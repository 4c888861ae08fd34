import { useApp } from '../store'

/**
 * Says when the host sends gossip per message instead of per hop (a large or busy network,
 * electron/host/hop-summary.ts): the graph then draws no dot per hop; the coverage table,
 * the followed message's tree and the counters come from the per-message summaries, and the
 * session file still holds every hop (open it to replay each one).
 */
export function GossipSummaryNote() {
  const summary = useApp((s) => (s.mode === 'live' ? (s.status?.hopSummary ?? null) : null))
  const alive = useApp((s) => s.summary.alive)
  if (!summary?.active) return null
  const why = alive > summary.aboveNodes ? `${alive.toLocaleString('en')} nodes` : `Over ${summary.aboveHopsPerSecond.toLocaleString('en')} hops/s`
  return (
    <p className="gossip-summary-note" role="status" data-testid="gossip-summary-note" data-graph-overlay>
      {why}: gossip shown per message, every hop is in the session file
    </p>
  )
}
