import {
  forceLink,
  forceManyBody,
  forceSimulation,
  forceX,
  forceY,
  type Simulation,
  type SimulationLinkDatum,
  type SimulationNodeDatum,
} from 'd3-force'
import type { NetworkState, NodeState, NodeStatus } from '../../../shared/model/network'
import { SpatialGrid } from './spatial-grid'

export interface SimNode extends SimulationNodeDatum {
  id: string
  role: 'seed' | 'peer'
  status: NodeStatus
  /** Peers: neighbours; seeds: peers in its list. */
  degree: number
  /** World units. */
  radius: number
  /** Every seed known removed this dead node: it is drawn faded. */
  removed: boolean
  /** ms (animation clock) when `removed` became true; null while not removed. */
  removedAt: number | null
}

export interface SimLink extends SimulationLinkDatum<SimNode> {
  key: string
  source: SimNode
  target: SimNode
  /** Highest consecutive liveness misses either side reports about the other (0 = fine). */
  misses: number
}

/** Largest node radius + hit slack must stay below this (world units). */
const GRID_CELL = 48

export function nodeRadius(role: 'seed' | 'peer', degree: number): number {
  return role === 'seed' ? 6 + Math.min(4, 0.5 * Math.sqrt(degree)) : 4 + Math.min(14, 1.6 * Math.sqrt(degree))
}

/**
 * The drawn graph: simulation nodes and links mirrored from a NetworkState. Node objects
 * are reused by id, so positions and velocities survive every sync; the simulation is
 * created stopped and advanced by `tick()` from the caller's animation loop.
 */
export class GraphModel {
  readonly nodes = new Map<string, SimNode>()
  nodeList: SimNode[] = []
  links: SimLink[] = []
  private readonly linkByKey = new Map<string, SimLink>()
  readonly simulation: Simulation<SimNode, SimLink>
  private readonly grid = new SpatialGrid<SimNode>(GRID_CELL)
  private gridDirty = true
  private seedRing = 120
  private ticks = 0
  private seeds: SimNode[] = []

  constructor() {
    this.simulation = forceSimulation<SimNode, SimLink>([])
      .stop()
      .alphaDecay(0.03)
      .force('charge', forceManyBody<SimNode>().strength(-90).theta(0.9).distanceMax(400))
      .force('link', forceLink<SimNode, SimLink>([]).id((n) => n.id).distance(45).strength(0.5))
      .force('x', forceX<SimNode>(0).strength(0.06))
      .force('y', forceY<SimNode>(0).strength(0.06))
  }

  /**
   * Mirrors `state`. Returns true when nodes or links were added or removed (the layout
   * is reheated then). `now` is the animation clock in ms, used to time fade-outs.
   */
  sync(state: NetworkState, now: number): boolean {
    let topology = false
    const seeds: SimNode[] = []
    for (const source of state.nodes.values()) {
      let node = this.nodes.get(source.id)
      if (!node) {
        node = { id: source.id, role: source.role, status: source.status, degree: 0, radius: 4, removed: false, removedAt: null }
        this.place(node, source.neighbours)
        this.nodes.set(source.id, node)
        topology = true
      }
      node.role = source.role
      node.status = source.status
      node.degree = source.role === 'seed' ? source.peerList.size : source.neighbours.size
      node.radius = nodeRadius(node.role, node.degree)
      const removed = isRemovedEverywhere(state, source)
      if (removed && !node.removed) node.removedAt = now
      if (!removed) node.removedAt = null
      node.removed = removed
      if (node.role === 'seed') seeds.push(node)
    }
    if (this.nodes.size !== state.nodes.size) {
      for (const id of [...this.nodes.keys()]) if (!state.nodes.has(id)) this.nodes.delete(id)
      topology = true
    }

    for (const source of state.links.values()) {
      let link = this.linkByKey.get(source.key)
      if (!link) {
        const a = this.nodes.get(source.a)
        const b = this.nodes.get(source.b)
        if (!a || !b) continue
        link = { key: source.key, source: a, target: b, misses: 0 }
        this.linkByKey.set(source.key, link)
        topology = true
      }
      link.misses = Math.max(
        state.nodes.get(source.a)?.misses.get(source.b) ?? 0,
        state.nodes.get(source.b)?.misses.get(source.a) ?? 0,
      )
    }
    if (this.linkByKey.size !== state.links.size) {
      for (const key of [...this.linkByKey.keys()]) if (!state.links.has(key)) this.linkByKey.delete(key)
      topology = true
    }

    if (topology) {
      this.nodeList = [...this.nodes.values()]
      this.links = [...this.linkByKey.values()]
      this.pinSeeds(seeds)
      this.simulation.nodes(this.nodeList)
      this.simulation.force<ReturnType<typeof forceLink<SimNode, SimLink>>>('link')!.links(this.links)
      this.simulation.alpha(Math.max(this.simulation.alpha(), 0.5))
      this.gridDirty = true
    }
    return topology
  }

  /** One simulation step if the layout is still moving. Returns true if anything moved. */
  tick(): boolean {
    if (this.simulation.alpha() < this.simulation.alphaMin()) return false
    this.simulation.tick()
    if (++this.ticks % 10 === 0) this.placeSeedRing()
    this.gridDirty = true
    return true
  }

  /** Node under world point (x, y), within `slack` world units of its edge. */
  hitTest(x: number, y: number, slack = 4): SimNode | null {
    if (this.gridDirty) {
      this.grid.rebuild(this.nodeList)
      this.gridDirty = false
    }
    return this.grid.hit(x, y, slack)
  }

  /** Moves a node by hand (dragging); pinned until released. */
  pin(node: SimNode, x: number | null, y: number | null): void {
    node.fx = x
    node.fy = y
    if (x !== null && y !== null) {
      node.x = x
      node.y = y
    }
    this.gridDirty = true
    this.simulation.alpha(Math.max(this.simulation.alpha(), 0.1))
  }

  /** World-space bounding box of all nodes (their circles, not just centres), or null if empty. */
  bounds(): { x0: number; y0: number; x1: number; y1: number } | null {
    if (this.nodeList.length === 0) return null
    let x0 = Infinity
    let y0 = Infinity
    let x1 = -Infinity
    let y1 = -Infinity
    for (const n of this.nodeList) {
      x0 = Math.min(x0, (n.x ?? 0) - n.radius)
      y0 = Math.min(y0, (n.y ?? 0) - n.radius)
      x1 = Math.max(x1, (n.x ?? 0) + n.radius)
      y1 = Math.max(y1, (n.y ?? 0) + n.radius)
    }
    return { x0, y0, x1, y1 }
  }

  /** A new node starts beside a neighbour already placed, else near the centre. */
  private place(node: SimNode, neighbours: ReadonlySet<string>): void {
    for (const id of neighbours) {
      const other = this.nodes.get(id)
      if (other?.x !== undefined && other.y !== undefined) {
        node.x = other.x + (Math.random() - 0.5) * 20
        node.y = other.y + (Math.random() - 0.5) * 20
        return
      }
    }
    node.x = (Math.random() - 0.5) * 60
    node.y = (Math.random() - 0.5) * 60
  }

  /**
   * Seeds have no overlay links, so they are pinned evenly on a ring around the peer
   * cloud rather than left to drift.
   */
  private pinSeeds(seeds: SimNode[]): void {
    this.seeds = seeds.sort((a, b) => (a.id < b.id ? -1 : 1))
    this.placeSeedRing()
  }

  /** Ring radius: just outside the farthest peer, so seeds frame the cloud as it grows or shrinks. */
  private placeSeedRing(): void {
    let extent = 0
    for (const n of this.nodeList) if (n.role === 'peer') extent = Math.max(extent, Math.hypot(n.x ?? 0, n.y ?? 0))
    this.seedRing = Math.max(80, extent + 50)
    const seeds = this.seeds
    seeds.forEach((seed, i) => {
      const angle = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(1, seeds.length)
      seed.fx = Math.cos(angle) * this.seedRing
      seed.fy = Math.sin(angle) * this.seedRing
      seed.x = seed.fx
      seed.y = seed.fy
    })
  }
}

/**
 * A dead peer that at least one seed removed and no live seed still lists: the network
 * has forgotten it. (Seeds it never registered with never list it, so never remove it.)
 */
export function isRemovedEverywhere(state: NetworkState, node: NodeState): boolean {
  if (node.status !== 'dead' || node.removedBy.size === 0) return false
  for (const seed of state.nodes.values()) {
    if (seed.role === 'seed' && seed.status === 'alive' && seed.peerList.has(node.id)) return false
  }
  return true
}
