import type { AnyEvent } from '../../../shared/events'
import { describeConditions } from '../../../shared/net/conditions'
import { assertNever } from '../../../shared/protocol/wire'
import { coverageTotals } from '../../../shared/model/coverage'

/** One human-readable line for an event, without its time or emitter. */
export function describeEvent(event: AnyEvent): string {
  switch (event.type) {
    case 'node.started':
      return `started as ${event.role}${event.pid !== undefined ? ` (pid ${event.pid})` : ''}, ${event.seeds.length} seeds in config`
    case 'node.stopping':
      return `stopping: ${event.reason}`
    case 'node.warning':
      return `warning: ${event.message}`
    case 'seed.registered':
      return `registered peer ${event.peer}`
    case 'seed.peer-removed':
      return `removed ${event.peer} from its peer list (reported by ${event.reporter})`
    case 'seed.report-rejected':
      return `rejected dead-node report on ${event.peer} from ${event.reporter}: ${event.reason}`
    case 'peer.registered':
      return `registered with seed ${event.seed}`
    case 'peer.peer-list':
      return `peer list from ${event.seed}: ${event.peers.length === 0 ? '(empty)' : event.peers.join(', ')}`
    case 'peer.link-up':
      return `link up with ${event.peer}${event.initiator ? ' (dialled)' : ' (accepted)'}`
    case 'peer.link-down':
      return `link down with ${event.peer} (${event.reason})`
    case 'peer.link-failed':
      return `could not link to ${event.peer}: ${event.reason}`
    case 'gossip.created':
      return `created message #${event.n} "${event.text}"`
    case 'gossip.received':
      return `received "${event.text}" from ${event.from}`
    case 'gossip.duplicate':
      return `dropped a duplicate of ${shortId(event.id)} from ${event.from}`
    case 'gossip.forwarded':
      return `forwarded ${shortId(event.id)} to ${event.to}`
    case 'liveness.sent':
      return `liveness request to ${event.peer}`
    case 'liveness.ok':
      return `liveness reply from ${event.peer} in ${formatMs(event.rttMs)}`
    case 'liveness.missed':
      return `no liveness reply from ${event.peer} (${event.count} missed in a row)`
    case 'peer.dead-reported':
      return `reported ${event.peer} dead to ${event.seeds.join(', ')}`
    case 'frame.rejected':
      return `rejected input from ${event.from}: ${event.reason}`
    case 'net.conditions':
      return `network conditions now: ${describeConditions(event.conditions)}`
    case 'net.dropped':
      return `${event.count} message${event.count === 1 ? '' : 's'} to ${event.to} dropped by ${event.reason === 'loss' ? 'emulated loss' : 'a partition'}${event.gossip > 0 ? ` (${event.gossip} gossip)` : ''}`
    case 'host.spawned':
      return `spawned ${event.role} process (pid ${event.pid})`
    case 'host.kill':
      return event.signal === 'SIGKILL' ? 'killed (SIGKILL)' : 'asked to stop (SIGTERM)'
    case 'host.exited':
      return `process exited${event.code !== null ? ` with code ${event.code}` : ''}${event.signal ? ` by ${event.signal}` : ''}${event.expected ? '' : ' unexpectedly (crash)'}`
    case 'node.paused':
      return 'paused (SIGSTOP): frozen, its connections open'
    case 'node.resumed':
      return 'resumed (SIGCONT)'
    case 'host.stream-error':
      return `bad event line (${event.reason}): ${event.line}`
    case 'host.stderr':
      return `stderr: ${event.text}`
    case 'host.action':
      return describeAction(event)
    case 'gossip.coverage': {
      const c = coverageTotals(event)
      return `gossip of ${c.messages} message${c.messages === 1 ? '' : 's'} summarised: ${c.received} first receipts, ${c.duplicates} duplicates, ${c.forwards} sends (${event.hops} hop events, each in the session file)`
    }
    default:
      return assertNever(event)
  }
}

/** A user's or a scenario's action, e.g. `scenario step 3: kill peer4`. */
export function describeAction(event: Extract<AnyEvent, { type: 'host.action' }>): string {
  const who = event.by === 'user' ? 'user' : `scenario step ${(event.step ?? 0) + 1}`
  const what: string[] = [event.action]
  if (event.action === 'start') what.push(`${event.seeds ?? 0} seeds, ${event.peers ?? 0} peers`)
  if (event.count !== undefined) what.push(String(event.count))
  if (event.name) what.push(event.name)
  if (event.nodes) what.push(event.nodes.join(', '))
  if (event.conditions) what.push(JSON.stringify(event.conditions))
  return `${who}: ${what.join(' ')}${event.error ? ` (failed: ${event.error})` : ''}`
}

/** First 8 hex digits of a message id (a SHA-256), enough to tell messages apart on screen. */
export function shortId(id: string): string {
  return id.length > 8 ? id.slice(0, 8) : id
}

export function formatMs(ms: number): string {
  if (ms === 0) return '0 ms'
  if (ms < 1) return `${ms.toFixed(2)} ms`
  if (ms < 1000) return `${Math.round(ms)} ms`
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`
}

/** Wall-clock time of day with milliseconds, e.g. `03:04:05.678` (local time). */
export function formatClock(t: number): string {
  const d = new Date(t)
  const pad = (n: number, w = 2) => String(n).padStart(w, '0')
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
}
