import { useImportProgress } from './import-progress'

const MIB = 1024 * 1024
const mib = (bytes: number): string => `${(bytes / MIB).toFixed(bytes < 10 * MIB ? 1 : 0)} MiB`
const count = (n: number): string => n.toLocaleString('en')

/** The import under way: phase, progress and Cancel (the page stays usable meanwhile). */
export function ImportProgressLine() {
  const p = useImportProgress()
  if (!p) return null
  const text =
    p.phase === 'reading'
      ? `reading ${mib(p.done)} of ${mib(p.total)}`
      : p.phase === 'parsing'
        ? `parsing ${p.file}: ${mib(p.done)} of ${mib(p.total)}, ${count(p.events)} events`
        : p.phase === 'receiving'
          ? `receiving ${count(p.done)} of ${count(p.total)} events`
          : `indexing ${count(p.done)} of ${count(p.total)} events for replay`
  return (
    <div className="import-progress" role="status" aria-live="polite" data-testid="import-progress">
      <span>
        Opening {p.name}: {text}
      </span>
      <progress max={Math.max(1, p.total)} value={Math.min(p.done, p.total)} aria-label={`Opening ${p.name}`} />
      <button type="button" onClick={p.cancel}>
        Cancel
      </button>
    </div>
  )
}
