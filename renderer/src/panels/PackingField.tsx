import { useState } from 'react'
import { DEFAULT_PACKING, describePacking, packingSchema, type Packing } from '../../../shared/packing'
import { useApp } from '../store'

type Mode = Packing['mode']

/**
 * How the next New network places nodes into processes: one process per node (the
 * faithful default for a handful), up to K per process (a node host), or auto (alone up
 * to a threshold, then packed). The host shows where each node runs in Node details.
 */
export function PackingField() {
  const packing = useApp((s) => s.packing)
  const setPacking = useApp((s) => s.setPackingDraft)
  const [size, setSize] = useState(String(packing.mode === 'single' ? 50 : packing.size))
  const [threshold, setThreshold] = useState(String(packing.mode === 'auto' ? packing.threshold : DEFAULT_PACKING.mode === 'auto' ? DEFAULT_PACKING.threshold : 30))
  const candidate = (mode: Mode, k: string, t: string): Packing | string => {
    const value = mode === 'single' ? { mode } : mode === 'pack' ? { mode, size: Number(k) } : { mode, size: Number(k), threshold: Number(t) }
    const parsed = packingSchema.safeParse(value)
    return parsed.success ? parsed.data : 'nodes per process: 1 to 1000; threshold: 0 to 1000'
  }
  const [error, setError] = useState<string | null>(null)
  const change = (mode: Mode, k = size, t = threshold) => {
    const next = candidate(mode, k, t)
    if (typeof next === 'string') return setError(next)
    setError(null)
    setPacking(next)
  }
  const mode = packing.mode
  return (
    <div className="field">
      <label htmlFor="setting-packing">Processes</label>
      <select id="setting-packing" value={mode} onChange={(e) => change(e.target.value as Mode)}>
        <option value="auto">auto</option>
        <option value="single">one per node</option>
        <option value="pack">packed</option>
      </select>
      {mode !== 'single' && (
        <div className="packing-numbers">
          <label>
            per process{' '}
            <input
              id="setting-packing-size"
              type="number"
              min={1}
              max={1000}
              value={size}
              aria-label="Nodes per process"
              onChange={(e) => {
                setSize(e.target.value)
                change(mode, e.target.value)
              }}
            />
          </label>
          {mode === 'auto' && (
            <label>
              alone up to{' '}
              <input
                id="setting-packing-threshold"
                type="number"
                min={0}
                max={1000}
                value={threshold}
                aria-label="Nodes alone before packing"
                onChange={(e) => {
                  setThreshold(e.target.value)
                  change(mode, size, e.target.value)
                }}
              />
            </label>
          )}
        </div>
      )}
      <small className={error ? 'error-text' : undefined}>
        {error ?? `${describePacking(packing)}. A node in a shared process costs about 0.5 MB, one alone about 45 MB (used by the next New network).`}
      </small>
    </div>
  )
}
