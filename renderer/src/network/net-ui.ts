import { createStore, useStore } from 'zustand'
import { app } from '../store'

/**
 * The Network panel's own state, read by the graph each frame (picked nodes, the lasso)
 * and by React: nodes picked for a partition (shift-click, shift-drag lasso) and the link
 * whose conditions are being edited. Separate from the app store so the canvas loop reads
 * it with `getState()` and nothing re-renders per frame.
 */
export interface NetUi {
  /** Nodes picked for "Partition from the rest". */
  picked: ReadonlySet<string>
  /** The link open in the link-conditions editor (two node ids), or null. */
  link: { a: string; b: string } | null
  /** The lasso being dragged, canvas CSS px; null when none. */
  lasso: { x0: number; y0: number; x1: number; y1: number } | null
  /** Bumped on every change, so the canvas repaints. */
  version: number
}

export const netUi = createStore<NetUi>()(() => ({ picked: new Set(), link: null, lasso: null, version: 0 }))

export function useNetUi<T>(selector: (s: NetUi) => T): T {
  return useStore(netUi, selector)
}

const bump = (patch: Partial<NetUi>) => netUi.setState((s) => ({ ...patch, version: s.version + 1 }))

/** Adds a node to the picked set, or removes it if already picked (shift-click). */
export function togglePicked(id: string): void {
  const picked = new Set(netUi.getState().picked)
  if (picked.has(id)) picked.delete(id)
  else picked.add(id)
  bump({ picked })
}

/** Adds nodes to the picked set (a lasso). */
export function addPicked(ids: readonly string[]): void {
  bump({ picked: new Set([...netUi.getState().picked, ...ids]) })
}

export function clearPicked(): void {
  if (netUi.getState().picked.size > 0) bump({ picked: new Set() })
}

export function setLasso(lasso: NetUi['lasso']): void {
  bump({ lasso })
}

/**
 * Opens the link-conditions editor for the link a–b in the Network tab (a click on a link,
 * or a context-menu item). The one entry point for other features.
 */
export function openLinkConditions(a: string, b: string): void {
  bump({ link: { a, b } })
  app.store.getState().setTab('network')
}

export function closeLinkConditions(): void {
  bump({ link: null })
}
