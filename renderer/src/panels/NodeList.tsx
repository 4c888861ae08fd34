import { useVirtualizer } from '@tanstack/react-virtual'
import { useMemo, useRef, useState, type KeyboardEvent } from 'react'
import type { NetworkState } from '../../../shared/model/network'
import { killNode } from '../commands'
import { colourOf } from '../graph/animations'
import { isRemovedEverywhere } from '../graph/graph-model'
import { displayedState, useApp } from '../store'

export interface NodeRow {
  id: string
  role: 'seed' | 'peer'
  status: string
  /** Dead and removed by every seed that listed it. */
  removed: boolean
  degree: number
}

/** Seeds first, then peers, each in the order they appeared. */
export function nodeRows(state: NetworkState): NodeRow[] {
  const rows: NodeRow[] = []
  for (const role of ['seed', 'peer'] as const) {
    for (const n of state.nodes.values()) {
      if (n.role !== role) continue
      rows.push({ id: n.id, role, status: n.status, removed: isRemovedEverywhere(state, n), degree: role === 'seed' ? n.peerList.size : n.neighbours.size })
    }
  }
  return rows
}

const ROW_HEIGHT = 26

/**
 * The graph's nodes as a keyboard-operable listbox: arrows move, Enter selects, Delete
 * kills. Updated at the log's cadence (a few times a second), not every frame.
 */
export function NodeList() {
  const tick = useApp((s) => (s.mode === 'live' ? s.logVersion : s.version))
  const state = useApp(displayedState)
  const selected = useApp((s) => s.selected)
  const select = useApp((s) => s.select)
  const live = useApp((s) => s.mode === 'live')
  // eslint-disable-next-line react-hooks/exhaustive-deps -- `tick` stands for the mutable state's changes
  const rows = useMemo(() => nodeRows(state), [state, tick])
  const [active, setActive] = useState(0)
  const scrollRef = useRef<HTMLDivElement>(null)
  const virtual = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
  })
  const activeIndex = Math.min(active, Math.max(0, rows.length - 1))
  const activeRow = rows[activeIndex]

  const move = (index: number) => {
    const next = Math.max(0, Math.min(rows.length - 1, index))
    setActive(next)
    virtual.scrollToIndex(next)
  }
  const onKey = (e: KeyboardEvent) => {
    if (rows.length === 0) return
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 260) / ROW_HEIGHT))
    switch (e.key) {
      case 'ArrowDown':
        move(activeIndex + 1)
        break
      case 'ArrowUp':
        move(activeIndex - 1)
        break
      case 'PageDown':
        move(activeIndex + page)
        break
      case 'PageUp':
        move(activeIndex - page)
        break
      case 'Home':
        move(0)
        break
      case 'End':
        move(rows.length - 1)
        break
      case 'Enter':
      case ' ':
        if (activeRow) select(activeRow.id)
        break
      case 'Delete':
      case 'Backspace':
        if (activeRow && live) void killNode(activeRow.id)
        break
      default:
        return
    }
    e.preventDefault()
  }

  return (
    <section className="node-list" aria-label="Nodes">
      <h2 id="node-list-title">
        Nodes <span className="muted">({rows.length})</span>
      </h2>
      <div
        ref={scrollRef}
        className="node-list-scroll"
        role="listbox"
        tabIndex={0}
        aria-labelledby="node-list-title"
        aria-activedescendant={activeRow ? optionId(activeRow.id) : undefined}
        onKeyDown={onKey}
      >
        <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
          {virtual.getVirtualItems().map((item) => {
            const row = rows[item.index]!
            return (
              <div
                key={row.id}
                id={optionId(row.id)}
                role="option"
                aria-selected={row.id === selected}
                aria-label={`${row.id}, ${row.role}, ${row.status}${row.removed ? ', removed by seeds' : ''}`}
                className={`node-row${item.index === activeIndex ? ' active' : ''}${row.id === selected ? ' selected' : ''}`}
                style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}
                onClick={() => {
                  setActive(item.index)
                  select(row.id)
                }}
              >
                <span
                  className={`role-mark ${row.role} ${row.status}`}
                  style={row.role === 'peer' && (row.status === 'alive' || row.status === 'paused') ? { background: `var(--origin-${colourOf(row.id)})` } : undefined}
                  aria-hidden="true"
                />
                <span className="node-id">{row.id}</span>
                <span className={`node-state state-${row.status}`}>{row.removed ? 'removed' : row.status}</span>
              </div>
            )
          })}
        </div>
      </div>
    </section>
  )
}

function optionId(id: string): string {
  return `node-${id.replace(/[.:]/g, '-')}`
}
