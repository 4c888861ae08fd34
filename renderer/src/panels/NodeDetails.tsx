import type { NodeState, NetworkState } from '../../../shared/model/network'
import { killNode, pauseNode, restartNode, resumeNode } from '../commands'
import { displayedState, useApp } from '../store'
import { MessageCoverage } from './MessageCoverage'
import { NodeLogView } from './NodeLogView'
import { ProcessLine } from './ProcessLine'

/** Everything known about the selected node in the displayed state. */
export function NodeDetails() {
  const selected = useApp((s) => s.selected)
  // Re-render with the displayed state (at most once per frame) while something is selected.
  useApp((s) => (s.selected ? s.version : 0))
  const state = useApp(displayedState)
  const live = useApp((s) => s.mode === 'live')
  const select = useApp((s) => s.select)
  // A node sharing a node host is paused by the host (its timers and sockets), not by a signal.
  const shared = useApp((s) => (s.status?.nodes.find((n) => n.id === s.selected)?.sharedWith ?? 0) > 0)
  const node = selected ? state.nodes.get(selected) : undefined
  if (!selected || !node) {
    return (
      <section className="details empty" aria-label="Node details">
        <p>Select a node in the graph or the node list to see its details.</p>
        <MessageCoverage />
      </section>
    )
  }
  const running = node.status === 'alive' || node.status === 'starting'
  const canKill = live && (running || node.status === 'paused')
  return (
    <section className="details" aria-label={`Details of ${node.id}`}>
      <h2>
        <span className={`role-mark ${node.role}`} aria-hidden="true" /> {node.id}
      </h2>
      <dl className="facts">
        <dt>Role</dt>
        <dd>{node.role}</dd>
        <dt>State</dt>
        <dd className={`state-${node.status}`}>{describeStatus(node)}</dd>
        <dt>Process</dt>
        {live ? <ProcessLine id={node.id} live={live} /> : <dd>{node.pid ?? '–'}</dd>}
        {node.role === 'peer' && (
          <>
            <dt>Message List</dt>
            <dd>{node.messages.size}</dd>
            <dt>Created / received / duplicates</dt>
            <dd>
              {node.created} / {node.received} / {node.duplicates}
            </dd>
            <dt>Registered with</dt>
            <dd>{list(node.registeredWith, select)}</dd>
          </>
        )}
        <dt>{node.role === 'seed' ? 'Peer List' : 'Peers known'}</dt>
        <dd>{list(node.peerList, select)}</dd>
        {node.role === 'peer' && (
          <>
            <dt>Neighbours</dt>
            <dd>{neighbours(node, select)}</dd>
          </>
        )}
        {node.removedBy.size > 0 && (
          <>
            <dt>Removed by seeds</dt>
            <dd>{list(node.removedBy, select)}</dd>
          </>
        )}
        {node.rejected > 0 && (
          <>
            <dt>Frames rejected</dt>
            <dd>{node.rejected}</dd>
          </>
        )}
      </dl>
      <FailureLine state={state} id={node.id} />
      <NodeLogView id={node.id} />
      {live && (
        <div className="node-actions" role="group" aria-label={`Actions on ${node.id}`}>
          {running && (
            <button type="button" onClick={() => void pauseNode(node.id)} aria-label={`Pause ${node.id}`} title={shared ? 'Freeze this node in its shared process (its timers and sockets stop; as SIGSTOP would): connections stay open, it answers nothing' : 'Freeze its process (SIGSTOP): connections stay open, it answers nothing'}>
              Pause
            </button>
          )}
          {node.status === 'paused' && (
            <button type="button" onClick={() => void resumeNode(node.id)} aria-label={`Resume ${node.id}`} title={shared ? 'Let it run again (as SIGCONT would)' : 'Let it run again (SIGCONT)'}>
              Resume
            </button>
          )}
          <button
            type="button"
            onClick={() => void restartNode(node.id)}
            aria-label={`Restart ${node.id}`}
            title="Start it again at the same address with a new incarnation, placed by the Processes setting (killed first if it runs)"
          >
            Restart
          </button>
          {canKill && (
            <button type="button" className="danger" onClick={() => void killNode(node.id)} aria-label={`Kill ${node.id}`}>
              Kill this node
            </button>
          )}
        </div>
      )}
    </section>
  )
}

function describeStatus(node: NodeState): string {
  const restarted = node.restarts > 0 ? `, restarted ${node.restarts}×` : ''
  if (node.status === 'dead') return `${node.crashed ? 'dead (crashed)' : 'dead (killed)'}${restarted}`
  if (node.status === 'paused') return `paused (frozen, answers nothing)${restarted}`
  return `${node.status}${restarted}`
}

function list(ids: ReadonlySet<string>, select: (id: string) => void) {
  if (ids.size === 0) return <span className="muted">none</span>
  return (
    <ul className="id-list">
      {[...ids].sort().map((id) => (
        <li key={id}>
          <button type="button" className="link" onClick={() => select(id)}>
            {id}
          </button>
        </li>
      ))}
    </ul>
  )
}

/** Neighbours with their current liveness misses. */
function neighbours(node: NodeState, select: (id: string) => void) {
  if (node.neighbours.size === 0) return <span className="muted">none</span>
  return (
    <ul className="id-list">
      {[...node.neighbours].sort().map((id) => {
        const misses = node.misses.get(id) ?? 0
        return (
          <li key={id}>
            <button type="button" className="link" onClick={() => select(id)}>
              {id}
            </button>
            {misses > 0 && <span className="miss"> {misses} missed</span>}
          </li>
        )
      })}
    </ul>
  )
}

function FailureLine({ state, id }: { state: NetworkState; id: string }) {
  const failure = [...state.failures].reverse().find((f) => f.node === id)
  if (!failure) return null
  const ms = (t: number | null) => (t === null ? '…' : `${t - failure.at} ms`)
  const what = failure.kind === 'pause' ? 'Paused' : failure.endAt !== null ? 'Restarted after a kill' : failure.kind === 'crash' ? 'Crashed' : 'Killed'
  const back = failure.endAt === null ? '' : `; ${failure.kind === 'pause' ? 'resumed' : 'new process'} after ${ms(failure.endAt)}`
  const rejoined = failure.endAt === null ? '' : failure.rejoinedAt === null ? ', not linked again yet' : `, linked again ${failure.rejoinedAt - failure.endAt} ms later`
  return (
    <p className="failure-line">
      {what}: first miss after {ms(failure.firstMissAt)}, reported after {ms(failure.reportedAt)}
      {failure.reportedBy ? ` by ${failure.reportedBy}` : ''}; removed by {failure.removals.size} seed(s){back}
      {rejoined}.
    </p>
  )
}
