import { useMemo, useState } from 'react'
import { follow, tracker, useFollow } from '../follow/follow'
import { useApp } from '../store'
import { replay, useReplay } from '../timeline/replay'
import { SourceNote } from '../timeline/SourceNote'
import { arrowsOf, type Arrow } from '../../../shared/analysis/sequence'
import { lanesByFirstReceipt, propagationWindow } from '../../../shared/analysis/propagation'

const WINDOWS_MS = [50, 200, 1000, 5000, 20000] as const
const LANE = 40
const HEADER = 70
const HEIGHT = 560
const MAX_ARROWS = 1500

/**
 * Sequence (space-time) diagram of the window ending at the displayed moment: one lane per
 * node (seeds first), time downwards, one arrow per message. Hovering an arrow highlights
 * every arrow of the same message and selects its receiver in the graph; clicking a gossip
 * arrow follows that message. While a message is followed, the time axis fits its
 * propagation (creation to last copy) and the lanes are ordered by first receipt, so a
 * flood of a few milliseconds reads hop by hop.
 */
export default function SequenceView() {
  const version = useReplay((s) => s.version)
  const cursorT = useReplay((s) => s.cursorT)
  const liveVersion = useApp((s) => s.liveVersion)
  const selected = useApp((s) => s.selected)
  const select = useApp((s) => s.select)
  const [windowMs, setWindowMs] = useState<number>(200)
  const [hovered, setHovered] = useState<string | null>(null)
  const [kinds, setKinds] = useState({ gossip: true, liveness: true })
  const followed = useFollow((s) => s.id)

  const view = useMemo(() => {
    const index = replay.index
    const p = followed ? tracker.full() : null
    const span = p ? propagationWindow(p) : null
    if (p && span) {
      const from = index.countUpToTime(span.start - 1)
      const to = index.countUpToTime(span.end)
      const arrows = arrowsOf(index.events.slice(from, to), MAX_ARROWS).filter((a) => a.key === p.id)
      const pad = Math.max(1, (span.end - span.start) * 0.04)
      return { start: span.start - pad, end: span.end + pad, arrows, lanes: lanesByFirstReceipt(p), fitted: true }
    }
    const end = cursorT ?? index.endT
    const start = end - windowMs
    const from = index.countUpToTime(start)
    const to = index.countUpToTime(end)
    const events = index.events.slice(from, to)
    const arrows = arrowsOf(events, MAX_ARROWS).filter(
      (a) => (kinds.gossip || (a.kind !== 'gossip' && a.kind !== 'duplicate')) && (kinds.liveness || (a.kind !== 'liveness' && a.kind !== 'reply')),
    )
    const nodes = new Map<string, 'seed' | 'peer'>()
    const state = index.latest
    for (const a of arrows) {
      for (const id of [a.from, a.to]) nodes.set(id, state.nodes.get(id)?.role ?? 'peer')
    }
    const lanes = [...nodes].sort((x, y) => (x[1] === y[1] ? x[0].localeCompare(y[0]) : x[1] === 'seed' ? -1 : 1)).map(([id]) => id)
    return { start, end, arrows, lanes, fitted: false }
    // eslint-disable-next-line react-hooks/exhaustive-deps -- recomputed when events were appended or the cursor moved
  }, [version, cursorT, windowMs, kinds, liveVersion, followed])

  const laneX = new Map(view.lanes.map((id, i) => [id, 30 + i * LANE]))
  const width = 90 + view.lanes.length * LANE
  const y = (t: number) => HEADER + ((t - view.start) / Math.max(1, view.end - view.start)) * (HEIGHT - HEADER - 10)
  const hover = (a: Arrow | null) => {
    setHovered(a?.key ?? null)
    if (a) select(a.to)
  }

  return (
    <section className="sequence" aria-label="Sequence diagram">
      <div className="sequence-bar">
        <label>
          Window{' '}
          <select
            value={windowMs}
            onChange={(e) => {
              // Choosing a window leaves the followed message's fitted axis.
              if (view.fitted) follow(null)
              setWindowMs(Number(e.target.value))
            }} aria-label="Sequence window">
            {WINDOWS_MS.map((w) => (
              <option key={w} value={w}>
                {w >= 1000 ? `${w / 1000} s` : `${w} ms`}
              </option>
            ))}
          </select>
        </label>
        <label>
          <input type="checkbox" checked={kinds.gossip} onChange={(e) => setKinds({ ...kinds, gossip: e.target.checked })} /> gossip
        </label>
        <label>
          <input type="checkbox" checked={kinds.liveness} onChange={(e) => setKinds({ ...kinds, liveness: e.target.checked })} /> liveness
        </label>
        <span>
          {view.fitted
            ? `followed message: ${view.arrows.length} transmissions over ${Math.round(view.end - view.start)} ms, lanes in order of first receipt`
            : `${view.arrows.length} messages${view.arrows.length >= MAX_ARROWS ? ` (latest ${MAX_ARROWS})` : ''}`}
        </span>
        {view.fitted && (
          <button type="button" onClick={() => follow(null)}>
            Stop following
          </button>
        )}
      </div>
      <div className="sequence-scroll">
        {view.lanes.length === 0 ? (
          <p className="muted">No messages in this window.</p>
        ) : (
          <svg width={width} height={HEIGHT} className="sequence-svg" role="img" aria-label={`Sequence diagram, ${view.arrows.length} messages`}>
            <defs>
              <marker id="seq-head" viewBox="0 0 6 6" refX="6" refY="3" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
                <path d="M0,0 L6,3 L0,6 z" fill="context-stroke" />
              </marker>
            </defs>
            {view.lanes.map((id) => {
              const x = laneX.get(id)!
              return (
                <g key={id} className={id === selected ? 'lane selected' : 'lane'} onClick={() => select(id)}>
                  <line x1={x} x2={x} y1={HEADER} y2={HEIGHT - 10} />
                  <text x={x} y={HEADER - 6} transform={`rotate(-40 ${x} ${HEADER - 6})`}>
                    {id.startsWith('127.') ? id.slice(4) : id}
                    <title>{id}</title>
                  </text>
                </g>
              )
            })}
            {view.arrows.map((a, i) => (
              <line
                key={i}
                className={`arrow arrow-${a.kind}${hovered === a.key ? ' hot' : ''}`}
                x1={laneX.get(a.from)}
                y1={y(a.sentAt)}
                x2={laneX.get(a.to)}
                y2={y(a.receivedAt)}
                markerEnd="url(#seq-head)"
                onMouseEnter={() => hover(a)}
                onMouseLeave={() => setHovered(null)}
                onClick={() => (a.kind === 'gossip' || a.kind === 'duplicate') && follow(a.key)}
              >
                <title>{a.label}</title>
              </line>
            ))}
            {view.fitted && <TimeTicks start={view.start} end={view.end} y={y} x={width - 56} />}
          </svg>
        )}
      </div>
      <SourceNote events={replay.index.length} upTo={replay.index.length > 0 ? replay.index.endT : null} />
    </section>
  )
}

/** ms ticks along the right edge, relative to the window start (the message's creation while fitted). */
function TimeTicks({ start, end, y, x }: { start: number; end: number; y: (t: number) => number; x: number }) {
  const span = end - start
  const step = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000].find((s) => span / s <= 10) ?? 10_000
  const ticks: number[] = []
  for (let t = 0; t <= span; t += step) ticks.push(t)
  return (
    <g className="ticks">
      {ticks.map((t) => (
        <text key={t} x={x} y={y(start + t)} dominantBaseline="middle">
          +{t} ms
        </text>
      ))}
    </g>
  )
}
