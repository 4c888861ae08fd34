import { describeConditions } from '../../../shared/net/conditions'
import { NETWORK_NODE, type SessionEvent } from '../../../shared/events'
import { assertNever } from '../../../shared/protocol/wire'
import { coverageTotals } from '../../../shared/model/coverage'

/**
 * Narration: events turned into sentences a student of gossip protocols can follow, in
 * order. `key` sentences tell the story (a node starts, a message is created, a neighbour
 * stops answering, a report, a removal); `detail` ones are the traffic underneath (every
 * forward, copy and liveness round). Each sentence names the nodes it is about, so the
 * panel can link them to the graph, and its seq and time, to link it to the timeline.
 */
export interface Narration {
  seq: number
  /** ms since epoch (the emitting node's clock). */
  t: number
  text: string
  /** Node ids the sentence mentions, first the one it happened at. */
  nodes: string[]
  level: 'key' | 'detail'
  /** Gossip message id, when the sentence is about one (to follow it on the graph). */
  message?: string
}

/** Message id -> origin and Msg#, learnt from gossip.created (and from the text of receipts). */
export type MessageNames = Map<string, { origin: string; n: number | null }>

const ORDINALS = ['zeroth', '1st', '2nd', '3rd']
export function ordinal(n: number): string {
  if (n < ORDINALS.length) return ORDINALS[n]!
  const tens = n % 100
  const suffix = tens >= 11 && tens <= 13 ? 'th' : ['th', 'st', 'nd', 'rd', 'th', 'th', 'th', 'th', 'th', 'th'][n % 10]
  return `${n}${suffix}`
}

/** "A", "A and B", "A, B and C". */
export function listOf(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? 'nobody'
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`
}

/** The assignment's gossip text is `<ts>:<ip>:<n>`: the origin's IP and the Msg#. */
function fromText(text: string): { ip: string; n: number } | null {
  const m = /^\d+(?:\.\d+)?:([\d.]+):(\d+)$/.exec(text)
  return m ? { ip: m[1]!, n: Number(m[2]) } : null
}

function messageName(names: MessageNames, id: string, text?: string): string {
  const known = names.get(id)
  if (known) return `message #${known.n ?? '?'} of ${known.origin}`
  const parsed = text ? fromText(text) : null
  if (parsed) return `message #${parsed.n} of ${parsed.ip}`
  return `message ${id.slice(0, 8)}`
}

/**
 * One sentence for one event. Exhaustive over the event union: a new event kind does not
 * compile until it is narrated here. `names` is read and, for gossip.created, written.
 */
export function narrate(e: SessionEvent, names: MessageNames, started: Set<string> = new Set()): Narration {
  const at = e.node
  const say = (text: string, nodes: string[], level: Narration['level'], message?: string): Narration => ({
    seq: e.seq,
    t: e.t,
    text,
    nodes: [at, ...nodes.filter((n) => n !== at)],
    level,
    ...(message ? { message } : {}),
  })
  switch (e.type) {
    case 'node.started':
      if (started.has(at)) {
        return say(
          `${at} started again at the same address, a new incarnation of the node: it registers with the seeds and links to peers afresh, and its Message List starts empty.`,
          [],
          'key',
        )
      }
      started.add(at)
      return e.role === 'seed'
        ? say(`Seed ${at} started and waits for peers to register (${e.seeds.length} seeds in config.txt).`, [], 'key')
        : say(`Peer ${at} started; it will register with a majority of the ${e.seeds.length} seeds (${Math.floor(e.seeds.length / 2) + 1}).`, [], 'key')
    case 'node.stopping':
      return say(`${at} is stopping (${e.reason}).`, [], 'key')
    case 'node.warning':
      return say(`${at} warns: ${e.message}`, [], 'key')
    case 'seed.registered':
      return say(`Seed ${at} added ${e.peer} to its Peer List.`, [e.peer], 'detail')
    case 'seed.peer-removed':
      return say(`Seed ${at} removed ${e.peer} from its Peer List after ${e.reporter}'s Dead Node report: new peers will not be told about it.`, [e.peer, e.reporter], 'key')
    case 'seed.report-rejected':
      return say(`Seed ${at} did not believe ${e.reporter}'s report that ${e.peer} is dead (${e.reason}), so it keeps ${e.peer} listed.`, [e.reporter, e.peer], 'key')
    case 'peer.registered':
      return say(`${at} is registered with seed ${e.seed}.`, [e.seed], 'detail')
    case 'peer.peer-list':
      return say(
        e.peers.length === 0
          ? `${at} asked seed ${e.seed} for its Peer List: it is empty, so ${at} is the first peer there.`
          : `${at} got seed ${e.seed}'s Peer List of ${e.peers.length} peer${e.peers.length === 1 ? '' : 's'}; it picks its neighbours from the union of the lists.`,
        [e.seed],
        'key',
      )
    case 'peer.link-up':
      return e.initiator
        ? say(`${at} linked to ${e.peer}: gossip and liveness checks now flow both ways over this link.`, [e.peer], 'key')
        : say(`${at} accepted a link from ${e.peer}.`, [e.peer], 'detail')
    case 'peer.link-down':
      return say(
        e.reason === 'dead'
          ? `${at} closed its link to ${e.peer}, which it considers dead.`
          : e.reason === 'replaced'
            ? `${at} replaced its link to ${e.peer}.`
            : e.reason === 'shutdown'
              ? `${at} closed its link to ${e.peer} while shutting down.`
              : `The link between ${at} and ${e.peer} closed.`,
        [e.peer],
        'key',
      )
    case 'peer.link-failed':
      return say(`${at} could not link to ${e.peer} (${e.reason}).`, [e.peer], 'key')
    case 'gossip.created': {
      names.set(e.id, { origin: at, n: e.n })
      return say(`${at} created message #${e.n} ("${e.text}") and sends it to all its neighbours.`, [], 'key', e.id)
    }
    case 'gossip.received': {
      if (!names.has(e.id)) {
        const parsed = fromText(e.text)
        if (parsed) names.set(e.id, { origin: parsed.ip, n: parsed.n })
      }
      return say(`${at} got ${messageName(names, e.id, e.text)} for the first time, from ${e.from}; it logs it and forwards it to its other neighbours.`, [e.from], 'detail', e.id)
    }
    case 'gossip.duplicate':
      return say(`${at} got ${messageName(names, e.id)} again, from ${e.from}, and dropped it: it is already in its Message List.`, [e.from], 'detail', e.id)
    case 'gossip.forwarded':
      return say(`${at} forwarded ${messageName(names, e.id)} to ${e.to}.`, [e.to], 'detail', e.id)
    case 'liveness.sent':
      return say(`${at} asked ${e.peer} whether it is alive (Liveness Request).`, [e.peer], 'detail')
    case 'liveness.ok':
      return say(`${e.peer} answered ${at}'s liveness request in ${Math.round(e.rttMs)} ms.`, [e.peer], 'detail')
    case 'liveness.missed':
      return say(
        `${at} missed its ${ordinal(e.count)} liveness reply in a row from ${e.peer}. A miss means no reply in time, not proof of death: a busy machine that answers late, a lossy link or a partition looks the same (a dashed link on the graph).`,
        [e.peer],
        'key',
      )
    case 'peer.dead-reported':
      return say(`${at} reported ${e.peer} dead to seed${e.seeds.length === 1 ? '' : 's'} ${listOf(e.seeds)} (Dead Node message).`, [e.peer, ...e.seeds], 'key')
    case 'frame.rejected':
      return say(`${at} refused a line from ${e.from}: ${e.reason}.`, [], 'key')
    case 'net.conditions': {
      const partitions = e.conditions.partitions
      return say(
        partitions.length > 0
          ? `${at} now applies emulated network conditions to what it sends: ${describeConditions(e.conditions)}. Across a partition nothing it sends gets through until it heals.`
          : `${at} now applies emulated network conditions to what it sends: ${describeConditions(e.conditions)}.`,
        [],
        'detail',
      )
    }
    case 'net.dropped':
      return say(
        e.reason === 'loss'
          ? `${e.count} message${e.count === 1 ? '' : 's'} ${at} sent to ${e.to} ${e.count === 1 ? 'was' : 'were'} lost on the emulated network (never retransmitted)${e.gossip > 0 ? `, ${e.gossip} of them gossip` : ''}.`
          : `${e.count} message${e.count === 1 ? '' : 's'} ${at} sent to ${e.to} ${e.count === 1 ? 'was' : 'were'} dropped: a partition held back more than the connection can queue.`,
        [],
        'detail',
      )
    case 'host.spawned':
      return say(`The app started a ${e.role} process for ${at} (pid ${e.pid}).`, [], 'detail')
    case 'host.kill':
      return e.signal === 'SIGKILL'
        ? say(`${at} was killed (SIGKILL): it stops at once, without a word to anyone. Its neighbours will notice only when it stops answering.`, [], 'key')
        : say(`${at} was asked to stop (SIGTERM).`, [], 'key')
    case 'host.exited':
      return e.expected
        ? say(`${at}'s process exited.`, [], 'detail')
        : say(`${at}'s process crashed (${e.signal ?? `exit code ${e.code}`}); to the network this looks like a kill.`, [], 'key')
    case 'node.paused':
      return say(`${at} was paused (SIGSTOP): frozen, it answers nothing, but its connections stay open and what is sent to it waits in its buffers.`, [], 'key')
    case 'node.resumed':
      return say(`${at} was resumed (SIGCONT): it reads everything that waited for it, then its overdue timers fire.`, [], 'key')
    case 'host.stream-error':
      return say(`The app could not read an event line from ${at} (${e.reason}).`, [], 'detail')
    case 'host.stderr':
      return say(`${at} wrote on stderr: ${e.text}`, [], 'detail')
    case 'host.action': {
      const who = e.by === 'user' ? 'The user' : `Scenario step ${(e.step ?? 0) + 1}`
      const target = e.node === NETWORK_NODE ? '' : ` on ${e.name ? `${e.name} (${at})` : at}`
      const amount = e.count !== undefined ? ` (${e.count})` : e.nodes ? ` (${e.nodes.length} nodes)` : ''
      const outcome = e.error ? `, which failed: ${e.error}.` : '.'
      return say(`${who} chose the action "${e.action}"${amount}${target}${outcome}`, e.nodes ?? [], 'key')
    }
    case 'gossip.coverage': {
      const c = coverageTotals(e)
      const one = e.messages.length === 1 ? e.messages[0]!.id : undefined
      return say(
        `${c.received} peer${c.received === 1 ? '' : 's'} got ${c.messages === 1 ? messageName(names, e.messages[0]!.id) : `${c.messages} messages`} for the first time (${c.duplicates} duplicate copies dropped, ${c.forwards} sends). In a network this large the app shows gossip per message; every hop is in the session file.`,
        [],
        'detail',
        one,
      )
    }
    default:
      return assertNever(e)
  }
}
