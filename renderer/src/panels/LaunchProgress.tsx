import { useApp } from '../store'

/** "Starting peers 340 / 1000" with a bar while the host starts nodes in waves. */
export function LaunchProgress() {
  const launching = useApp((s) => s.status?.launching ?? null)
  if (!launching) return null
  const { role, done, total } = launching
  return (
    <div className="launch-progress" role="status" aria-label="Starting nodes">
      <progress max={total} value={done} />
      <span data-testid="launch-progress">
        Starting {role}s {done} / {total}
      </span>
    </div>
  )
}
