/** Pan/zoom transform: screen = world * k + (x, y), in CSS pixels. */
export interface Viewport {
  x: number
  y: number
  k: number
}

export const MIN_ZOOM = 0.1
export const MAX_ZOOM = 8

export function toWorld(v: Viewport, sx: number, sy: number): { x: number; y: number } {
  return { x: (sx - v.x) / v.k, y: (sy - v.y) / v.k }
}

/** Zooms by `factor` keeping the world point under (sx, sy) fixed on screen. */
export function zoomAt(v: Viewport, sx: number, sy: number, factor: number): Viewport {
  const k = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, v.k * factor))
  const w = toWorld(v, sx, sy)
  return { k, x: sx - w.x * k, y: sy - w.y * k }
}

/** Screen space (CSS px) along each edge covered by overlays (legend, toolbars) that nodes must stay clear of. */
export interface Insets {
  top: number
  right: number
  bottom: number
  left: number
}

export const NO_INSETS: Insets = { top: 0, right: 0, bottom: 0, left: 0 }

/**
 * Fits a world box into a width x height screen (CSS px) with a margin, inside the area
 * left free by `insets`, so no node is drawn under an overlay.
 */
export function fit(
  box: { x0: number; y0: number; x1: number; y1: number },
  width: number,
  height: number,
  margin = 40,
  insets: Insets = NO_INSETS,
): Viewport {
  const w = Math.max(1, box.x1 - box.x0)
  const h = Math.max(1, box.y1 - box.y0)
  const freeW = Math.max(1, width - insets.left - insets.right - 2 * margin)
  const freeH = Math.max(1, height - insets.top - insets.bottom - 2 * margin)
  const k = Math.min(MAX_ZOOM, 2, Math.max(MIN_ZOOM, Math.min(freeW / w, freeH / h)))
  const cx = (box.x0 + box.x1) / 2
  const cy = (box.y0 + box.y1) / 2
  const sx = insets.left + (width - insets.left - insets.right) / 2
  const sy = insets.top + (height - insets.top - insets.bottom) / 2
  return { k, x: sx - cx * k, y: sy - cy * k }
}

/**
 * Insets of a canvas from the overlays drawn over it: each overlay rectangle reserves a
 * strip along one edge, the edge whose strip loses the least area (a wide legend at the
 * bottom reserves a short bottom strip, not a tall left one). Rectangles in CSS px
 * relative to the canvas.
 */
export function overlayInsets(width: number, height: number, overlays: ReadonlyArray<{ x: number; y: number; w: number; h: number }>): Insets {
  const insets = { ...NO_INSETS }
  for (const o of overlays) {
    if (o.w <= 0 || o.h <= 0) continue
    const strips: Array<[keyof Insets, number]> = [
      ['top', o.y + o.h],
      ['bottom', height - o.y],
      ['left', o.x + o.w],
      ['right', width - o.x],
    ]
    const area = (edge: keyof Insets, size: number) => size * (edge === 'top' || edge === 'bottom' ? width : height)
    const [edge, size] = strips.reduce((a, b) => (area(b[0], b[1]) < area(a[0], a[1]) ? b : a))
    insets[edge] = Math.max(insets[edge], Math.min(size, edge === 'top' || edge === 'bottom' ? height : width))
  }
  return insets
}

/** Moves `from` a fraction `f` of the way to `to` (smooth auto-fit while the layout settles). */
export function approach(from: Viewport, to: Viewport, f: number): Viewport {
  return { x: from.x + (to.x - from.x) * f, y: from.y + (to.y - from.y) * f, k: from.k + (to.k - from.k) * f }
}
