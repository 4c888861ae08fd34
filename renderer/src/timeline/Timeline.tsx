import { useEffect, useMemo, useRef, useState } from 'react'
import { createPortal } from 'react-dom'
import './timeline.css'
import { onMenuCommand } from '../connect'
import { useApp } from '../store'
import { ExportDialog } from './ExportDialog'
import type { MarkerKind } from '../../../shared/analysis/markers'
import { follow } from '../follow/follow'
import { ImportProgressLine } from './ImportProgress'
import { openUserFiles } from './open-files'
import { replay, replayUi, SPEEDS, useReplay } from './replay'

const MARKER_ROWS: Record<MarkerKind, { row: number; name: string }> = {
  kill: { row: 0, name: 'kill' },
  report: { row: 1, name: 'Dead Node report' },
  removal: { row: 2, name: 'seed removal' },
  first: { row: 3, name: 'first delivery' },
  last: { row: 4, name: 'last delivery' },
  step: { row: 5, name: 'action' },
}
const STRIP_WIDTH = 1000

const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`

/** Keys typed into these elements are theirs, not the timeline's. */
function ownsKeys(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT', 'BUTTON'].includes(target.tagName) || target.getAttribute('role') === 'tab'
}

/**
 * The timeline under the graph: play/pause (space bar), step, speed, a slider over the
 * session's time, markers (click to seek), one-click Live, Open (file or drop anywhere)
 * and Export.
 */
export function Timeline() {
  const api = useApp((s) => s.api)
  const mode = useApp((s) => s.mode)
  const ui = useReplay((s) => s)
  const [exporting, setExporting] = useState(false)
  const [dragging, setDragging] = useState(false)
  const fileInput = useRef<HTMLInputElement>(null)
  const folderInput = useRef<HTMLInputElement>(null)

  useEffect(() => (api ? api.onEvents((batch) => replay.appendLive(batch.events)) : undefined), [api])

  useEffect(() => {
    onMenuCommand('export', () => setExporting(true))
    onMenuCommand('open-session', () => fileInput.current?.click())
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== ' ' || ownsKeys(e.target)) return
      e.preventDefault()
      replay.togglePlay()
    }
    const hasFiles = (e: DragEvent) => e.dataTransfer?.types.includes('Files') ?? false
    const onDragOver = (e: DragEvent) => {
      if (!hasFiles(e)) return
      e.preventDefault()
      setDragging(true)
    }
    const onDragLeave = (e: DragEvent) => {
      if (e.relatedTarget === null) setDragging(false)
    }
    const onDrop = (e: DragEvent) => {
      if (!hasFiles(e)) return
      e.preventDefault()
      setDragging(false)
      void openUserFiles([...(e.dataTransfer?.files ?? [])])
    }
    window.addEventListener('keydown', onKey)
    window.addEventListener('dragover', onDragOver)
    window.addEventListener('dragleave', onDragLeave)
    window.addEventListener('drop', onDrop)
    return () => {
      window.removeEventListener('keydown', onKey)
      window.removeEventListener('dragover', onDragOver)
      window.removeEventListener('dragleave', onDragLeave)
      window.removeEventListener('drop', onDrop)
    }
  }, [])

  const index = replay.index
  const start = index.startT
  const span = Math.max(1, index.endT - start)
  const replaying = mode === 'replay' && ui.cursorT !== null
  const position = replaying ? Math.min(span, Math.max(0, ui.cursorT! - start)) : span
  const shownEvents = replaying ? index.countUpToSeq(ui.cursorSeq ?? 0) : index.length

  const positionText = `${seconds(position)} / ${seconds(index.length > 0 ? span : 0)} · event ${shownEvents}/${index.length}${ui.source === 'file' && ui.name ? ` · ${ui.name}` : ''}`

  const markers = useMemo(() => {
    // One marker per pixel column and kind: thousands of deliveries stay drawable.
    const seen = new Set<string>()
    return replay.markers.all().flatMap((m) => {
      const x = Math.round(((m.t - start) / span) * STRIP_WIDTH)
      const key = `${m.kind}:${x}`
      if (seen.has(key)) return []
      seen.add(key)
      return [{ ...m, x }]
    })
    // eslint-disable-next-line react-hooks/exhaustive-deps -- recomputed when events were appended
  }, [ui.version, ui.source, start, span])

  return (
    <section className="timeline" aria-label="Timeline">
      <ImportProgressLine />
      <div className="timeline-controls">
        <button type="button" onClick={() => fileInput.current?.click()} title="Open a recorded session (.zip, events.ndjson, node events files); or drop files anywhere">
          Open…
        </button>
        <input
          ref={fileInput}
          type="file"
          multiple
          accept=".zip,.ndjson,.jsonl,.json"
          hidden
          aria-label="Open recorded session files"
          data-testid="open-files"
          onChange={(e) => {
            void openUserFiles([...(e.target.files ?? [])])
            e.target.value = ''
          }}
        />
        <button type="button" onClick={() => folderInput.current?.click()} title="Open a session folder or a directory of node logs (events files are merged)">
          Open folder…
        </button>
        <input
          ref={folderInput}
          type="file"
          hidden
          aria-label="Open a session folder or node log directory"
          {...{ webkitdirectory: '' }}
          onChange={(e) => {
            void openUserFiles([...(e.target.files ?? [])])
            e.target.value = ''
          }}
        />
        <button type="button" onClick={() => setExporting(true)} disabled={ui.source === 'file'} title={ui.source === 'file' ? 'Export works on the host’s sessions' : 'Export this session'}>
          Export…
        </button>
        <span className="sep" aria-hidden="true" />
        <button type="button" onClick={() => replay.step(-1)} aria-label="Step back one event" disabled={index.length === 0}>
          |◀
        </button>
        <button type="button" onClick={() => replay.togglePlay()} aria-label={ui.playing ? 'Pause' : 'Play'} disabled={index.length === 0}>
          {ui.playing ? '❚❚' : '▶'}
        </button>
        <button type="button" onClick={() => replay.step(1)} aria-label="Step forward one event" disabled={index.length === 0}>
          ▶|
        </button>
        <label>
          Speed{' '}
          <select value={ui.speed} onChange={(e) => replayUi.setState({ speed: Number(e.target.value) })} aria-label="Replay speed">
            {SPEEDS.map((s) => (
              <option key={s} value={s}>
                {s}x
              </option>
            ))}
          </select>
        </label>
        <span className="timeline-now">
          <output className="timeline-position" aria-label="Timeline position" title={positionText}>
            {positionText}
          </output>
          <button type="button" className={mode === 'live' ? 'live on' : 'live'} onClick={() => replay.goLive()} aria-pressed={mode === 'live'}>
            Live
          </button>
        </span>
      </div>
      <input
        type="range"
        className="timeline-slider"
        min={0}
        max={span}
        step={1}
        value={position}
        disabled={index.length === 0}
        aria-label="Replay time (ms since the session start)"
        onChange={(e) => {
          replay.pause()
          replay.seekTime(start + Number(e.target.value))
        }}
      />
      <svg className="timeline-markers" viewBox={`0 0 ${STRIP_WIDTH} 30`} preserveAspectRatio="none" aria-label="Markers">
        {markers.map((m) => (
          <rect
            key={`${m.kind}-${m.x}`}
            className={`marker marker-${m.kind}`}
            data-kind={m.kind}
            x={m.x - 1}
            y={MARKER_ROWS[m.kind].row * 5}
            width={m.kind === 'first' || m.kind === 'last' ? 1.5 : 3}
            height={5}
            role="button"
            aria-label={m.label}
            onClick={() => {
              replay.pause()
              replay.seekSeq(m.seq)
              // A delivery marker also follows its message on the graph.
              if (m.message) follow(m.message)
            }}
          >
            <title>{`${MARKER_ROWS[m.kind].name}: ${m.label}`}</title>
          </rect>
        ))}
      </svg>
      {/* Portaled to <body>: the timeline region may contain paint (a fixed overlay inside it would be clipped). */}
      {exporting && createPortal(<ExportDialog onClose={() => setExporting(false)} />, document.body)}
      {dragging &&
        createPortal(
          <div className="drop-overlay" aria-hidden="true">
            Drop a session export, events.ndjson or node events files to open them
          </div>,
          document.body,
        )}
    </section>
  )
}
