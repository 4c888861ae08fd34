import { createStore, useStore } from 'zustand'

/** What a right-click (or the context-menu key) was over. */
export type MenuTarget = { kind: 'empty' } | { kind: 'node'; id: string } | { kind: 'link'; key: string; a: string; b: string }

export interface GraphMenu {
  /** Where to open it, in CSS px relative to the graph region. */
  x: number
  y: number
  target: MenuTarget
}

/**
 * Graph state that React draws around the canvas (the context menu) and the canvas reads
 * each frame (overlay toggles). Small and separate from the app store so that the canvas
 * loop reads it with `getState()` and nothing re-renders per frame.
 */
export interface GraphUi {
  /** What the centre area shows: the graph, or the full-size Analysis view over it. */
  center: 'graph' | 'analysis'
  menu: GraphMenu | null
  /** Draw every peer's registrations with seeds as faint dashed lines. */
  showRegistrations: boolean
  /** Bumped when a toggle changed, so the canvas repaints. */
  version: number
}

export const graphUi = createStore<GraphUi>()(() => ({ center: 'graph', menu: null, showRegistrations: true, version: 0 }))

export function useGraphUi<T>(selector: (s: GraphUi) => T): T {
  return useStore(graphUi, selector)
}

export function openMenu(menu: GraphMenu): void {
  graphUi.setState({ menu })
}

export function closeMenu(): void {
  if (graphUi.getState().menu) graphUi.setState({ menu: null })
}

export function setShowRegistrations(show: boolean): void {
  graphUi.setState((s) => ({ showRegistrations: show, version: s.version + 1 }))
}

export function setCenter(center: GraphUi['center']): void {
  graphUi.setState({ center, menu: null })
}
