import type { Result } from '../../shared/ipc'
import type { LinkConditions, PartitionDirection } from '../../shared/net/conditions'
import type { Scenario } from '../../shared/scenario/schema'
import { app } from './store'

/**
 * User commands: each calls the API and reports a refusal (`ok:false`) or a failure in
 * the status region. A refused command changes nothing in the store; the host's own
 * events and status pushes are what update the view.
 */
async function run<T>(label: string, call: () => Promise<Result<T>>): Promise<T | null> {
  const { api, notify } = app.store.getState()
  if (!api) {
    notify('error', `${label}: not connected to the host`)
    return null
  }
  try {
    const result = await call()
    if (!result.ok) {
      notify('error', `${label}: ${result.error}`)
      return null
    }
    for (const warning of result.warnings ?? []) notify('info', `${label}: ${warning}`)
    return result.value
  } catch (error) {
    notify('error', `${label}: ${error instanceof Error ? error.message : String(error)}`)
    return null
  }
}

function api() {
  return app.store.getState().api!
}

export async function startNetwork(seeds: number, peers: number): Promise<void> {
  const { settings, packing } = app.store.getState()
  // A fresh rng seed per network, recorded with its start, so "Save as scenario" reproduces its choices.
  const rngSeed = Math.floor(Math.random() * 4_000_000)
  const status = await run('New network', () => api().startNetwork({ seeds, peers, settings, rngSeed, packing }))
  if (status) {
    app.store.getState().setStatus(status)
    app.store.getState().goLive()
  }
}

/** Runs a validated scenario on the host's real nodes (a new session) and follows it live. */
export async function runScenarioFile(scenario: Scenario): Promise<void> {
  const status = await run('Run scenario', () => api().runScenario(scenario))
  if (status) {
    app.store.getState().setStatus(status)
    app.store.getState().goLive()
  }
}

export async function stopNetwork(): Promise<void> {
  const status = await run('Stop', () => api().stopNetwork())
  if (status) app.store.getState().setStatus(status)
}

export async function addSeed(): Promise<void> {
  await run('Add seed', () => api().addSeed())
}

export async function addPeers(count: number): Promise<void> {
  await run('Add peers', () => api().addPeers(count))
}

export async function killNode(id: string): Promise<void> {
  await run(`Kill ${id}`, () => api().killNode(id))
}

/** SIGKILLs node `id`'s whole process (every node sharing it); the view asked the user first. */
export async function killProcess(id: string): Promise<void> {
  const killed = await run(`Kill the process of ${id}`, () => api().killProcess(id))
  if (killed) app.store.getState().notify('info', `Killed process ${killed.pid ?? '?'} and its ${killed.nodes.length} node${killed.nodes.length === 1 ? '' : 's'}`)
}

/** Freezes a node (SIGSTOP): its connections stay open, it answers nothing. */
export async function pauseNode(id: string): Promise<void> {
  await run(`Pause ${id}`, () => api().pauseNode(id))
}

/** Lets a paused node run again (SIGCONT). */
export async function resumeNode(id: string): Promise<void> {
  await run(`Resume ${id}`, () => api().resumeNode(id))
}

/** Starts the node again at the same address as a new process (killed first if it runs). */
export async function restartNode(id: string): Promise<void> {
  await run(`Restart ${id}`, () => api().restartNode(id))
}

export async function killSelected(): Promise<void> {
  const { selected, notify, mode } = app.store.getState()
  if (mode === 'replay') {
    notify('error', 'Kill: go back to live first (replay shows the past)')
    return
  }
  if (!selected) {
    notify('error', 'Kill: select a node first')
    return
  }
  await killNode(selected)
}

export async function applySettings(): Promise<boolean> {
  const settings = app.store.getState().settings
  const value = await run('Apply settings', () => api().setSettings(settings))
  if (value) app.store.getState().notify('info', 'Settings apply to nodes started from now on')
  return value !== null
}

/** New global link conditions (a preset or the panel's fields), applied live by every node. */
export async function setGlobalConditions(defaults: LinkConditions): Promise<boolean> {
  return (await run('Network conditions', () => api().setConditions({ defaults }))) !== null
}

/** Sets (or with null clears) the conditions of the link a–b, both directions. */
export async function setLinkConditions(a: string, b: string, conditions: LinkConditions | null): Promise<boolean> {
  return (await run(`Link ${a} – ${b}`, () => api().setConditions({ links: [{ from: a, to: b, conditions, both: true }] }))) !== null
}

/** Cuts the picked nodes off from every other node (both ways, or only what they send). */
export async function partitionFromRest(side: readonly string[], direction: PartitionDirection = 'both'): Promise<boolean> {
  const { mode, notify } = app.store.getState()
  if (mode === 'replay') {
    notify('error', 'Partition: go back to live first (replay shows the past)')
    return false
  }
  if (side.length === 0) {
    notify('error', 'Partition: pick nodes first (shift-click them, or shift-drag a lasso on the graph)')
    return false
  }
  const partition = await run('Partition', () => api().partition({ side: [...side], direction }))
  if (partition) notify('info', `Partition ${partition.name}: ${side.length} node${side.length === 1 ? '' : 's'} cut off from the rest`)
  return partition !== null
}

/** Heals one partition, or every partition without a name. */
export async function healPartitions(name?: string): Promise<boolean> {
  return (await run('Heal', () => api().heal(name === undefined ? {} : { name }))) !== null
}
