import { useEffect, useRef, useState } from 'react'
import { follow } from '../follow/follow'
import { app, useApp } from '../store'
import { replay, replayUi, useReplay } from '../timeline/replay'
import { SourceNote } from '../timeline/SourceNote'
import { narrate, type MessageNames, type Narration } from './narrate'

/** Sentences kept per level; older ones are dropped (the log keeps every event). */
const KEEP = 20_000
/** Sentences drawn at once: the newest up to the displayed moment. */
const SHOWN = 300

/** Narrates the replay index incrementally; starts over when the index is replaced. */
class Narrator {
  private generation = -1
  private scanned = 0
  private names: MessageNames = new Map()
  /** Nodes seen starting: a second node.started at an address is a restart. */
  private started = new Set<string>()
  key: Narration[] = []
  all: Narration[] = []

  update(): void {
    const { generation } = replayUi.getState()
    const events = replay.index.events
    if (generation !== this.generation || this.scanned > events.length) {
      this.generation = generation
      this.scanned = 0
      this.names = new Map()
      this.started = new Set()
      this.key = []
      this.all = []
    }
    for (let i = this.scanned; i < events.length; i++) {
      const n = narrate(events[i]!, this.names, this.started)
      this.all.push(n)
      if (n.level === 'key') this.key.push(n)
    }
    this.scanned = events.length
    if (this.all.length > 2 * KEEP) this.all = this.all.slice(-KEEP)
    if (this.key.length > 2 * KEEP) this.key = this.key.slice(-KEEP)
  }
}

const narrator = new Narrator()

/** Last `count` sentences with seq <= `seq` (sentences are in seq order). */
function upTo(list: readonly Narration[], seq: number, count: number): Narration[] {
  let hi = list.length
  let lo = 0
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (list[mid]!.seq <= seq) lo = mid + 1
    else hi = mid
  }
  return list.slice(Math.max(0, lo - count), lo)
}

/**
 * The Narration tab: what is happening, in sentences, in order, up to the displayed moment.
 * A sentence's time seeks the timeline to that event; its node addresses select the nodes
 * on the graph; a gossip sentence can follow its message.
 */
export function NarrationPanel() {
  useReplay((s) => s.version)
  useReplay((s) => s.generation)
  const cursorSeq = useReplay((s) => s.cursorSeq)
  useApp((s) => (s.mode === 'live' ? s.logVersion : 0))
  const selected = useApp((s) => s.selected)
  const [detail, setDetail] = useState(false)
  const [onlySelected, setOnlySelected] = useState(false)
  const scroller = useRef<HTMLOListElement>(null)

  narrator.update()
  const source = detail ? narrator.all : narrator.key
  const filtered = onlySelected && selected ? source.filter((n) => n.nodes.includes(selected)) : source
  const shown = upTo(filtered, cursorSeq ?? Number.MAX_SAFE_INTEGER, SHOWN)
  const start = replay.index.startT
  const last = shown[shown.length - 1]?.seq

  useEffect(() => {
    const el = scroller.current
    if (el) el.scrollTop = el.scrollHeight
  }, [last])

  return (
    <section className="narration" aria-label="Narration">
      <div className="narration-bar">
        <label>
          <input type="checkbox" checked={detail} onChange={(e) => setDetail(e.target.checked)} /> every forward, copy and liveness round
        </label>
        <label>
          <input type="checkbox" checked={onlySelected} disabled={!selected} onChange={(e) => setOnlySelected(e.target.checked)} /> only the selected node
        </label>
      </div>
      {shown.length === 0 ? (
        <p className="muted">Nothing has happened yet. Start a network or open a recording: each step of the protocol will be told here.</p>
      ) : (
        <ol className="narration-list" ref={scroller}>
          {shown.map((n) => (
            <li key={n.seq} className={n.level}>
              <button
                type="button"
                className="link narration-time"
                onClick={() => replay.seekSeq(n.seq)}
                aria-label={`Show the moment ${((n.t - start) / 1000).toFixed(3)} s on the timeline`}
              >
                +{((n.t - start) / 1000).toFixed(3)} s
              </button>{' '}
              <Sentence narration={n} />
              {n.message && (
                <>
                  {' '}
                  <button type="button" className="link" onClick={() => follow(n.message!)}>
                    follow
                  </button>
                </>
              )}
            </li>
          ))}
        </ol>
      )}
      <SourceNote events={replay.index.length} upTo={replay.index.length > 0 ? replay.index.endT : null} />
    </section>
  )
}

/** The sentence with every node address it mentions as a link that selects the node. */
function Sentence({ narration }: { narration: Narration }) {
  const ids = [...new Set(narration.nodes)].sort((a, b) => b.length - a.length)
  if (ids.length === 0) return <span>{narration.text}</span>
  const pattern = new RegExp(`(${ids.map((id) => id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`)
  return (
    <span>
      {narration.text.split(pattern).map((part, i) =>
        ids.includes(part) ? (
          <button key={i} type="button" className="link node-ref" onClick={() => app.store.getState().select(part)}>
            {part}
          </button>
        ) : (
          part
        ),
      )}
    </span>
  )
}
