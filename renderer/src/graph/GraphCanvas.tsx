import { useEffect, useRef } from 'react'
import { killSelected } from '../commands'
import { followUi, tracker } from '../follow/follow'
import { app, displayedState } from '../store'
import { Animator } from './animations'
import { notifyFrame } from './frame-hooks'
import { GraphModel, type SimNode } from './graph-model'
import { closeMenu, graphUi, openMenu, type MenuTarget } from './graph-ui'
import { paint } from './paint'
import { NetView } from '../network/net-view'
import { addPicked, netUi, openLinkConditions, setLasso, togglePicked } from '../network/net-ui'
import { readTheme, type GraphTheme } from './theme'
import { NO_INSETS, approach, fit, overlayInsets, toWorld, zoomAt, type Insets, type Viewport } from './viewport'

/** Pointer travel (CSS px) below which a press counts as a click, not a pan. */
const CLICK_SLOP = 4
/** Screen distance (CSS px) within which a right-click picks a link. */
const LINK_SLOP = 5

/** Elements drawn over the canvas that nodes must stay clear of when the view is fitted. */
export const OVERLAY_SELECTOR = '[data-graph-overlay]'

/** Screen geometry for tests (Playwright): where nodes and links are drawn, in client px. */
export interface GraphProbe {
  node(id: string): { x: number; y: number; r: number } | null
  link(key: string): { x: number; y: number } | null
  nodes(): string[]
  /** Keys (`a|b`) of the links drawn. */
  links(): string[]
  /** Whether a partition cuts the link drawn under `key`. */
  cut(key: string): boolean
  insets(): Insets
  autoFit(): boolean
  /** Canvas backing store size in device px, and the ratio used. */
  backing(): { width: number; height: number; dpr: number }
}

declare global {
  interface Window {
    __gossipscopeGraph?: GraphProbe
  }
}

/**
 * The live graph on a canvas. Everything runs in one requestAnimationFrame loop outside
 * React: read the store's version, sync the model, step the simulation, advance the
 * animations, and repaint only when one of them changed something.
 */
export function GraphCanvas() {
  const canvasRef = useRef<HTMLCanvasElement>(null)

  useEffect(() => {
    const canvas = canvasRef.current!
    const ctx = canvas.getContext('2d', { alpha: false })!
    const model = new GraphModel()
    const netView = new NetView()
    const animator = new Animator((id) => displayedState(app.store.getState()).messages.get(id)?.origin, netView)
    let theme: GraphTheme = readTheme(canvas)
    let view: Viewport = { x: 0, y: 0, k: 1 }
    let userMoved = false
    let firstFit = true
    let width = 0
    let height = 0
    let dpr = 1
    let insets: Insets = NO_INSETS
    let dirty = true
    let lastVersion = -1
    let lastMode = app.store.getState().mode
    let lastSeq = 0
    let lastSelected: string | null = null
    let hovered: string | null = null
    let lastUi = graphUi.getState().version
    let lastFollow = -1
    let lastNet = netUi.getState().version
    let frame = 0

    const unsubscribe = app.applied.subscribe((events) => animator.push(events, performance.now()))

    /** Margin around the fitted network (room for the labels under nodes): 40 px, down to 20 on a small canvas. */
    const margin = () => Math.max(20, Math.min(40, 0.1 * Math.min(width - insets.left - insets.right, height - insets.top - insets.bottom)))
    const refit = () => {
      const box = model.bounds()
      if (box && width > 0) view = fit(box, width, height, margin(), insets)
    }
    const measureInsets = () => {
      const origin = canvas.getBoundingClientRect()
      const overlays = [...(canvas.parentElement?.querySelectorAll<HTMLElement>(OVERLAY_SELECTOR) ?? [])].map((el) => {
        const r = el.getBoundingClientRect()
        return { x: r.left - origin.left, y: r.top - origin.top, w: r.width, h: r.height }
      })
      insets = overlayInsets(width, height, overlays)
    }
    // Canvas size, pixel ratio or an overlay changed: resize the backing store and, while
    // auto-fit is on, fit the view again (a settled layout would otherwise stay clipped).
    const resize = () => {
      const rect = canvas.getBoundingClientRect()
      dpr = window.devicePixelRatio || 1
      width = rect.width
      height = rect.height
      canvas.width = Math.max(1, Math.round(width * dpr))
      canvas.height = Math.max(1, Math.round(height * dpr))
      measureInsets()
      if (!userMoved) refit()
      dirty = true
    }
    const observer = new ResizeObserver(resize)
    observer.observe(canvas)
    const observeOverlays = () => canvas.parentElement?.querySelectorAll(OVERLAY_SELECTOR).forEach((el) => observer.observe(el))
    observeOverlays()
    // Overlays come and go (the followed message's bar): observe new ones, re-measure.
    const overlayWatch = new MutationObserver(() => {
      observeOverlays()
      resize()
    })
    if (canvas.parentElement) overlayWatch.observe(canvas.parentElement, { childList: true, subtree: true })
    resize()

    // devicePixelRatio changes (browser zoom, a move to another screen) do not always resize
    // the canvas in CSS px: watch the ratio itself, re-armed for each new value.
    let ratioQuery: MediaQueryList | null = null
    const watchRatio = () => {
      ratioQuery?.removeEventListener('change', onRatio)
      ratioQuery = window.matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`)
      ratioQuery.addEventListener('change', onRatio)
    }
    const onRatio = () => {
      resize()
      watchRatio()
    }
    watchRatio()

    const scheme = window.matchMedia('(prefers-color-scheme: dark)')
    const onScheme = () => {
      theme = readTheme(canvas)
      dirty = true
    }
    scheme.addEventListener('change', onScheme)

    const loop = (now: number) => {
      frame = requestAnimationFrame(loop)
      const workStart = performance.now()
      const state = app.store.getState()
      if (state.version !== lastVersion) {
        const shown = displayedState(state)
        // Dots in flight belong to the moment they were sent: drop them when the view jumps
        // (live <-> replay, or a seek backwards), keep them while time moves forward.
        if (state.mode !== lastMode || shown.seq < lastSeq) animator.clear()
        lastMode = state.mode
        lastSeq = shown.seq
        lastVersion = state.version
        model.sync(shown, now)
        netView.update(shown.net.conditions, model.nodeList.map((n) => n.id))
        dirty = true
      }
      const net = netUi.getState()
      if (net.version !== lastNet) {
        lastNet = net.version
        dirty = true
      }
      if (state.selected !== lastSelected) {
        lastSelected = state.selected
        dirty = true
      }
      const ui = graphUi.getState()
      if (ui.version !== lastUi) {
        lastUi = ui.version
        dirty = true
      }
      const followed = followUi.getState()
      if (followed.version !== lastFollow) {
        lastFollow = followed.version
        dirty = true
      }
      const moved = model.tick()
      const animating = animator.advance(now)
      if (moved && !userMoved) {
        const box = model.bounds()
        if (box) view = approach(view, fit(box, width, height, margin(), insets), firstFit ? 1 : 0.15)
        firstFit = false
      }
      const fading = model.nodeList.some((n) => n.removedAt !== null && now - n.removedAt < 1600)
      const painted = dirty || moved || animating || fading
      if (painted && width > 0) {
        const propagation = followed.id ? tracker.shown() : null
        paint({ ctx, width, height, dpr, view, model, animator, state: displayedState(state), theme, selected: state.selected, hovered, now, registrations: ui.showRegistrations, propagation, net: netView, picked: net.picked, lasso: net.lasso })
        dirty = false
      }
      notifyFrame(now, painted, performance.now() - workStart)
    }
    frame = requestAnimationFrame(loop)

    // Pointer: drag empty space to pan, drag a node to move it, click to select; shift-click
    // picks a node for a partition and shift-drag on empty space draws a lasso; click a link
    // to edit its conditions.
    let press: { x: number; y: number; node: SimNode | null; moved: boolean; view: Viewport; shift: boolean } | null = null
    const local = (e: PointerEvent | WheelEvent | MouseEvent) => {
      const rect = canvas.getBoundingClientRect()
      return { x: e.clientX - rect.left, y: e.clientY - rect.top }
    }
    const nodeAt = (e: PointerEvent | MouseEvent) => {
      const p = local(e)
      const w = toWorld(view, p.x, p.y)
      return model.hitTest(w.x, w.y, 4 / view.k)
    }
    const linkAt = (e: MouseEvent) => {
      const p = local(e)
      let best: { key: string; a: string; b: string } | null = null
      let bestD = LINK_SLOP
      for (const l of model.links) {
        const ax = l.source.x! * view.k + view.x
        const ay = l.source.y! * view.k + view.y
        const bx = l.target.x! * view.k + view.x
        const by = l.target.y! * view.k + view.y
        const d = segmentDistance(p.x, p.y, ax, ay, bx, by)
        if (d < bestD) {
          bestD = d
          best = { key: l.key, a: l.source.id, b: l.target.id }
        }
      }
      return best
    }
    /** Menu position relative to the graph region (the canvas fills it). */
    const menuAt = (x: number, y: number, target: MenuTarget) => openMenu({ x: canvas.offsetLeft + x, y: canvas.offsetTop + y, target })
    const onContextMenu = (e: MouseEvent) => {
      e.preventDefault()
      const p = local(e)
      const node = nodeAt(e)
      const link = node ? null : linkAt(e)
      if (node) app.store.getState().select(node.id)
      menuAt(p.x, p.y, node ? { kind: 'node', id: node.id } : link ? { kind: 'link', ...link } : { kind: 'empty' })
    }
    const onDown = (e: PointerEvent) => {
      closeMenu()
      if (e.button !== 0) return
      const p = local(e)
      press = { ...p, node: nodeAt(e), moved: false, view, shift: e.shiftKey }
      canvas.setPointerCapture(e.pointerId)
    }
    const onMove = (e: PointerEvent) => {
      const p = local(e)
      if (press) {
        if (Math.hypot(p.x - press.x, p.y - press.y) > CLICK_SLOP) press.moved = true
        if (!press.moved) return
        if (press.shift && !press.node) {
          setLasso({ x0: press.x, y0: press.y, x1: p.x, y1: p.y })
          return
        }
        userMoved = true
        if (press.node && press.node.role === 'peer') {
          const w = toWorld(view, p.x, p.y)
          model.pin(press.node, w.x, w.y)
        } else {
          view = { ...press.view, x: press.view.x + p.x - press.x, y: press.view.y + p.y - press.y }
        }
        dirty = true
        return
      }
      const hit = nodeAt(e)?.id ?? null
      if (hit !== hovered) {
        hovered = hit
        canvas.style.cursor = hit ? 'pointer' : 'grab'
        canvas.title = hit ?? ''
        dirty = true
      }
    }
    const onUp = (e: PointerEvent) => {
      if (!press) return
      const lasso = netUi.getState().lasso
      if (lasso) {
        const [x0, x1] = [Math.min(lasso.x0, lasso.x1), Math.max(lasso.x0, lasso.x1)]
        const [y0, y1] = [Math.min(lasso.y0, lasso.y1), Math.max(lasso.y0, lasso.y1)]
        const inside = model.nodeList.filter((n) => {
          const sx = n.x! * view.k + view.x
          const sy = n.y! * view.k + view.y
          return sx >= x0 && sx <= x1 && sy >= y0 && sy <= y1
        })
        setLasso(null)
        addPicked(inside.map((n) => n.id))
      } else if (!press.moved && press.shift && press.node) togglePicked(press.node.id)
      else if (!press.moved && press.node) app.store.getState().select(press.node.id)
      else if (!press.moved) {
        const link = linkAt(e)
        app.store.getState().select(null)
        if (link) openLinkConditions(link.a, link.b)
      } else if (press.node && press.node.role === 'peer') model.pin(press.node, null, null)
      press = null
      canvas.releasePointerCapture(e.pointerId)
    }
    const onWheel = (e: WheelEvent) => {
      e.preventDefault()
      const p = local(e)
      view = zoomAt(view, p.x, p.y, Math.exp(-e.deltaY * 0.0015))
      userMoved = true
      dirty = true
    }
    const onDoubleClick = () => {
      userMoved = false
      refit()
      dirty = true
    }
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'ContextMenu' || (e.key === 'F10' && e.shiftKey)) {
        // The keyboard's right-click: the selected node's menu at the node, else the canvas's.
        e.preventDefault()
        const selected = app.store.getState().selected
        const n = selected ? model.nodes.get(selected) : undefined
        if (n) menuAt(n.x! * view.k + view.x, n.y! * view.k + view.y, { kind: 'node', id: n.id })
        else menuAt(width / 2, height / 2, { kind: 'empty' })
      } else if (e.key === 'Delete' || e.key === 'Backspace') {
        e.preventDefault()
        void killSelected()
      } else if (e.key === 'Escape') app.store.getState().select(null)
      else if (e.key === '0') onDoubleClick()
    }
    canvas.addEventListener('pointerdown', onDown)
    canvas.addEventListener('pointermove', onMove)
    canvas.addEventListener('pointerup', onUp)
    canvas.addEventListener('wheel', onWheel, { passive: false })
    canvas.addEventListener('dblclick', onDoubleClick)
    canvas.addEventListener('keydown', onKey)
    canvas.addEventListener('contextmenu', onContextMenu)

    const toClient = (x: number, y: number) => {
      const rect = canvas.getBoundingClientRect()
      return { x: rect.left + x * view.k + view.x, y: rect.top + y * view.k + view.y }
    }
    window.__gossipscopeGraph = {
      node: (id) => {
        const n = model.nodes.get(id)
        return n ? { ...toClient(n.x!, n.y!), r: n.radius * view.k } : null
      },
      link: (key) => {
        const l = model.links.find((x) => x.key === key)
        return l ? toClient((l.source.x! + l.target.x!) / 2, (l.source.y! + l.target.y!) / 2) : null
      },
      nodes: () => model.nodeList.map((n) => n.id),
      links: () => model.links.map((l) => l.key),
      cut: (key) => {
        const l = model.links.find((x) => x.key === key)
        return l ? netView.cut(l.source.id, l.target.id) : false
      },
      insets: () => insets,
      autoFit: () => !userMoved,
      backing: () => ({ width: canvas.width, height: canvas.height, dpr }),
    }

    return () => {
      delete window.__gossipscopeGraph
      overlayWatch.disconnect()
      ratioQuery?.removeEventListener('change', onRatio)
      canvas.removeEventListener('contextmenu', onContextMenu)
      cancelAnimationFrame(frame)
      unsubscribe()
      observer.disconnect()
      scheme.removeEventListener('change', onScheme)
      canvas.removeEventListener('pointerdown', onDown)
      canvas.removeEventListener('pointermove', onMove)
      canvas.removeEventListener('pointerup', onUp)
      canvas.removeEventListener('wheel', onWheel)
      canvas.removeEventListener('dblclick', onDoubleClick)
      canvas.removeEventListener('keydown', onKey)
    }
  }, [])

  return (
    <canvas
      ref={canvasRef}
      className="graph-canvas"
      tabIndex={0}
      role="img"
      aria-label="Network graph: seeds are squares, peers circles, paused nodes faded with a pause sign, dead nodes crossed. Drag to pan, wheel to zoom, click to select, shift-click or shift-drag to pick nodes for a partition, click a link to set its conditions, right-click or Shift+F10 for actions, Delete kills the selected node, 0 fits the view."
    />
  )
}

/** Distance (px) from point (x, y) to the segment a-b. */
export function segmentDistance(x: number, y: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax
  const dy = by - ay
  const len2 = dx * dx + dy * dy
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / len2))
  return Math.hypot(x - (ax + t * dx), y - (ay + t * dy))
}
