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

/** Fits a world box into a width x height screen with a margin (CSS px). */
export function fit(
  box: { x0: number; y0: number; x1: number; y1: number },
  width: number,
  height: number,
  margin = 40,
): Viewport {
  const w = Math.max(1, box.x1 - box.x0)
  const h = Math.max(1, box.y1 - box.y0)
  const k = Math.min(MAX_ZOOM, 2, Math.max(MIN_ZOOM, Math.min((width - 2 * margin) / w, (height - 2 * margin) / h)))
  const cx = (box.x0 + box.x1) / 2
  const cy = (box.y0 + box.y1) / 2
  return { k, x: width / 2 - cx * k, y: height / 2 - cy * k }
}

/** Moves `from` a fraction `f` of the way to `to` (smooth auto-fit while the layout settles). */
export function approach(from: Viewport, to: Viewport, f: number): Viewport {
  return { x: from.x + (to.x - from.x) * f, y: from.y + (to.y - from.y) * f, k: from.k + (to.k - from.k) * f }
}
