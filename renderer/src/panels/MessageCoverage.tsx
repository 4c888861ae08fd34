import type { NetworkState } from '../../../shared/model/network'
import { follow, useFollow } from '../follow/follow'
import { formatMs } from '../log/format-event'
import { messageCoverage } from '../store/summary'
import { displayedState, useApp } from '../store'

/** How many of the newest messages are listed. */
const SHOWN = 12

export interface MessageRow {
  id: string
  origin: string
  /** Msg# within its origin (1-based). */
  number: number
  hits: number
  expected: number
  /** ms from creation to the last expected receipt, once every expected peer has it. */
  completeMs: number | null
}

/** The newest messages with their delivery coverage, newest first. */
export function recentMessages(state: NetworkState, count = SHOWN): MessageRow[] {
  const all = [...state.messages.values()]
  return all
    .slice(-count)
    .reverse()
    .map((m) => {
      const c = messageCoverage(m)
      let last = m.createdAt
      for (const r of m.receipts) if (m.expected.has(r.node)) last = Math.max(last, r.at)
      return {
        id: m.id,
        origin: m.origin,
        number: m.n,
        hits: c.hits,
        expected: c.expected,
        completeMs: c.hits >= c.expected ? last - m.createdAt : null,
      }
    })
}

/** Per-message delivery coverage, shown while no node is selected. */
export function MessageCoverage() {
  // A table is read, not watched: refresh at the log's cadence while live.
  useApp((s) => (s.mode === 'live' ? s.logVersion : -1 - s.version))
  const state = useApp(displayedState)
  const rows = recentMessages(state)
  const followed = useFollow((s) => s.id)
  if (rows.length === 0) return null
  return (
    <table className="coverage-table" aria-label="Delivery of the newest messages">
      <caption>Newest messages ({state.messages.size} in all)</caption>
      <thead>
        <tr>
          <th scope="col">From</th>
          <th scope="col">#</th>
          <th scope="col">Received / expected</th>
          <th scope="col">All reached in</th>
          <th scope="col">
            <span className="visually-hidden">Follow</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.id} className={r.completeMs === null ? 'incomplete' : undefined}>
            <td>{r.origin}</td>
            <td>{r.number}</td>
            <td>
              {r.hits} / {r.expected}
            </td>
            <td>{r.completeMs === null ? '…' : formatMs(r.completeMs)}</td>
            <td>
              <button
                type="button"
                className="link"
                aria-pressed={followed === r.id}
                aria-label={`Follow message ${r.number} from ${r.origin} on the graph`}
                onClick={() => follow(followed === r.id ? null : r.id)}
              >
                {followed === r.id ? 'following' : 'follow'}
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
