import { createStore, useStore } from 'zustand'

/**
 * The import under way (one at a time), for the progress line under the timeline:
 * what is being done, how far, and how to cancel it.
 */
export interface ImportProgress {
  /** Name shown (the file, the folder, or "N files"). */
  name: string
  phase: 'reading' | 'parsing' | 'receiving' | 'indexing'
  /** File being read or parsed. */
  file: string
  /** Done and total in the phase's unit: bytes (reading, parsing) or events (receiving, indexing). */
  done: number
  total: number
  /** Events parsed so far. */
  events: number
  cancel: () => void
}

export const importProgress = createStore<{ current: ImportProgress | null }>()(() => ({ current: null }))

export function useImportProgress(): ImportProgress | null {
  return useStore(importProgress, (s) => s.current)
}

/** A whole ImportProgress starts an import's line; a partial one updates it (ignored when none is shown); null ends it. */
export function setImportProgress(update: ImportProgress | Partial<ImportProgress> | null): void {
  importProgress.setState((s) => {
    if (update === null) return { current: null }
    if ('name' in update && 'cancel' in update && 'phase' in update) return { current: { ...s.current, ...(update as ImportProgress) } }
    return { current: s.current ? { ...s.current, ...update } : null }
  })
}
