import { describe, expect, it, vi } from 'vitest'

// The launcher's placement only, without processes: a fake NodeProcess records its nodes.
vi.mock('../../../electron/host/node-process', () => {
  class NodeProcess {
    static made: NodeProcess[] = []
    readonly nodes = new Map<string, { id: string; alive: boolean; exited: Promise<void>; process: NodeProcess }>()
    placed = 0
    alive = true
    ready = Promise.resolve(true)
    pid = null
    constructor(readonly options: { kind: 'single' | 'host'; node?: { id: string } }) {
      NodeProcess.made.push(this)
      if (options.kind === 'single') this.place(options.node!)
    }
    get kind() {
      return this.options.kind
    }
    place(spec: { id: string }) {
      const node = { id: spec.id, alive: true, exited: new Promise<void>(() => undefined), process: this }
      this.nodes.set(spec.id, node)
      this.placed++
      return node
    }
    stopProcess() {
      this.alive = false
    }
  }
  return { NodeProcess, ManagedNode: class {} }
})

const { Launcher } = await import('../../../electron/host/launcher')
const { NodeProcess } = (await import('../../../electron/host/node-process')) as unknown as { NodeProcess: { made: { kind: string; nodes: Map<string, unknown> }[] } }

function launcher(packing: ConstructorParameters<typeof Launcher>[0]['packing']) {
  NodeProcess.made.length = 0
  return new Launcher({ scripts: { seed: 's', peer: 'p', host: 'h' }, packing, stopTimeoutMs: 1000, now: () => 0, emit: () => undefined, changed: () => undefined })
}
const spec = (i: number, role: 'seed' | 'peer' = 'peer') => ({ id: `127.0.0.${i}:1`, role, ip: `127.0.0.${i}`, port: 1, args: [] })
/** Node indices per host process, in the order the hosts were made. */
const layout = () => NodeProcess.made.map((p) => [...p.nodes.keys()].map((id) => Number(id.split('.')[3]!.split(':')[0])))

describe('launcher placement', () => {
  it('fills one host after another without a request announced', () => {
    const l = launcher({ mode: 'pack', size: 3 })
    for (let i = 1; i <= 7; i++) l.launch(spec(i))
    expect(layout()).toEqual([[1, 2, 3], [4, 5, 6], [7]])
  })

  it('spreads an announced request round-robin over ceil(count / size) hosts, started at once, in launch order', async () => {
    const l = launcher({ mode: 'pack', size: 3 })
    await l.expect('peer', 7)
    for (let i = 1; i <= 7; i++) l.launch(spec(i))
    // The first peers (the hubs to be) land in different hosts.
    expect(layout()).toEqual([[1, 4, 7], [2, 5], [3, 6]])
    // Beyond the request: the spread's last host with room fills, then new hosts.
    l.launch(spec(8))
    l.launch(spec(9))
    expect(layout()).toEqual([[1, 4, 7], [2, 5], [3, 6, 8], [9]])
  })

  it('auto: the nodes below the threshold get processes of their own, the rest are spread', async () => {
    const l = launcher({ mode: 'auto', threshold: 2, size: 2 })
    await l.expect('peer', 6)
    for (let i = 1; i <= 6; i++) l.launch(spec(i))
    // The hosts are started by expect(), before any node is launched.
    expect(NodeProcess.made.map((p) => p.kind)).toEqual(['host', 'host', 'single', 'single'])
    expect(layout()).toEqual([[3, 5], [4, 6], [1], [2]])
  })

  it('keeps seeds apart from peers, and a new packing drops the announcement', async () => {
    const l = launcher({ mode: 'pack', size: 2 })
    await l.expect('peer', 4)
    l.launch(spec(1, 'seed'))
    l.launch(spec(2))
    l.setPacking({ mode: 'pack', size: 4 })
    for (let i = 3; i <= 5; i++) l.launch(spec(i))
    // The request's second host got no node: stopped when the packing changed.
    expect(layout()).toEqual([[2], [], [1], [3, 4, 5]])
    expect(NodeProcess.made.map((p) => (p as unknown as { alive: boolean }).alive)).toEqual([true, false, true, true])
  })
})
