import { useEffect, useRef } from 'react'
import { killSelected } from '../commands'
import { app, displayedState } from '../store'
import { Animator } from './animations'
import { notifyFrame } from './frame-hooks'
import { GraphModel, type SimNode } from './graph-model'
import { paint } from './paint'
import { readTheme, type GraphTheme } from './theme'
import { approach, fit, toWorld, zoomAt, type Viewport } from './viewport'

/** Pointer travel (CSS px) below which a press counts as a click, not a pan. */
const CLICK_SLOP = 4

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
    const animator = new Animator((id) => displayedState(app.store.getState()).messages.get(id)?.origin)
    let theme: GraphTheme = readTheme(canvas)
    let view: Viewport = { x: 0, y: 0, k: 1 }
    let userMoved = false
    let firstFit = true
    let width = 0
    let height = 0
    let dpr = 1
    let dirty = true
    let lastVersion = -1
    let lastMode = app.store.getState().mode
    let lastSeq = 0
    let lastSelected: string | null = null
    let hovered: string | null = null
    let frame = 0

    const unsubscribe = app.applied.subscribe((events) => animator.push(events, performance.now()))

    const resize = () => {
      const rect = canvas.getBoundingClientRect()
      dpr = window.devicePixelRatio || 1
      width = rect.width
      height = rect.height
      canvas.width = Math.max(1, Math.round(width * dpr))
      canvas.height = Math.max(1, Math.round(height * dpr))
      dirty = true
    }
    const observer = new ResizeObserver(resize)
    observer.observe(canvas)
    resize()

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
        dirty = true
      }
      if (state.selected !== lastSelected) {
        lastSelected = state.selected
        dirty = true
      }
      const moved = model.tick()
      const animating = animator.advance(now)
      if (moved && !userMoved) {
        const box = model.bounds()
        if (box) view = approach(view, fit(box, width, height), firstFit ? 1 : 0.15)
        firstFit = false
      }
      const fading = model.nodeList.some((n) => n.removedAt !== null && now - n.removedAt < 1600)
      const painted = dirty || moved || animating || fading
      if (painted && width > 0) {
        paint({ ctx, width, height, dpr, view, model, animator, state: displayedState(state), theme, selected: state.selected, hovered, now })
        dirty = false
      }
      notifyFrame(now, painted, performance.now() - workStart)
    }
    frame = requestAnimationFrame(loop)

    // Pointer: drag empty space to pan, drag a node to move it, click to select.
    let press: { x: number; y: number; node: SimNode | null; moved: boolean; view: Viewport } | null = null
    const local = (e: PointerEvent | WheelEvent | MouseEvent) => {
      const rect = canvas.getBoundingClientRect()
      return { x: e.clientX - rect.left, y: e.clientY - rect.top }
    }
    const nodeAt = (e: PointerEvent | MouseEvent) => {
      const p = local(e)
      const w = toWorld(view, p.x, p.y)
      return model.hitTest(w.x, w.y, 4 / view.k)
    }
    const onDown = (e: PointerEvent) => {
      if (e.button !== 0) return
      const p = local(e)
      press = { ...p, node: nodeAt(e), moved: false, view }
      canvas.setPointerCapture(e.pointerId)
    }
    const onMove = (e: PointerEvent) => {
      const p = local(e)
      if (press) {
        if (Math.hypot(p.x - press.x, p.y - press.y) > CLICK_SLOP) press.moved = true
        if (!press.moved) return
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
      if (!press.moved) app.store.getState().select(press.node?.id ?? null)
      else if (press.node && press.node.role === 'peer') model.pin(press.node, null, null)
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
      const box = model.bounds()
      if (box) view = fit(box, width, height)
      dirty = true
    }
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Delete' || e.key === 'Backspace') {
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

    return () => {
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
      aria-label="Network graph: seeds are squares, peers circles, dead nodes crossed. Drag to pan, wheel to zoom, click to select, Delete kills the selected node, 0 fits the view."
    />
  )
}
