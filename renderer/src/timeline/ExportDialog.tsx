import { useState } from 'react'
import { exportRequestSchema, type ExportQueueStatus, type ExportRequest } from '../../../shared/ipc'
import { app, useApp } from '../store'
import { replay } from './replay'

/**
 * Exports queued before ours and not finished yet: those running or waiting when we asked
 * (`asked`), less those the host finished since (HostStatus.exports counts every finish).
 */
export function exportsAhead(asked: { ahead: number; finished: number } | null, now: ExportQueueStatus | undefined): number {
  return asked && now ? Math.max(0, asked.ahead - (now.finished - asked.finished)) : 0
}

/**
 * Export the host's current session: time range (seconds after the session start), node
 * set, zip or folder. The host writes it (a save dialog on the desktop); the web host
 * answers with a download URL, which is followed at once.
 */
export function ExportDialog({ onClose }: { onClose: () => void }) {
  const api = useApp((s) => s.api)
  const nodeIds = useApp((s) => [...s.live.state.nodes.keys()].sort().join(','))
  const nodes = nodeIds === '' ? [] : nodeIds.split(',')
  const span = Math.max(0, replay.index.endT - replay.index.startT) / 1000
  const [from, setFrom] = useState('0')
  const [to, setTo] = useState(span.toFixed(1))
  const [chosen, setChosen] = useState<string[]>([])
  const [format, setFormat] = useState<'zip' | 'folder'>('zip')
  const [busy, setBusy] = useState(false)
  const queue = useApp((s) => s.status?.exports)
  // The host runs exports one at a time: the ones ahead of ours when we asked, less those finished since.
  const [asked, setAsked] = useState<{ ahead: number; finished: number } | null>(null)
  const ahead = exportsAhead(asked, queue)
  const [error, setError] = useState<string | null>(null)

  const submit = async () => {
    const start = replay.index.startT
    const f = Number(from)
    const t = Number(to)
    if (!Number.isFinite(f) || !Number.isFinite(t) || f < 0 || t < f) return setError('Time range: enter seconds with 0 <= from <= to')
    const request: ExportRequest = { format }
    // Whole session when the range covers it (keeps events still arriving).
    if (start > 0 && f > 0) request.fromT = start + f * 1000
    if (start > 0 && t < span) request.toT = start + t * 1000
    if (chosen.length > 0) request.nodes = chosen
    const parsed = exportRequestSchema.safeParse(request)
    if (!parsed.success) return setError(parsed.error.issues[0]?.message ?? 'invalid export request')
    if (!api) return setError('Not connected to the host')
    setBusy(true)
    setError(null)
    setAsked({ ahead: (queue?.running ?? 0) + (queue?.waiting ?? 0), finished: queue?.finished ?? 0 })
    const result = await api.exportSession(parsed.data)
    setBusy(false)
    setAsked(null)
    if (!result.ok) return setError(result.error)
    if (result.value.url) {
      const link = document.createElement('a')
      link.href = result.value.url
      link.download = result.value.path.split(/[\\/]/).pop() ?? 'session.zip'
      document.body.append(link)
      link.click()
      link.remove()
    }
    app.store.getState().notify('info', `Exported ${result.value.bytes} bytes to ${result.value.path}`)
    onClose()
  }

  return (
    <div className="modal-backdrop" onClick={onClose}>
      <div
        role="dialog"
        aria-modal="true"
        aria-labelledby="export-title"
        className="modal"
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => e.key === 'Escape' && onClose()}
      >
        <h2 id="export-title">Export session</h2>
        <fieldset>
          <legend>Time range (seconds after the start)</legend>
          <label>
            From <input type="number" min={0} step={0.1} value={from} onChange={(e) => setFrom(e.target.value)} aria-label="Export from (s)" />
          </label>
          <label>
            To <input type="number" min={0} step={0.1} value={to} onChange={(e) => setTo(e.target.value)} aria-label="Export to (s)" />
          </label>
        </fieldset>
        <fieldset>
          <legend>Nodes (none selected = all)</legend>
          <select multiple size={Math.min(8, Math.max(3, nodes.length))} value={chosen} aria-label="Nodes to export" onChange={(e) => setChosen([...e.target.selectedOptions].map((o) => o.value))}>
            {nodes.map((id) => (
              <option key={id} value={id}>
                {id}
              </option>
            ))}
          </select>
        </fieldset>
        <fieldset>
          <legend>Format</legend>
          <label>
            <input type="radio" name="export-format" checked={format === 'zip'} onChange={() => setFormat('zip')} /> zip archive
          </label>
          <label>
            <input type="radio" name="export-format" checked={format === 'folder'} onChange={() => setFormat('folder')} /> folder
          </label>
        </fieldset>
        {busy && (
          <p role="status">
            {ahead > 0
              ? `Queued: ${ahead === 1 ? 'another export is' : `${ahead} exports are`} running first (one at a time); this one starts after.`
              : 'Exporting…'}
          </p>
        )}
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <div className="modal-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="primary" disabled={busy} onClick={() => void submit()}>
            {busy ? (ahead > 0 ? 'Queued…' : 'Exporting…') : 'Export'}
          </button>
        </div>
      </div>
    </div>
  )
}
