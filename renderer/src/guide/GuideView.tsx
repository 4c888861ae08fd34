import type { ReactNode } from 'react'
import type { NetworkState } from '../../../shared/model/network'
import { follow } from '../follow/follow'
import { setShowRegistrations } from '../graph/graph-ui'
import { formatMs } from '../log/format-event'
import { app, displayedState, useApp } from '../store'
import { replay } from '../timeline/replay'

/**
 * A short guide to the protocol the app runs (the course assignment), each part pointing at
 * a live example in the session on screen: a peer's registrations, the newest gossip
 * message to follow, what flooding cost for one message, the last failure and how it was
 * detected.
 */
export default function GuideView() {
  // A guide is read, not watched: refresh at the log's cadence while live.
  useApp((s) => (s.mode === 'live' ? s.logVersion : -1 - s.version))
  const state = useApp(displayedState)
  const settings = useApp((s) => s.status?.settings ?? s.settings)
  const seeds = [...state.nodes.values()].filter((n) => n.role === 'seed')
  const peers = [...state.nodes.values()].filter((n) => n.role === 'peer')
  const majority = Math.floor(Math.max(seeds.length, 2) / 2) + 1

  return (
    <article className="guide" aria-label="Protocol guide">
      <h2>The gossip protocol in five minutes</h2>
      <p className="muted">Each part ends with an example from the network on screen.</p>

      <section>
        <h3>1. Seeds and peers</h3>
        <p>
          <code>config.txt</code> lists the <b>seeds</b>. A <b>peer</b> registers with a majority of them (⌊n/2⌋+1; {majority} of {seeds.length || 'n'}{' '}
          here), asks each for its Peer List, and links to a few peers from the union, preferring well-connected ones (preferential
          attachment gives a power-law degree distribution). Seeds only keep lists: gossip never passes through them.
        </p>
        <Example>{registrationExample(state)}</Example>
      </section>

      <section>
        <h3>2. Messages on the wire</h3>
        <p>One message per line. The assignment fixes these formats:</p>
        <table className="guide-table">
          <tbody>
            <tr>
              <td>
                <code>&lt;timestamp&gt;:&lt;IP&gt;:&lt;Msg#&gt;</code>
              </td>
              <td>a gossip message (every {formatMs(settings.gossipIntervalMs * settings.timeScale)} here, {settings.gossipCount} per peer)</td>
            </tr>
            <tr>
              <td>
                <code>Liveness Request:&lt;ts&gt;:&lt;IP&gt;</code>
              </td>
              <td>are you alive? (every {formatMs(settings.livenessIntervalMs * settings.timeScale)} here)</td>
            </tr>
            <tr>
              <td>
                <code>Liveness Reply:&lt;ts&gt;:&lt;IP&gt;:&lt;self IP&gt;</code>
              </td>
              <td>yes</td>
            </tr>
            <tr>
              <td>
                <code>Dead Node:&lt;IP&gt;:&lt;Port&gt;:&lt;ts&gt;:&lt;self IP&gt;</code>
              </td>
              <td>to every seed, after {settings.livenessMisses} missed replies in a row</td>
            </tr>
          </tbody>
        </table>
        <Example>{newestMessageExample(state)}</Example>
      </section>

      <section>
        <h3>3. Why a message never crosses a link twice</h3>
        <p>
          Every peer keeps a <b>Message List</b> keyed by a hash of the message. The first time a message arrives, the peer logs it and
          forwards it to every neighbour except the one it came from; a later copy is found in the list and dropped. So each link carries a
          message at most once in each direction, and a broadcast over N peers and E links costs at most 2E−(N−1) sends (a spanning tree
          would need N−1). Copies that cross in flight are the duplicates.
        </p>
        <Example>{floodingExample(state)}</Example>
      </section>

      <section>
        <h3>4. Detecting a dead peer</h3>
        <p>
          Each peer sends a Liveness Request to every neighbour each interval. After {settings.livenessMisses} unanswered requests in a row
          it reports the neighbour to the seeds with a Dead Node message and drops the link. A seed that still has a connection to the
          reported peer probes it first, and removes it from its Peer List only if it does not answer, so one false report cannot remove a
          live peer.
        </p>
        <Example>{failureExample(state)}</Example>
      </section>

      <section>
        <h3>Try it</h3>
        <ul>
          <li>Right-click a peer (or select it and press <kbd>Shift</kbd>+<kbd>F10</kbd>) and choose Kill, then watch the Narration tab.</li>
          <li>Follow a message from the table of newest messages, then step it hop by hop with ◀ hop / hop ▶.</li>
          <li>Open Analysis (above the graph) to compare the sends per broadcast with the 2E−(N−1) bound.</li>
        </ul>
        <p className="muted">
          {peers.length} peers and {seeds.length} seeds on screen.
        </p>
      </section>
    </article>
  )
}

function Example({ children }: { children: ReactNode }) {
  return (
    <p className="guide-example">
      <span className="guide-example-label">In this session:</span> {children}
    </p>
  )
}

function NodeButton({ id }: { id: string }) {
  return (
    <button type="button" className="link node-ref" onClick={() => app.store.getState().select(id)}>
      {id}
    </button>
  )
}

function registrationExample(state: NetworkState): ReactNode {
  const peer = [...state.nodes.values()].find((n) => n.role === 'peer' && n.registeredWith.size > 0)
  if (!peer) return 'no peer has registered yet. Start a network to see registrations.'
  return (
    <>
      peer <NodeButton id={peer.id} /> registered with {[...peer.registeredWith].map((s, i) => (
        <span key={s}>
          {i > 0 ? ', ' : ''}
          <NodeButton id={s} />
        </span>
      ))}{' '}
      and has {peer.neighbours.size} neighbour{peer.neighbours.size === 1 ? '' : 's'}.{' '}
      <button
        type="button"
        className="link"
        onClick={() => {
          setShowRegistrations(true)
          app.store.getState().select(peer.id)
        }}
      >
        Show on the graph
      </button>
    </>
  )
}

function newestMessageExample(state: NetworkState): ReactNode {
  const messages = [...state.messages.values()]
  const m = messages[messages.length - 1]
  if (!m) return 'no gossip message yet.'
  return (
    <>
      the newest message is <code>{m.text}</code>, Msg# {m.n} of <NodeButton id={m.origin} />, already received by {m.receipts.length}{' '}
      peer{m.receipts.length === 1 ? '' : 's'}.{' '}
      <button type="button" className="link" onClick={() => follow(m.id)}>
        Follow it on the graph
      </button>
    </>
  )
}

function floodingExample(state: NetworkState): ReactNode {
  const done = [...state.messages.values()].filter((m) => m.receipts.length > 0 && m.receipts.length >= m.expected.size)
  const m = done[done.length - 1]
  if (!m) return 'no message has reached all its peers yet.'
  return (
    <>
      message #{m.n} of <NodeButton id={m.origin} /> reached {m.receipts.length} peers with {m.forwards} sends; {m.duplicates} cop
      {m.duplicates === 1 ? 'y was' : 'ies were'} dropped as duplicates.{' '}
      <button type="button" className="link" onClick={() => follow(m.id)}>
        Follow it: the tree and the lost races
      </button>
    </>
  )
}

function failureExample(state: NetworkState): ReactNode {
  const f = state.failures[state.failures.length - 1]
  if (!f) return 'nothing has failed yet. Kill a peer to see its neighbours miss replies, report it, and the seeds remove it.'
  const after = (t: number | null) => (t === null ? 'not yet' : `after ${formatMs(t - f.at)}`)
  return (
    <>
      <NodeButton id={f.node} /> failed; first missed reply {after(f.firstMissAt)}, first report {after(f.reportedAt)}
      {f.reportedBy ? (
        <>
          {' '}
          by <NodeButton id={f.reportedBy} />
        </>
      ) : null}
      , removed by {f.removals.size} seed{f.removals.size === 1 ? '' : 's'}.{' '}
      <button type="button" className="link" onClick={() => replay.seekTime(f.at)}>
        Show that moment
      </button>
    </>
  )
}
