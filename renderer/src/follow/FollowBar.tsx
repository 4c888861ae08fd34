import { maxHop } from '../../../shared/analysis/propagation'
import { shortId } from '../log/format-event'
import { messageCoverage } from '../store/summary'
import { displayedState, useApp } from '../store'
import { useReplay } from '../timeline/replay'
import { follow, stepTransmission, tracker, useFollow } from './follow'

/**
 * Over the top of the graph while a message is followed: what the drawing shows, the
 * message's reach so far, and hop-by-hop stepping through its transmissions in replay.
 */
export function FollowBar() {
  const id = useFollow((s) => s.id)
  useFollow((s) => s.version)
  useApp((s) => (id ? s.version : 0))
  useReplay((s) => (id ? s.version : 0))
  const state = useApp(displayedState)
  if (!id) return null
  const p = tracker.shown()
  if (!p) return null
  const message = state.messages.get(id)
  const coverage = message ? messageCoverage(message) : null
  return (
    <section className="follow-bar" data-graph-overlay aria-label="Followed message" data-testid="follow-bar">
      <span>
        Following message <b>#{p.n ?? '?'}</b> from <b>{p.origin ?? 'an unknown origin'}</b>
        {p.text ? <span className="muted"> “{p.text}”</span> : <span className="muted"> {shortId(id)}</span>}:{' '}
        {message ? (
          <>
            reached {coverage!.hits} of {coverage!.expected} expected peers
          </>
        ) : (
          'not created yet at this moment'
        )}
        , {p.hops.length} first receipts up to hop {maxHop(p)},{' '}
        {message && message.duplicates > p.duplicates.length
          ? `${message.duplicates} duplicate copies dropped (gossip summarised per message: their senders are in the session file).`
          : `${p.duplicates.length} duplicate send${p.duplicates.length === 1 ? '' : 's'} lost the race.`}
      </span>
      <span className="follow-key muted">
        <span className="key-tree" aria-hidden="true" /> first received over · <span className="key-dup" aria-hidden="true" /> duplicate dropped · numbers: hops
      </span>
      <span className="follow-actions">
        <button type="button" onClick={() => stepTransmission(-1)} aria-label="Previous transmission of this message">
          ◀ hop
        </button>
        <button type="button" onClick={() => stepTransmission(1)} aria-label="Next transmission of this message">
          hop ▶
        </button>
        <button type="button" onClick={() => follow(null)}>
          Stop following
        </button>
      </span>
    </section>
  )
}
