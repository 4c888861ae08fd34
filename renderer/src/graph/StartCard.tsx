import { startNetwork } from '../commands'
import { runMenuCommand } from '../connect'
import { DEFAULT_PEERS, DEFAULT_SEEDS } from '../panels/Toolbar'
import { useApp } from '../store'
import { useReplay } from '../timeline/replay'

/**
 * What a first-time user sees over the empty canvas: what seeds and peers are, the two ways
 * to begin, and the keys. Shown until the first node exists (live, no recording open, no
 * history being loaded).
 */
export function StartCard() {
  const empty = useApp((s) => s.mode === 'live' && s.summary.seeds + s.summary.peers === 0)
  const connected = useApp((s) => s.status !== null)
  const file = useReplay((s) => s.source === 'file')
  // A page still loading a running session's history is not looking at an empty network.
  const loading = useApp((s) => s.catchUp !== null)
  if (!empty || file || loading) return null
  return (
    <section className="start-card" aria-labelledby="start-title">
      <h2 id="start-title">A gossip network, live</h2>
      <p>
        <span className="role-mark seed" aria-hidden="true" /> <b>Seeds</b> keep the list of peers in the network. A new peer registers
        with a majority of them and gets their lists.
      </p>
      <p>
        <span className="role-mark peer" aria-hidden="true" /> <b>Peers</b> link to a few others, then every peer floods its gossip
        messages: each peer forwards a message the first time it sees it, to every neighbour but the sender. Peers check their
        neighbours&apos; liveness and report dead ones to the seeds.
      </p>
      <div className="start-actions">
        <button type="button" className="primary" disabled={!connected} onClick={() => void startNetwork(DEFAULT_SEEDS, DEFAULT_PEERS)}>
          Start {DEFAULT_SEEDS} seeds and {DEFAULT_PEERS} peers
        </button>
        <button type="button" onClick={() => runMenuCommand('open-session')}>
          Open a recording…
        </button>
      </div>
      <h3>Keys</h3>
      <dl className="facts keys">
        <dt>
          <kbd>Right-click</kbd> / <kbd>Shift</kbd>+<kbd>F10</kbd>
        </dt>
        <dd>actions on the graph: add a peer or seed, kill a node, see a link</dd>
        <dt>
          <kbd>Delete</kbd>
        </dt>
        <dd>kill the selected node</dd>
        <dt>
          <kbd>0</kbd> / double-click
        </dt>
        <dd>fit the network into view</dd>
        <dt>
          <kbd>Esc</kbd>
        </dt>
        <dd>clear the selection</dd>
        <dt>
          <kbd>←</kbd> <kbd>→</kbd>
        </dt>
        <dd>switch tabs (Guide explains the protocol)</dd>
      </dl>
    </section>
  )
}
