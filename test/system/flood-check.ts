/**
 * What push gossip can promise, for tests that must not depend on the machine's speed: a
 * message reaches at least every peer of its creator's part of the overlay when it was
 * created (over links both ends had up then and neither took down later: the flood crosses
 * them after that moment). A peer still linking, or a group of peers that joined together
 * and linked only among themselves for a round (they ask the seeds again and merge), may
 * miss it for good; on a fast machine every link is up before the first message and this is
 * every other peer.
 */

/** The fields of an event this check reads (NetEvent and SessionEvent both have them). */
export interface FloodEvent {
  type: string
  node: string
  t: number
  peer?: unknown
  id?: unknown
}

export interface LinkChange {
  node: string
  peer: string
  up: boolean
  t: number
}

/** Link-up and link-down events, in the order given. */
export function linkChanges(events: Iterable<FloodEvent>): LinkChange[] {
  const out: LinkChange[] = []
  for (const e of events) if (e.type === 'peer.link-up' || e.type === 'peer.link-down') out.push({ node: e.node, peer: String(e.peer), up: e.type === 'peer.link-up', t: e.t })
  return out
}

/** The peers `origin` could flood to at time `t` (ms since epoch), `origin` excluded. */
export function floodable(origin: string, t: number, links: readonly LinkChange[]): Set<string> {
  const upAt = new Map<string, boolean>() // `a>b`: a's view of its link to b at t
  const downLater = new Set<string>()
  const neighbours = new Map<string, Set<string>>()
  for (const e of links) {
    if (e.t <= t) upAt.set(`${e.node}>${e.peer}`, e.up)
    else if (!e.up) downLater.add(`${e.node}>${e.peer}`)
    if (!neighbours.has(e.node)) neighbours.set(e.node, new Set())
    neighbours.get(e.node)!.add(e.peer)
  }
  const usable = (a: string, b: string) => upAt.get(`${a}>${b}`) === true && upAt.get(`${b}>${a}`) === true && !downLater.has(`${a}>${b}`) && !downLater.has(`${b}>${a}`)
  const reached = new Set([origin])
  const queue = [origin]
  while (queue.length > 0) {
    const a = queue.shift()!
    for (const b of neighbours.get(a) ?? []) if (!reached.has(b) && usable(a, b)) (reached.add(b), queue.push(b))
  }
  reached.delete(origin)
  return reached
}

/**
 * Messages (gossip.created) that have not reached every peer `floodable` from their creator
 * at their creation (gossip.received), each with the peers it missed. Empty: the flood did
 * all push gossip can do.
 */
export function shortOfFlood(events: readonly FloodEvent[]): Array<{ id: string; origin: string; missed: string[] }> {
  const links = linkChanges(events)
  const got = new Map<string, Set<string>>()
  for (const e of events) if (e.type === 'gossip.received') got.set(String(e.id), (got.get(String(e.id)) ?? new Set()).add(e.node))
  const out: Array<{ id: string; origin: string; missed: string[] }> = []
  for (const m of events) {
    if (m.type !== 'gossip.created') continue
    const missed = [...floodable(m.node, m.t, links)].filter((p) => !got.get(String(m.id))?.has(p))
    if (missed.length > 0) out.push({ id: String(m.id), origin: m.node, missed })
  }
  return out
}
