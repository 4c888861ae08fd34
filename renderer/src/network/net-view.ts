import { type NetConditions, effectiveLink, endpointOf } from '../../../shared/net/conditions'
import type { LinkInfo } from '../graph/animations'

/**
 * The conditions model as the graph draws it: which links a partition cuts, which have
 * their own conditions (and a short label), and per directed link the configured delay
 * and whether it is held, cached until the conditions change.
 */
export class NetView implements LinkInfo {
  private conditions: NetConditions | null = null
  private cache = new Map<string, { delayMs: number; blocked: boolean; blockedBack: boolean }>()
  private ids: readonly string[] = []

  /** Returns true when the conditions changed (the canvas repaints). */
  update(conditions: NetConditions | null, ids: readonly string[]): boolean {
    this.ids = ids
    if (conditions === this.conditions) return false
    this.conditions = conditions
    this.cache.clear()
    return true
  }

  private link(from: string, to: string) {
    const key = `${from}>${to}`
    let link = this.cache.get(key)
    if (!link) {
      const c = this.conditions
      link = c ? effectiveLink(c, endpointOf(from), endpointOf(to)) : { delayMs: 0, blocked: false, blockedBack: false }
      this.cache.set(key, link)
    }
    return link
  }

  get partitioned(): boolean {
    return (this.conditions?.partitions.length ?? 0) > 0
  }

  /** A partition blocks a–b in at least one direction. */
  cut(a: string, b: string): boolean {
    if (!this.partitioned) return false
    const link = this.link(a, b)
    return link.blocked || link.blockedBack
  }

  /** Short label of the link's own conditions (`600 ms`, `50±20 ms 2%`), or null when it uses the defaults. */
  label(a: string, b: string): string | null {
    const c = this.conditions
    if (!c || c.links.length === 0) return null
    const o = c.links.find((x) => (x.from === a && x.to === b) || (x.from === b && x.to === a))
    if (!o) return null
    const l = o.conditions
    return `${+l.delayMs.toFixed(1)}${l.jitterMs > 0 ? `±${+l.jitterMs.toFixed(1)}` : ''} ms${l.loss > 0 ? ` ${+(l.loss * 100).toFixed(1)}%` : ''}`
  }

  expectedMs(from: string, to: string): number {
    return this.conditions ? this.link(from, to).delayMs : 0
  }

  held(from: string, to: string): boolean {
    return this.partitioned && this.link(from, to).blocked
  }

  /** The node named by a net.dropped `to`: the id itself, or the one node with that IP (an accepted connection). */
  resolve(to: string): string | null {
    if (this.ids.includes(to)) return to
    const ip = to.slice(0, to.lastIndexOf(':'))
    const matches = this.ids.filter((id) => id.startsWith(`${ip}:`))
    return matches.length === 1 ? matches[0]! : null
  }
}
