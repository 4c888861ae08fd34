import { useState } from 'react'
import { killProcess } from '../commands'
import { useApp } from '../store'

/**
 * Where a node runs: "process 4213, shared with 49 nodes" (or its own process), from the
 * host's status. Killing a shared process kills every node in it, so the button first
 * says how many and asks again.
 */
export function ProcessLine(props: { id: string; live: boolean }) {
  const info = useApp((s) => s.status?.nodes.find((n) => n.id === props.id))
  const [confirming, setConfirming] = useState(false)
  if (!info || info.pid === null) return <dd>–</dd>
  const shared = info.sharedWith ?? 0
  const alive = info.state === 'running' || info.state === 'paused' || info.state === 'starting'
  return (
    <dd data-testid="node-process">
      {/* Once a node has ended, the count of its process's other nodes is no longer kept. */}
      {!alive
        ? `ran in process ${info.pid}`
        : shared > 0
          ? `process ${info.pid}, shared with ${shared} node${shared === 1 ? '' : 's'}`
          : `process ${info.pid} (its own)`}
      {props.live && alive && shared > 0 && !confirming && (
        <button type="button" className="danger small" onClick={() => setConfirming(true)}>
          Kill process…
        </button>
      )}
      {confirming && (
        <span role="alertdialog" aria-label="Confirm killing the process" className="confirm">
          Killing process {info.pid} kills all {shared + 1} nodes in it, not only {props.id}.{' '}
          <button
            type="button"
            className="danger small"
            onClick={() => {
              setConfirming(false)
              void killProcess(props.id)
            }}
          >
            Kill {shared + 1} nodes
          </button>{' '}
          <button type="button" className="small" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </span>
      )}
    </dd>
  )
}
