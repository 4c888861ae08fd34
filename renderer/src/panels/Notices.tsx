import { useEffect } from 'react'
import { useApp } from '../store'

/** How long an info notice stays (errors stay until dismissed or pushed out). */
const INFO_MS = 5000

/** Status region: API refusals and failures (role=alert) and information (role=status). */
export function Notices() {
  const notices = useApp((s) => s.notices)
  const dismiss = useApp((s) => s.dismissNotice)
  useEffect(() => {
    const timers = notices.filter((n) => n.kind === 'info').map((n) => setTimeout(() => dismiss(n.id), INFO_MS))
    return () => timers.forEach(clearTimeout)
  }, [notices, dismiss])
  // The recording's trouble (disk full...) stays on screen while it lasts; it comes with the status.
  const recording = useApp((s) => s.status?.recordingProblem ?? null)
  const errors = notices.filter((n) => n.kind === 'error')
  const infos = notices.filter((n) => n.kind === 'info')
  return (
    <div className="notices">
      <div role="alert" aria-label="Errors">
        {recording && (
          <p className="notice error" data-testid="recording-problem">
            {recording}
          </p>
        )}
        {errors.map((n) => (
          <p key={n.id} className="notice error">
            {n.text}
            <button type="button" onClick={() => dismiss(n.id)} aria-label="Dismiss error">
              ×
            </button>
          </p>
        ))}
      </div>
      <div role="status" aria-label="Messages">
        {infos.map((n) => (
          <p key={n.id} className="notice info">
            {n.text}
          </p>
        ))}
      </div>
    </div>
  )
}
