import { useMemo, useState } from 'react'
import { useApp } from '../store'
import { replay, useReplay } from '../timeline/replay'
import { arrowsOf, type Arrow } from '../../../shared/analysis/sequence'

const WINDOWS_MS = [50, 200, 1000, 5000, 20000] as const
const LANE = 40
const HEADER = 70
const HEIGHT = 560
const MAX_ARROWS = 1500

/**
 * Sequence (space-time) diagram of the window ending at the displayed moment: one lane per
 * node (seeds first), time downwards, one arrow per message. Hovering an arrow highlights
 * every arrow of the same message and selects its receiver in the graph, so a message can
 * be followed hop by hop; clicking a lane selects that node.
 */
export function SequenceView() {
  const version = useReplay((s) => s.version)
  const cursorT = useReplay((s) => s.cursorT)
  const liveVersion = useApp((s) => s.liveVersion)
  const selected = useApp((s) => s.selected)
  const select = useApp((s) => s.select)
  const [windowMs, setWindowMs] = useState<number>(200)
  const [hovered, setHovered] = useState<string | null>(null)
  const [kinds, setKinds] = useState({ gossip: true, liveness: true })

  const view = useMemo(() => {
    const index = replay.index
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
    return { start, end, arrows, lanes }
    // eslint-disable-next-line react-hooks/exhaustive-deps -- recomputed when events were appended or the cursor moved
  }, [version, cursorT, windowMs, kinds, liveVersion])

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
          <select value={windowMs} onChange={(e) => setWindowMs(Number(e.target.value))} aria-label="Sequence window">
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
          {view.arrows.length} messages{view.arrows.length >= MAX_ARROWS ? ` (latest ${MAX_ARROWS})` : ''}
        </span>
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
              >
                <title>{a.label}</title>
              </line>
            ))}
          </svg>
        )}
      </div>
    </section>
  )
}
