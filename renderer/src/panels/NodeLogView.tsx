import { useEffect, useRef, useState } from 'react'
import type { NodeLog } from '../../../shared/ipc'
import { useApp } from '../store'
import { useReplay } from '../timeline/replay'

/** How often an open log is read again while the network runs (ms). */
const REFRESH_MS = 2_000

/**
 * The selected node's own log file, line for line as the node wrote it (the same lines a
 * student would read in `peer_network.log`), fetched from the host with the `nodeLog` verb
 * while the section is open; re-read every 2 s while the network runs.
 */
export function NodeLogView({ id }: { id: string }) {
  const api = useApp((s) => s.api)
  const running = useApp((s) => s.status?.running ?? false)
  const file = useReplay((s) => s.source === 'file')
  const [open, setOpen] = useState(false)
  const [log, setLog] = useState<NodeLog | null>(null)
  const [error, setError] = useState<string | null>(null)
  const pre = useRef<HTMLPreElement>(null)

  useEffect(() => {
    setLog(null)
    setError(null)
  }, [id])

  useEffect(() => {
    if (!open || !api || file) return
    let cancelled = false
    const read = async () => {
      try {
        const result = await api.nodeLog(id)
        if (cancelled) return
        if (result.ok) {
          setLog(result.value)
          setError(null)
        } else setError(result.error)
      } catch (e) {
        if (!cancelled) setError(e instanceof Error ? e.message : String(e))
      }
    }
    void read()
    const timer = running ? setInterval(() => void read(), REFRESH_MS) : undefined
    return () => {
      cancelled = true
      if (timer) clearInterval(timer)
    }
  }, [open, api, id, running, file])

  useEffect(() => {
    if (pre.current) pre.current.scrollTop = pre.current.scrollHeight
  }, [log])

  return (
    <details className="node-log" open={open} onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>
        Its log file{log ? ` (${log.file}, ${log.lines.length} lines${log.truncated ? `, last ${Math.round(log.bytes / 1024)} KiB only` : ''})` : ''}
      </summary>
      {file ? (
        <p className="muted">A recording opened in the app carries its events; its log files are in the export&apos;s logs/ folder.</p>
      ) : error ? (
        <p className="muted">{error}</p>
      ) : !log ? (
        <p className="muted">Reading…</p>
      ) : (
        <pre ref={pre} className="node-log-lines" aria-label={`Log file of ${id}`} tabIndex={0}>
          {log.lines.join('\n')}
        </pre>
      )}
    </details>
  )
}
