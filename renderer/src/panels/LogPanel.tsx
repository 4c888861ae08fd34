import { useVirtualizer } from '@tanstack/react-virtual'
import { useEffect, useMemo, useRef, useState } from 'react'
import { EVENT_TYPES, type EventType } from '../../../shared/events'
import { follow as followMessage } from '../follow/follow'
import { describeEvent, formatClock } from '../log/format-event'
import { FilteredLog } from '../log/log-buffer'
import { app, displayedState, useApp } from '../store'

const ROW_HEIGHT = 22

/**
 * The event log, virtualized: only visible rows are in the DOM. Filtering is incremental
 * (FilteredLog), so a busy network costs only the new events each update. In replay it
 * shows the events up to the displayed moment.
 */
export function LogPanel() {
  const logVersion = useApp((s) => s.logVersion)
  const version = useApp((s) => (s.mode === 'replay' ? s.version : 0))
  const live = useApp((s) => s.log)
  const replayLog = useApp((s) => s.replayLog)
  const mode = useApp((s) => s.mode)
  const maxSeq = useApp((s) => (s.mode === 'replay' ? displayedState(s).seq : null))
  const node = useApp((s) => s.logNode)
  const types = useApp((s) => s.logTypes)
  const setLogNode = useApp((s) => s.setLogNode)
  const setLogTypes = useApp((s) => s.setLogTypes)
  // The node filter's choices follow the log's slow cadence, not every frame.
  const nodesTick = useApp((s) => (s.mode === 'live' ? s.logVersion : -1 - s.version))
  const nodeIds = useMemo(
    () => [...displayedState(app.store.getState()).nodes.keys()].sort(),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- recomputed on the store's cadence
    [nodesTick],
  )

  // One source object per log: a new one each render would rebuild the filter every render.
  const source = useMemo(() => (mode === 'replay' && replayLog ? { entries: replayLog, dropped: 0 } : live), [mode, replayLog, live])
  const filtered = useMemo(() => new FilteredLog({ node, types, maxSeq }, source), [node, types, maxSeq, source])
  // Brought up to date while rendering, so the rows drawn and the count come from the same
  // filter (updating it in an effect drew rows from a filter not updated yet: a blank log
  // whenever the count did not change, e.g. after opening a recording).
  const count = useMemo(() => {
    filtered.update()
    return filtered.indices.length
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the log is mutable; its versions say when it grew
  }, [filtered, logVersion, version])

  const scrollRef = useRef<HTMLDivElement>(null)
  const [follow, setFollow] = useState(true)
  const virtual = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
  })
  // Following: pin the scroll to the bottom directly (scrollToIndex keeps re-measuring
  // for several frames, which costs every frame when events keep arriving).
  useEffect(() => {
    const el = scrollRef.current
    if (follow && el) el.scrollTop = el.scrollHeight
  }, [count, follow])

  return (
    <section className="log" aria-label="Event log">
      <div className="log-filters">
        <label>
          Node{' '}
          <select value={node ?? ''} onChange={(e) => setLogNode(e.target.value || null)} aria-label="Filter log by node">
            <option value="">all nodes</option>
            {nodeIds.map((id) => (
              <option key={id} value={id}>
                {id}
              </option>
            ))}
          </select>
        </label>
        <label>
          Type{' '}
          <select
            value={types[0] ?? ''}
            onChange={(e) => setLogTypes(e.target.value ? [e.target.value as EventType] : [])}
            aria-label="Filter log by event type"
          >
            <option value="">all types</option>
            {EVENT_TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> Follow
        </label>
        <span className="muted" aria-live="off">
          {count} events
        </span>
      </div>
      <div ref={scrollRef} className="log-scroll" role="log" aria-label="Events" tabIndex={0}>
        <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
          {virtual.getVirtualItems().map((item) => {
            const event = filtered.at(item.index)
            if (!event) return null
            return (
              <div
                key={item.key}
                className={`log-row type-${event.type.split('.')[0]}`}
                style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}
              >
                <span className="log-time">{formatClock(event.t)}</span>
                <span className="log-node" title={event.node}>
                  {event.node.startsWith('127.') ? event.node.slice(4) : event.node}
                </span>
                <span className="log-text" title={`${event.type}: ${describeEvent(event)}`}>
                  {describeEvent(event)}
                </span>
                {event.type.startsWith('gossip.') && 'id' in event && (
                  <button type="button" className="link log-follow" onClick={() => followMessage(event.id)} aria-label={`Follow message ${event.id.slice(0, 8)} on the graph`}>
                    follow
                  </button>
                )}
              </div>
            )
          })}
        </div>
      </div>
    </section>
  )
}
