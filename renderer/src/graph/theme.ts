import { PALETTE_SIZE } from './animations'

/** Colours the canvas uses, read from the page's CSS variables (light or dark theme). */
export interface GraphTheme {
  /** Canvas background (the canvas is opaque: cheaper to composite). */
  background: string
  link: string
  linkMiss: string
  seed: string
  seedStroke: string
  peerStroke: string
  dead: string
  text: string
  textHalo: string
  select: string
  removal: string
  /** Links a partition cuts, and traffic it holds. */
  cut: string
  /** Nodes picked for a partition, and the lasso. */
  picked: string
  /** Per-origin colours (nodes and their messages), PALETTE_SIZE entries. */
  palette: string[]
}

const FALLBACK: GraphTheme = {
  background: '#ffffff',
  link: '#9aa4b2',
  linkMiss: '#d6336c',
  seed: '#f59f00',
  seedStroke: '#7a4f00',
  peerStroke: '#1f2937',
  dead: '#9ca3af',
  text: '#111827',
  textHalo: '#ffffff',
  select: '#2563eb',
  removal: '#e8590c',
  cut: '#7c3aed',
  picked: '#0891b2',
  palette: ['#4263eb', '#0ca678', '#ae3ec9', '#1098ad', '#f76707', '#37b24d', '#d6336c', '#7048e8', '#74b816', '#1c7ed6', '#e64980', '#12b886'],
}

export function readTheme(element: Element): GraphTheme {
  const style = getComputedStyle(element)
  const v = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback
  const palette: string[] = []
  for (let i = 0; i < PALETTE_SIZE; i++) palette.push(v(`--origin-${i}`, FALLBACK.palette[i]!))
  return {
    background: v('--bg', FALLBACK.background),
    link: v('--graph-link', FALLBACK.link),
    linkMiss: v('--graph-link-miss', FALLBACK.linkMiss),
    seed: v('--graph-seed', FALLBACK.seed),
    seedStroke: v('--graph-seed-stroke', FALLBACK.seedStroke),
    peerStroke: v('--graph-peer-stroke', FALLBACK.peerStroke),
    dead: v('--graph-dead', FALLBACK.dead),
    text: v('--fg', FALLBACK.text),
    textHalo: v('--bg', FALLBACK.textHalo),
    select: v('--accent', FALLBACK.select),
    removal: v('--graph-removal', FALLBACK.removal),
    cut: v('--graph-cut', FALLBACK.cut),
    picked: v('--graph-picked', FALLBACK.picked),
    palette,
  }
}
