import { useState } from 'react'
import { MAX_NODES_PER_REQUEST, countSchema } from '../../../shared/ipc'
import { addPeers, addSeed, killSelected, startNetwork, stopNetwork } from '../commands'
import { ScenarioControls } from '../scenario/ScenarioControls'
import { useApp } from '../store'

export const DEFAULT_SEEDS = 3
export const DEFAULT_PEERS = 10

/** Network commands. Inputs are checked here first; the host checks them again. */
export function Toolbar() {
  const running = useApp((s) => s.status?.running ?? false)
  const selected = useApp((s) => s.selected)
  const live = useApp((s) => s.mode === 'live')
  const notify = useApp((s) => s.notify)
  const maxNodes = useApp((s) => s.status?.maxNodes ?? MAX_NODES_PER_REQUEST)
  const [seeds, setSeeds] = useState(String(DEFAULT_SEEDS))
  const [peers, setPeers] = useState(String(DEFAULT_PEERS))
  const [more, setMore] = useState('5')

  const start = () => {
    const s = Number(seeds)
    const p = Number(peers)
    if (!Number.isInteger(s) || s < 2 || s > 16) return notify('error', 'New network: seeds must be a whole number from 2 to 16')
    const cap = Math.min(MAX_NODES_PER_REQUEST, maxNodes - s)
    if (!Number.isInteger(p) || p < 0 || p > cap) {
      return notify('error', `New network: peers must be a whole number from 0 to ${cap} (this host runs at most ${maxNodes} nodes, ${s} of them seeds)`)
    }
    void startNetwork(s, p)
  }
  const add = () => {
    const parsed = countSchema.safeParse(Number(more))
    if (!parsed.success) return notify('error', `Add peers: enter a whole number from 1 to ${MAX_NODES_PER_REQUEST} (this host runs at most ${maxNodes} nodes)`)
    void addPeers(parsed.data)
  }

  return (
    <div className="toolbar" role="toolbar" aria-label="Network commands">
      <label>
        Seeds <input type="number" min={2} max={16} value={seeds} onChange={(e) => setSeeds(e.target.value)} aria-label="Seeds for a new network" />
      </label>
      <label>
        Peers <input type="number" min={0} max={maxNodes} value={peers} onChange={(e) => setPeers(e.target.value)} aria-label="Peers for a new network" />
      </label>
      <button type="button" onClick={start} className="primary">
        New network
      </button>
      <button type="button" onClick={() => void stopNetwork()} disabled={!running}>
        Stop
      </button>
      <span className="sep" aria-hidden="true" />
      <button type="button" onClick={() => void addSeed()} disabled={!running || !live}>
        Add seed
      </button>
      <input type="number" min={1} max={MAX_NODES_PER_REQUEST} value={more} onChange={(e) => setMore(e.target.value)} aria-label="Number of peers to add" className="small" />
      <button type="button" onClick={add} disabled={!running || !live}>
        Add peers
      </button>
      <span className="sep" aria-hidden="true" />
      <button type="button" onClick={() => void killSelected()} disabled={!selected || !live} className="danger" aria-label={selected ? `Kill selected node ${selected}` : 'Kill selected node'}>
        Kill selected
      </button>
      <span className="sep" aria-hidden="true" />
      <ScenarioControls />
    </div>
  )
}
