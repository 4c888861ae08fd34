import { extent as d3Extent, max, min } from 'd3-array'
import { scaleLinear, scaleLog, type ScaleLinear, type ScaleLogarithmic } from 'd3-scale'
import { line } from 'd3-shape'

/**
 * A small XY chart rendered to a standalone SVG string (no DOM): d3-scale for scales and
 * ticks, d3-shape for paths. Used by the renderer's Analysis tab (inline, and drawn to a
 * canvas for PNG) and by the exported report (SVG files). Colours come from a theme:
 * 'light' and 'dark' fix the palette, 'auto' follows the viewer's prefers-color-scheme.
 * Every element is styled through classes scoped by the SVG's id, so several plots with
 * different themes can share one page.
 */

export type PlotTheme = 'light' | 'dark' | 'auto'

const PALETTES = {
  light: { bg: '#ffffff', fg: '#1f2328', muted: '#59636e', grid: '#d8dee4', band: 'rgba(31,136,61,0.12)' },
  dark: { bg: '#0d1117', fg: '#e6edf3', muted: '#9198a1', grid: '#30363d', band: 'rgba(63,185,80,0.18)' },
}
/** Series colours readable on both backgrounds (Tableau 10). */
export const SERIES_COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac']

export interface Series {
  name: string
  points: ReadonlyArray<readonly [number, number]>
  kind: 'line' | 'step' | 'points' | 'bars'
  colour?: string
  /** Thin and translucent, for many overlaid series. */
  faint?: boolean
}

export interface ChartSpec {
  /** Used in the SVG id; letters, digits and dashes. */
  id: string
  title: string
  xLabel: string
  yLabel: string
  series: readonly Series[]
  width?: number
  height?: number
  theme?: PlotTheme
  logX?: boolean
  logY?: boolean
  xDomain?: [number, number]
  yDomain?: [number, number]
  /** Horizontal reference lines. */
  hlines?: ReadonlyArray<{ y: number; label: string }>
  /** Shaded vertical band, e.g. an expected window. */
  xBand?: { from: number; to: number; label: string }
  /** Category labels for x ticks (x = index). */
  xCategories?: readonly string[]
  /** Text shown when there is nothing to plot. */
  empty?: string
  /** Show a legend of named series (off for many faint series). */
  legend?: boolean
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!)
}

function style(id: string, theme: PlotTheme): string {
  const rules = (p: (typeof PALETTES)['light']): string =>
    `#${id}{background:${p.bg}}#${id} .bg{fill:${p.bg}}#${id} .fg{fill:${p.fg}}#${id} .muted{fill:${p.muted}}` +
    `#${id} .axis{stroke:${p.muted}}#${id} .grid{stroke:${p.grid}}#${id} .ref{stroke:${p.fg}}#${id} .band{fill:${p.band}}`
  const base =
    `#${id} text{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:11px}` +
    `#${id} .title{font-size:13px;font-weight:600}#${id} .grid{stroke-width:1}#${id} .axis{stroke-width:1}` +
    `#${id} .ref{stroke-dasharray:5 4;stroke-width:1.2}`
  if (theme === 'auto') return `${base}${rules(PALETTES.light)}@media (prefers-color-scheme: dark){${rules(PALETTES.dark)}}`
  return base + rules(PALETTES[theme])
}

type Scale = ScaleLinear<number, number> | ScaleLogarithmic<number, number>

function extent(values: number[], log: boolean): [number, number] {
  const usable = log ? values.filter((v) => v > 0) : values
  if (usable.length === 0) return log ? [1, 10] : [0, 1]
  // d3-array loops: spreading 100k+ values into Math.min/max overflows the call stack.
  let [lo, hi] = d3Extent(usable) as [number, number]
  if (!log) lo = Math.min(0, lo)
  if (lo === hi) hi = log ? hi * 10 : lo + 1
  return [lo, hi]
}

const fmt = (v: number): string => (Math.abs(v) >= 10_000 ? `${Math.round(v / 1000)}k` : `${+v.toPrecision(4)}`)

export function renderChart(spec: ChartSpec): string {
  const width = spec.width ?? 640
  const height = spec.height ?? 360
  const theme = spec.theme ?? 'auto'
  const id = `gsp-${spec.id}-${theme}`
  const m = { top: 34, right: 16, bottom: 44, left: 58 }
  const all = spec.series.flatMap((s) => s.points)
  const xs = all.map((p) => p[0])
  const ys = all.map((p) => p[1])
  for (const h of spec.hlines ?? []) ys.push(h.y)
  if (spec.xBand) xs.push(spec.xBand.from, spec.xBand.to)
  const bars = spec.series.some((s) => s.kind === 'bars')
  const xDomain = spec.xDomain ?? (bars ? [Math.min(min(xs) ?? 0, 0) - 0.5, Math.max(max(xs) ?? 0, 0) + 0.5] : extent(xs, !!spec.logX))
  const yDomain = spec.yDomain ?? extent(ys, !!spec.logY)
  const x: Scale = (spec.logX ? scaleLog() : scaleLinear()).domain(xDomain).range([m.left, width - m.right])
  const y: Scale = (spec.logY ? scaleLog() : scaleLinear()).domain(yDomain).range([height - m.bottom, m.top])
  if (!spec.xDomain && !spec.logX && !bars) (x as ScaleLinear<number, number>).nice()
  if (!spec.yDomain && !spec.logY) (y as ScaleLinear<number, number>).nice()
  const out: string[] = []
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" id="${id}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(spec.title)}">`,
    `<style>${style(id, theme)}</style>`,
    `<rect class="bg" x="0" y="0" width="${width}" height="${height}"/>`,
    `<text class="fg title" x="${m.left}" y="20">${escapeXml(spec.title)}</text>`,
  )
  const [y0, y1] = y.range() as [number, number]
  const [x0, x1] = x.range() as [number, number]
  const xTicks = spec.xCategories
    ? spec.xCategories.map((_, i) => i).filter((i) => i >= xDomain[0] && i <= xDomain[1])
    : logTicks(x, !!spec.logX, 8)
  const yTicks = logTicks(y, !!spec.logY, 6)
  for (const t of yTicks) {
    const py = y(t).toFixed(1)
    out.push(`<line class="grid" x1="${x0}" x2="${x1}" y1="${py}" y2="${py}"/>`)
    out.push(`<text class="muted" x="${x0 - 6}" y="${py}" text-anchor="end" dominant-baseline="middle">${escapeXml(fmt(t))}</text>`)
  }
  const xStep = spec.xCategories ? Math.max(1, Math.ceil(xTicks.length / 12)) : 1
  xTicks.forEach((t, i) => {
    if (i % xStep !== 0) return
    const px = x(t).toFixed(1)
    const label = spec.xCategories ? (spec.xCategories[t] ?? '') : fmt(t)
    out.push(`<text class="muted" x="${px}" y="${y0 + 16}" text-anchor="middle">${escapeXml(label)}</text>`)
  })
  out.push(`<line class="axis" x1="${x0}" x2="${x1}" y1="${y0}" y2="${y0}"/><line class="axis" x1="${x0}" x2="${x0}" y1="${y0}" y2="${y1}"/>`)
  out.push(`<text class="fg" x="${(x0 + x1) / 2}" y="${height - 8}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`)
  out.push(
    `<text class="fg" transform="translate(14 ${(y0 + y1) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(spec.yLabel)}</text>`,
  )
  if (spec.xBand) {
    const a = x(spec.xBand.from)
    const b = x(spec.xBand.to)
    out.push(`<rect class="band" x="${Math.min(a, b).toFixed(1)}" y="${y1}" width="${Math.abs(b - a).toFixed(1)}" height="${y0 - y1}"/>`)
    out.push(`<text class="muted" x="${(Math.max(a, b) - 4).toFixed(1)}" y="${y1 + 12}" text-anchor="end">${escapeXml(spec.xBand.label)}</text>`)
  }
  if (all.length === 0) {
    out.push(`<text class="muted" x="${(x0 + x1) / 2}" y="${(y0 + y1) / 2}" text-anchor="middle">${escapeXml(spec.empty ?? 'no data')}</text>`)
  }
  const clampY = (v: number): number => Math.max(y1, Math.min(y0, v))
  const inDomain = (p: readonly [number, number]): boolean =>
    (!spec.logX || p[0] > 0) && (!spec.logY || p[1] > 0) && Number.isFinite(p[0]) && Number.isFinite(p[1])
  spec.series.forEach((s, i) => {
    const colour = s.colour ?? SERIES_COLOURS[i % SERIES_COLOURS.length]!
    const points = s.points.filter(inDomain)
    const opacity = s.faint ? ' stroke-opacity="0.35"' : ''
    const strokeWidth = s.faint ? 1 : 2
    switch (s.kind) {
      case 'line':
      case 'step': {
        const path = line<readonly [number, number]>()
          .x((p) => x(p[0]))
          .y((p) => clampY(y(p[1])))
        const d = s.kind === 'step' ? stepPath(points, x, y, clampY) : path(points)
        if (d) out.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="${strokeWidth}"${opacity}><title>${escapeXml(s.name)}</title></path>`)
        return
      }
      case 'points':
        for (const p of points) {
          out.push(`<circle cx="${x(p[0]).toFixed(1)}" cy="${clampY(y(p[1])).toFixed(1)}" r="3" fill="${colour}"${s.faint ? ' fill-opacity="0.5"' : ''}/>`)
        }
        return
      case 'bars': {
        const w = Math.max(1, Math.abs(x(1) - x(0)) * 0.8)
        for (const p of points) {
          const top = clampY(y(p[1]))
          out.push(
            `<rect x="${(x(p[0]) - w / 2).toFixed(1)}" y="${top.toFixed(1)}" width="${w.toFixed(1)}" height="${Math.max(0, y0 - top).toFixed(1)}" fill="${colour}"><title>${escapeXml(`${s.name}: ${p[1]}`)}</title></rect>`,
          )
        }
        return
      }
      default: {
        const never: never = s.kind
        return never
      }
    }
  })
  for (const h of spec.hlines ?? []) {
    const py = clampY(y(h.y)).toFixed(1)
    out.push(`<line class="ref" x1="${x0}" x2="${x1}" y1="${py}" y2="${py}"/>`)
    out.push(`<text class="fg" x="${x0 + 4}" y="${Number(py) - 4}">${escapeXml(h.label)}</text>`)
  }
  if (spec.legend) {
    spec.series.forEach((s, i) => {
      const colour = s.colour ?? SERIES_COLOURS[i % SERIES_COLOURS.length]!
      const lx = width - m.right - 150
      const ly = m.top + 4 + i * 16
      out.push(`<rect x="${lx}" y="${ly}" width="10" height="10" fill="${colour}"/>`)
      out.push(`<text class="fg" x="${lx + 14}" y="${ly + 9}">${escapeXml(s.name)}</text>`)
    })
  }
  out.push('</svg>')
  return out.join('')
}

/** Ticks; on log scales only the ones d3 labels (1, 2, 5 x powers of ten), so labels do not collide. */
function logTicks(scale: Scale, log: boolean, count: number): number[] {
  if (!log) return scale.ticks(count)
  const format = scale.tickFormat(count, '~g')
  return scale.ticks(count).filter((t) => format(t) !== '')
}

function stepPath(
  points: ReadonlyArray<readonly [number, number]>,
  x: Scale,
  y: Scale,
  clampY: (v: number) => number,
): string | null {
  if (points.length === 0) return null
  let d = ''
  let prevY: number | null = null
  for (const p of points) {
    const px = x(p[0]).toFixed(1)
    const py = clampY(y(p[1])).toFixed(1)
    d += prevY === null ? `M${px},${py}` : `H${px}V${py}`
    prevY = Number(py)
  }
  return d
}
