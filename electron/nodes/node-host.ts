import { type EventLoopUtilization, type IntervalHistogram, PerformanceObserver, constants, monitorEventLoopDelay, performance } from 'node:perf_hooks'
import type { NodeEvent } from '../../shared/events'
import { parseNodeArgs } from './cli'
import { type HostCommand, type HostReply, type HostStats, parseHostCommand } from './host-protocol'
import { ioCounts } from './io-stats'
import { MACHINES } from './machines'
import { type RunningNode, startNode } from './node-runtime'
import { defaultIo } from './resolve'

/**
 * The node host program: several seeds and peers in one process, started and controlled
 * by the app's launcher over the IPC channel (host-protocol.ts). Each node is exactly
 * what seed.js / peer.js run alone (node-runtime.ts): its own machine, listener on its
 * own address, log file, events file and events. What sharing changes is only the
 * process: kill, pause and stop act on one node (see RunningNode), and the events of
 * all nodes go to the app in one message per turn of the event loop.
 *
 * Ends with code 0 when the app goes away (IPC disconnect) or on SIGTERM/SIGINT (every
 * node stops cleanly first); started without an IPC channel it prints why and exits 2.
 */

const USAGE = `Usage: node-host.js (started by the app's launcher, electron/host/launcher.ts)

Runs several seeds and peers in one process. It takes no flags: the launcher sends each
node's flags (those of seed.js / peer.js, see \`node out/main/peer.js --help\`) over the
IPC channel. To run nodes by hand, use seed.js and peer.js. See docs/nodes.md.
`

if (process.argv.slice(2).some((arg) => arg === '--help' || arg === '-h')) {
  process.stdout.write(USAGE)
  process.exit(0)
}

const send = process.send?.bind(process)
if (!send) {
  process.stderr.write('gossip-node-host: start me from the app or the launcher (I need an IPC channel)\n')
  process.exit(2)
}

const nodes = new Map<string, RunningNode>()
/** Nodes whose start is under way (their setup is async), with the node commands that wait for them. */
const starting = new Map<string, unknown[]>()
let events: NodeEvent[] = []
let flushScheduled = false
let exiting = false

function reply(message: HostReply): void {
  if (process.connected) send!(message)
}

function flushEvents(): void {
  flushScheduled = false
  if (events.length === 0) return
  const batch = events
  events = []
  reply({ kind: 'events', events: batch })
}

function forward(event: NodeEvent): void {
  events.push(event)
  if (!flushScheduled) {
    flushScheduled = true
    setImmediate(flushEvents)
  }
}

async function start(command: Extract<HostCommand, { op: 'start' }>): Promise<void> {
  const { node: id, role } = command
  if (nodes.has(id) || starting.has(id)) return reply({ kind: 'failed', node: id, message: `${id} already runs in this host` })
  const parsed = parseNodeArgs(role, command.args)
  if (parsed.kind !== 'ok') return reply({ kind: 'failed', node: id, message: parsed.kind === 'error' ? parsed.message : 'start needs flags, not --help' })
  starting.set(id, [])
  const started = await startNode(parsed.args, defaultIo(null), MACHINES[role], {
    forward,
    console: false,
    ended: (end) => {
      nodes.delete(id)
      // Events the node emitted before it ended go first.
      flushEvents()
      reply({ kind: 'ended', node: id, code: end.code, signal: end.signal })
      if (exiting && nodes.size === 0) process.exit(0)
    },
    pending: () => starting.get(id)!.splice(0),
  })
  const waiting = starting.get(id)!
  starting.delete(id)
  if (!started.ok) return reply({ kind: 'failed', node: id, message: started.message })
  if (started.node.id !== id) {
    started.node.kill()
    return reply({ kind: 'failed', node: id, message: `the flags give ${started.node.id}, not ${id}` })
  }
  nodes.set(id, started.node)
  for (const message of waiting) started.node.command(message)
  if (exiting) started.node.stop('SIGTERM')
}

/** Resolution of the event-loop delay monitor, ms. */
const LOOP_DELAY_RESOLUTION_MS = 2
let loopDelay: IntervalHistogram | null = null
let lastElu: EventLoopUtilization | undefined

let gc: NonNullable<HostStats['gc']> | null = null

function watchGc(): void {
  gc = { minor: 0, minorMs: 0, major: 0, majorMs: 0 }
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) (gc!.minor++, (gc!.minorMs += entry.duration))
      else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR || kind === constants.NODE_PERFORMANCE_GC_INCREMENTAL) (gc!.major++, (gc!.majorMs += entry.duration))
    }
  }).observe({ entryTypes: ['gc'] })
}

/** The process's figures since the previous call (see HostStats). */
function stats(): HostStats {
  const elu = performance.eventLoopUtilization(lastElu)
  lastElu = performance.eventLoopUtilization()
  let delay: HostStats['loopDelayMs'] = null
  const collected = gc === null ? null : { ...gc }
  if (gc === null) watchGc()
  else Object.assign(gc, { minor: 0, minorMs: 0, major: 0, majorMs: 0 })
  if (loopDelay === null) {
    loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS })
    loopDelay.enable()
  } else {
    const late = (ns: number) => Math.max(0, ns / 1e6 - LOOP_DELAY_RESOLUTION_MS)
    delay = { p50: late(loopDelay.percentile(50)), p99: late(loopDelay.percentile(99)), max: late(loopDelay.max), samples: loopDelay.count }
    loopDelay.reset()
  }
  const cpu = process.cpuUsage()
  const { rss, heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage()
  const memory = { rss, heapTotal, heapUsed, external, arrayBuffers }
  return { pid: process.pid, cpuUserUs: cpu.user, cpuSystemUs: cpu.system, elu: elu.utilization, loopDelayMs: delay, gc: collected, counts: { ...ioCounts }, memory }
}

function command(value: unknown): void {
  const parsed = parseHostCommand(value)
  if (typeof parsed === 'string') {
    const node = typeof (value as { node?: unknown })?.node === 'string' ? ((value as { node: string }).node) : null
    return reply({ kind: 'refused', node, reason: parsed })
  }
  if (parsed.op === 'stats') return reply({ kind: 'stats', stats: stats() })
  if (parsed.op === 'start') return void start(parsed)
  const node = nodes.get(parsed.node)
  if (!node && parsed.op === 'command' && starting.has(parsed.node)) return void starting.get(parsed.node)!.push(parsed.command)
  if (!node) return reply({ kind: 'refused', node: parsed.node, reason: `no node ${parsed.node} in this host` })
  switch (parsed.op) {
    case 'kill': return node.kill()
    case 'stop': return node.stop('SIGTERM')
    case 'pause': return node.pause()
    case 'resume': return node.resume()
    case 'command': return node.command(parsed.command)
  }
}

process.on('message', command)
reply({ kind: 'ready' })
// The app that forked us is gone (even SIGKILLed): no node may outlive it.
process.on('disconnect', () => {
  for (const node of nodes.values()) node.flushNow()
  process.exit(0)
})
let signalled = false
const onSignal = (): void => {
  if (signalled || nodes.size === 0) {
    for (const node of nodes.values()) node.flushNow()
    process.exit(0)
  }
  signalled = true
  exiting = true
  for (const node of nodes.values()) node.stop('SIGTERM')
}
process.on('SIGTERM', onSignal)
process.on('SIGINT', onSignal)
