import type { Propagation } from '../../../shared/analysis/propagation'
import type { NetworkState } from '../../../shared/model/network'
import { PULSE_MS, colourOf, type Animator } from './animations'
import type { GraphModel, SimNode } from './graph-model'
import type { GraphTheme } from './theme'
import type { Viewport } from './viewport'
import type { NetView } from '../network/net-view'

export interface PaintInput {
  ctx: CanvasRenderingContext2D
  /** CSS pixels. */
  width: number
  height: number
  dpr: number
  view: Viewport
  model: GraphModel
  animator: Animator
  state: NetworkState
  theme: GraphTheme
  selected: string | null
  hovered: string | null
  /** Animation clock, ms. */
  now: number
  /** Draw every peer's registrations with seeds (faint dashed lines). */
  registrations?: boolean
  /** The followed message's propagation as of the displayed moment. */
  propagation?: Propagation | null
  /** Network conditions as drawn: links a partition cuts, links with their own conditions. */
  net?: NetView
  /** Nodes picked for a partition. */
  picked?: ReadonlySet<string>
  /** The lasso being dragged, CSS px. */
  lasso?: { x0: number; y0: number; x1: number; y1: number } | null
}

/** Above this many nodes, peers and dots are filled without an outline (half the raster work). */
const OUTLINE_MAX_NODES = 300
/** Labels are drawn when there are few nodes or the view is zoomed in enough to read them. */
const LABEL_MAX_NODES = 60
/** ms a removed node takes to fade to its resting opacity. */
const FADE_MS = 1500
const FADED_ALPHA = 0.25

/**
 * Draws one frame. Shapes of one style are batched into one path (one fill/stroke call
 * per colour) so 1000 nodes and hundreds of dots stay cheap.
 */
export function paint(p: PaintInput): void {
  const { ctx, view, model, theme, dpr } = p
  const k = view.k
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0)
  ctx.fillStyle = theme.background
  ctx.fillRect(0, 0, p.width, p.height)
  ctx.setTransform(dpr * k, 0, 0, dpr * k, dpr * view.x, dpr * view.y)
  const px = 1 / k

  if (p.registrations) paintRegistrations(p, px)
  paintLinks(p, px)
  if (p.propagation) paintPropagation(p, p.propagation, px)
  paintSelectionContext(p, px)
  paintPulses(p, px)
  paintNodes(p, px)
  paintPicked(p, px)
  paintDots(p, px)

  ctx.setTransform(dpr, 0, 0, dpr, 0, 0)
  paintLabels(p)
  paintLinkLabels(p)
  paintLasso(p)
  if (p.propagation) paintHopCounts(p, p.propagation)
}

/**
 * Links a partition cuts: dashed in the cut colour with a bar across the middle (the
 * connection stays open, nothing crosses), whatever their liveness misses.
 */
function paintCutLinks(p: PaintInput, cut: GraphModel['links'], px: number): void {
  const { ctx, theme } = p
  ctx.strokeStyle = theme.cut
  ctx.lineWidth = 2 * px
  ctx.setLineDash([2 * px, 5 * px])
  ctx.beginPath()
  for (const l of cut) {
    ctx.moveTo(l.source.x!, l.source.y!)
    ctx.lineTo(l.target.x!, l.target.y!)
  }
  ctx.stroke()
  ctx.setLineDash([])
  ctx.lineWidth = 2.5 * px
  ctx.beginPath()
  for (const l of cut) {
    const mx = (l.source.x! + l.target.x!) / 2
    const my = (l.source.y! + l.target.y!) / 2
    const dx = l.target.x! - l.source.x!
    const dy = l.target.y! - l.source.y!
    const len = Math.hypot(dx, dy) || 1
    const nx = (-dy / len) * 7 * px
    const ny = (dx / len) * 7 * px
    ctx.moveTo(mx - nx, my - ny)
    ctx.lineTo(mx + nx, my + ny)
  }
  ctx.stroke()
}

/** Nodes picked for a partition: a dashed ring in the picked colour. */
function paintPicked(p: PaintInput, px: number): void {
  const { ctx, model, theme, picked } = p
  if (!picked || picked.size === 0) return
  ctx.strokeStyle = theme.picked
  ctx.lineWidth = 2 * px
  ctx.setLineDash([3 * px, 2 * px])
  ctx.beginPath()
  for (const id of picked) {
    const n = model.nodes.get(id)
    if (!n) continue
    ctx.moveTo(n.x! + n.radius + 5 * px, n.y!)
    ctx.arc(n.x!, n.y!, n.radius + 5 * px, 0, 2 * Math.PI)
  }
  ctx.stroke()
  ctx.setLineDash([])
}

/** Labels of links with their own conditions (`600 ms`), at the link's middle, in screen px. */
function paintLinkLabels(p: PaintInput): void {
  const { ctx, model, view, theme, net } = p
  if (!net || model.links.length > 400) return
  ctx.font = '10px system-ui, sans-serif'
  ctx.textAlign = 'center'
  ctx.textBaseline = 'middle'
  ctx.lineWidth = 3
  for (const l of model.links) {
    const label = net.label(l.source.id, l.target.id)
    if (!label) continue
    const sx = ((l.source.x! + l.target.x!) / 2) * view.k + view.x
    const sy = ((l.source.y! + l.target.y!) / 2) * view.k + view.y + 9
    ctx.strokeStyle = theme.textHalo
    ctx.fillStyle = theme.cut
    ctx.strokeText(label, sx, sy)
    ctx.fillText(label, sx, sy)
  }
}

function paintLasso(p: PaintInput): void {
  const { ctx, theme, lasso } = p
  if (!lasso) return
  ctx.strokeStyle = theme.picked
  ctx.lineWidth = 1
  ctx.setLineDash([4, 3])
  ctx.strokeRect(Math.min(lasso.x0, lasso.x1), Math.min(lasso.y0, lasso.y1), Math.abs(lasso.x1 - lasso.x0), Math.abs(lasso.y1 - lasso.y0))
  ctx.setLineDash([])
}

/** Registrations: each live peer to the seeds that acknowledged it, faint and dashed (seeds would float unconnected otherwise). */
function paintRegistrations(p: PaintInput, px: number): void {
  const { ctx, model, theme, state } = p
  ctx.strokeStyle = theme.seed
  ctx.lineWidth = px
  ctx.globalAlpha = 0.28
  ctx.setLineDash([2 * px, 4 * px])
  ctx.beginPath()
  for (const source of state.nodes.values()) {
    if (source.role !== 'peer' || source.status === 'dead' || source.status === 'stopped') continue
    const a = model.nodes.get(source.id)
    if (!a) continue
    for (const seedId of source.registeredWith) {
      const seed = model.nodes.get(seedId)
      if (!seed || seed.status !== 'alive') continue
      ctx.moveTo(a.x!, a.y!)
      ctx.lineTo(seed.x!, seed.y!)
    }
  }
  ctx.stroke()
  ctx.setLineDash([])
  ctx.globalAlpha = 1
}

/**
 * The followed message: the link each peer first got it over, thick in the origin's
 * colour with an arrow head at the receiver, and the duplicate sends that lost the race as
 * thin dashed lines.
 */
function paintPropagation(p: PaintInput, prop: Propagation, px: number): void {
  const { ctx, model, theme } = p
  const colour = theme.palette[colourOf(prop.origin ?? prop.id)]!
  ctx.strokeStyle = theme.linkMiss
  ctx.lineWidth = 1.2 * px
  ctx.setLineDash([3 * px, 3 * px])
  ctx.globalAlpha = 0.7
  ctx.beginPath()
  for (const d of prop.duplicates) {
    const a = model.nodes.get(d.from)
    const b = model.nodes.get(d.to)
    if (!a || !b) continue
    ctx.moveTo(a.x!, a.y!)
    ctx.lineTo(b.x!, b.y!)
  }
  ctx.stroke()
  ctx.setLineDash([])
  ctx.globalAlpha = 1
  ctx.strokeStyle = colour
  ctx.fillStyle = colour
  ctx.lineWidth = 3.5 * px
  for (const h of prop.hops) {
    const a = model.nodes.get(h.from)
    const b = model.nodes.get(h.node)
    if (!a || !b) continue
    const dx = b.x! - a.x!
    const dy = b.y! - a.y!
    const len = Math.hypot(dx, dy) || 1
    const ux = dx / len
    const uy = dy / len
    // Stop at the receiver's edge, then an arrow head.
    const ex = b.x! - ux * (b.radius + 2 * px)
    const ey = b.y! - uy * (b.radius + 2 * px)
    ctx.beginPath()
    ctx.moveTo(a.x!, a.y!)
    ctx.lineTo(ex, ey)
    ctx.stroke()
    const head = 9 * px
    ctx.beginPath()
    ctx.moveTo(ex, ey)
    ctx.lineTo(ex - ux * head - uy * head * 0.5, ey - uy * head + ux * head * 0.5)
    ctx.lineTo(ex - ux * head + uy * head * 0.5, ey - uy * head - ux * head * 0.5)
    ctx.closePath()
    ctx.fill()
  }
  const origin = prop.origin ? model.nodes.get(prop.origin) : undefined
  if (origin) {
    ctx.lineWidth = 3 * px
    ctx.beginPath()
    ctx.arc(origin.x!, origin.y!, origin.radius + 7 * px, 0, 2 * Math.PI)
    ctx.stroke()
  }
}

/** Hop count badges (screen space) beside every node the followed message reached; the origin is 0. */
function paintHopCounts(p: PaintInput, prop: Propagation): void {
  const { ctx, model, view, theme } = p
  ctx.font = 'bold 11px system-ui, sans-serif'
  ctx.textAlign = 'left'
  ctx.textBaseline = 'middle'
  const badge = (id: string, text: string) => {
    const n = model.nodes.get(id)
    if (!n) return
    const sx = (n.x! + n.radius) * view.k + view.x + 3
    const sy = (n.y! - n.radius) * view.k + view.y
    const w = ctx.measureText(text).width + 6
    ctx.fillStyle = theme.text
    ctx.fillRect(sx, sy - 7, w, 14)
    ctx.fillStyle = theme.background
    ctx.fillText(text, sx + 3, sy)
  }
  if (prop.origin) badge(prop.origin, '0')
  for (const h of prop.hops) badge(h.node, h.hop === null ? '?' : String(h.hop))
}

function paintLinks(p: PaintInput, px: number): void {
  const { ctx, model, theme, net } = p
  ctx.lineWidth = px
  ctx.strokeStyle = theme.link
  ctx.beginPath()
  let missing = false
  const cut: typeof model.links = []
  for (const l of model.links) {
    if (net?.partitioned && net.cut(l.source.id, l.target.id)) {
      cut.push(l)
      continue
    }
    if (l.misses > 0) {
      missing = true
      continue
    }
    ctx.moveTo(l.source.x!, l.source.y!)
    ctx.lineTo(l.target.x!, l.target.y!)
  }
  ctx.stroke()
  if (cut.length > 0) paintCutLinks(p, cut, px)
  if (!missing) return
  ctx.strokeStyle = theme.linkMiss
  ctx.lineWidth = 2 * px
  ctx.setLineDash([5 * px, 4 * px])
  ctx.beginPath()
  for (const l of model.links) {
    if (l.misses === 0) continue
    ctx.moveTo(l.source.x!, l.source.y!)
    ctx.lineTo(l.target.x!, l.target.y!)
  }
  ctx.stroke()
  ctx.setLineDash([])
  ctx.fillStyle = theme.linkMiss
  ctx.font = `bold ${11 * px}px system-ui, sans-serif`
  ctx.textAlign = 'center'
  ctx.textBaseline = 'middle'
  for (const l of model.links) {
    if (l.misses === 0) continue
    ctx.fillText(`×${l.misses}`, (l.source.x! + l.target.x!) / 2, (l.source.y! + l.target.y!) / 2 - 7 * px)
  }
}

/** The selected node's links, and its seed relations (registration) as faint dashed lines. */
function paintSelectionContext(p: PaintInput, px: number): void {
  const { ctx, model, theme, state, selected } = p
  if (!selected) return
  const node = model.nodes.get(selected)
  const source = state.nodes.get(selected)
  if (!node || !source) return
  ctx.strokeStyle = theme.select
  ctx.lineWidth = 2.5 * px
  ctx.beginPath()
  for (const id of source.neighbours) {
    const other = model.nodes.get(id)
    if (!other) continue
    ctx.moveTo(node.x!, node.y!)
    ctx.lineTo(other.x!, other.y!)
  }
  ctx.stroke()
  const related = node.role === 'seed' ? source.peerList : source.registeredWith
  ctx.lineWidth = px
  ctx.setLineDash([3 * px, 3 * px])
  ctx.globalAlpha = 0.6
  ctx.beginPath()
  for (const id of related) {
    const other = model.nodes.get(id)
    if (!other) continue
    ctx.moveTo(node.x!, node.y!)
    ctx.lineTo(other.x!, other.y!)
  }
  ctx.stroke()
  ctx.globalAlpha = 1
  ctx.setLineDash([])
}

function nodeAlpha(n: SimNode, now: number): number {
  if (!n.removed || n.removedAt === null) return 1
  return Math.max(FADED_ALPHA, 1 - ((now - n.removedAt) / FADE_MS) * (1 - FADED_ALPHA))
}

function paintNodes(p: PaintInput, px: number): void {
  const { ctx, model, theme, now } = p
  // Alive and starting peers, batched per origin colour.
  const byColour = new Map<number, SimNode[]>()
  const others: SimNode[] = []
  for (const n of model.nodeList) {
    if (n.role === 'peer' && n.status === 'alive') {
      const c = colourOf(n.id)
      const list = byColour.get(c)
      if (list) list.push(n)
      else byColour.set(c, [n])
    } else others.push(n)
  }
  ctx.lineWidth = px
  ctx.strokeStyle = theme.peerStroke
  const outline = model.nodeList.length <= OUTLINE_MAX_NODES
  for (const [colour, list] of byColour) {
    ctx.fillStyle = theme.palette[colour]!
    ctx.beginPath()
    for (const n of list) {
      ctx.moveTo(n.x! + n.radius, n.y!)
      ctx.arc(n.x!, n.y!, n.radius, 0, 2 * Math.PI)
    }
    ctx.fill()
    if (outline) ctx.stroke()
  }
  for (const n of others) {
    // A paused node is drawn faded, with a pause sign: it is there but answers nothing.
    ctx.globalAlpha = nodeAlpha(n, now) * (n.status === 'paused' ? 0.5 : 1)
    const r = n.radius
    const x = n.x!
    const y = n.y!
    const ended = n.status === 'dead' || n.status === 'stopped'
    ctx.beginPath()
    if (n.role === 'seed') ctx.rect(x - r, y - r, 2 * r, 2 * r)
    else ctx.arc(x, y, r, 0, 2 * Math.PI)
    if (n.status === 'starting') {
      ctx.setLineDash([2 * px, 2 * px])
      ctx.strokeStyle = n.role === 'seed' ? theme.seedStroke : theme.peerStroke
      ctx.lineWidth = 1.5 * px
      ctx.stroke()
      ctx.setLineDash([])
      continue
    }
    ctx.fillStyle = ended ? theme.dead : n.role === 'seed' ? theme.seed : theme.palette[colourOf(n.id)]!
    ctx.fill()
    ctx.lineWidth = 1.5 * px
    ctx.strokeStyle = n.role === 'seed' ? theme.seedStroke : theme.peerStroke
    ctx.stroke()
    if (n.status === 'paused') {
      ctx.globalAlpha = 1
      ctx.fillStyle = theme.text
      const h = r * 0.9
      const w = Math.max(r * 0.28, px)
      ctx.fillRect(x - w * 1.6, y - h / 2, w, h)
      ctx.fillRect(x + w * 0.6, y - h / 2, w, h)
    }
    if (n.status === 'dead') {
      // A cross marks a killed or crashed node.
      const c = r * 0.75
      ctx.strokeStyle = theme.linkMiss
      ctx.lineWidth = 2 * px
      ctx.beginPath()
      ctx.moveTo(x - c, y - c)
      ctx.lineTo(x + c, y + c)
      ctx.moveTo(x + c, y - c)
      ctx.lineTo(x - c, y + c)
      ctx.stroke()
    }
  }
  ctx.globalAlpha = 1
  for (const [id, colour, width] of [
    [p.hovered, theme.text, 1.5],
    [p.selected, theme.select, 3],
  ] as const) {
    const n = id ? model.nodes.get(id) : undefined
    if (!n) continue
    ctx.strokeStyle = colour
    ctx.lineWidth = width * px
    ctx.beginPath()
    const r = n.radius + 4 * px
    if (n.role === 'seed') ctx.rect(n.x! - r, n.y! - r, 2 * r, 2 * r)
    else ctx.arc(n.x!, n.y!, r, 0, 2 * Math.PI)
    ctx.stroke()
  }
}

function paintDots(p: PaintInput, px: number): void {
  const { ctx, model, animator, theme, now } = p
  if (animator.dots.length === 0) return
  const byColour: number[][] = []
  const fading: Array<{ x: number; y: number; colour: number; alpha: number }> = []
  const held: number[] = []
  const r = 3 * px
  for (const d of animator.dots) {
    const a = model.nodes.get(d.from)
    const b = model.nodes.get(d.to)
    if (!a || !b) continue
    const f = animator.progress(d, now)
    const x = a.x! + (b.x! - a.x!) * f
    const y = a.y! + (b.y! - a.y!) * f
    if (d.droppedAt !== null) fading.push({ x, y, colour: d.colour, alpha: animator.alpha(d, now) })
    else if (d.held && d.receivedAt === null && f >= 0.5) held.push(x, y)
    else (byColour[d.colour] ??= []).push(x, y)
  }
  ctx.lineWidth = px
  ctx.strokeStyle = theme.textHalo
  const outline = model.nodeList.length <= OUTLINE_MAX_NODES
  byColour.forEach((xy, colour) => {
    ctx.fillStyle = theme.palette[colour]!
    ctx.beginPath()
    for (let i = 0; i < xy.length; i += 2) {
      ctx.moveTo(xy[i]! + r, xy[i + 1]!)
      ctx.arc(xy[i]!, xy[i + 1]!, r, 0, 2 * Math.PI)
    }
    ctx.fill()
    if (outline) ctx.stroke()
  })
  // Lost to emulated loss: the dot fades where it was, growing slightly.
  for (const d of fading) {
    ctx.globalAlpha = d.alpha
    ctx.strokeStyle = theme.palette[d.colour]!
    ctx.beginPath()
    ctx.arc(d.x, d.y, r * (2 - d.alpha), 0, 2 * Math.PI)
    ctx.stroke()
  }
  ctx.globalAlpha = 1
  // Held by a partition: a hollow square waiting at the cut.
  if (held.length > 0) {
    ctx.strokeStyle = theme.cut
    ctx.lineWidth = 1.5 * px
    ctx.beginPath()
    for (let i = 0; i < held.length; i += 2) ctx.rect(held[i]! - r, held[i + 1]! - r, 2 * r, 2 * r)
    ctx.stroke()
  }
}

function paintPulses(p: PaintInput, px: number): void {
  const { ctx, model, animator, theme, now } = p
  for (const pulse of animator.pulses) {
    const n = model.nodes.get(pulse.node)
    // A pulse may be scheduled ahead (a hop's real duration): nothing to draw before it starts.
    if (!n || now < pulse.start) continue
    const f = Math.min(1, (now - pulse.start) / PULSE_MS)
    const colour =
      pulse.kind === 'origin' ? theme.palette[pulse.colour]! : pulse.kind === 'removal' || pulse.kind === 'report' ? theme.removal : theme.linkMiss
    ctx.globalAlpha = 1 - f
    ctx.strokeStyle = colour
    ctx.lineWidth = 3 * px
    ctx.beginPath()
    ctx.arc(n.x!, n.y!, n.radius + (6 + 22 * f) * px, 0, 2 * Math.PI)
    ctx.stroke()
    if ((pulse.kind === 'removal' || pulse.kind === 'report') && pulse.target) {
      const t = model.nodes.get(pulse.target)
      if (t) {
        ctx.setLineDash([4 * px, 3 * px])
        ctx.beginPath()
        ctx.moveTo(n.x!, n.y!)
        ctx.lineTo(t.x!, t.y!)
        ctx.stroke()
        ctx.setLineDash([])
      }
    }
  }
  ctx.globalAlpha = 1
}

function paintLabels(p: PaintInput): void {
  const { ctx, model, view, theme, selected, hovered } = p
  const all = model.nodeList.length <= LABEL_MAX_NODES || view.k >= 1.6
  ctx.font = '11px system-ui, sans-serif'
  ctx.textAlign = 'center'
  ctx.textBaseline = 'top'
  ctx.lineWidth = 3
  ctx.strokeStyle = theme.textHalo
  ctx.fillStyle = theme.text
  for (const n of model.nodeList) {
    if (!all && n.id !== selected && n.id !== hovered) continue
    const sx = n.x! * view.k + view.x
    const sy = (n.y! + n.radius) * view.k + view.y + 3
    if (sx < -50 || sy < -20 || sx > p.width + 50 || sy > p.height + 20) continue
    const label = labelOf(n)
    ctx.strokeText(label, sx, sy)
    ctx.fillText(label, sx, sy)
  }
}

/** Short label: the address with the common 127. prefix dropped. */
export function labelOf(n: SimNode): string {
  return n.id.startsWith('127.') ? n.id.slice(4) : n.id
}
