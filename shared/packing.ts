import { z } from 'zod'

/**
 * How the launcher places nodes into processes:
 * - `single`: one process per node (seed.js / peer.js), the faithful default for a
 *   handful of nodes and what "running by hand" looks like;
 * - `pack`: node hosts with up to `size` nodes each;
 * - `auto`: one process per node while at most `threshold` nodes are alive, then new
 *   nodes go into node hosts of up to `size` nodes.
 * Measured on a 2-core machine (README, bench:nodes): a process of its own costs about
 * 45 MB RSS and 0.2 s CPU to start; a node in a host about 0.5 MB (PSS, at 100 to 1,000
 * peers) and a few ms.
 */
export const packingSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('single') }),
  z.object({ mode: z.literal('pack'), size: z.number().int().min(1).max(1000) }),
  z.object({
    mode: z.literal('auto'),
    threshold: z.number().int().min(0).max(1000),
    size: z.number().int().min(1).max(1000),
  }),
])
export type Packing = z.infer<typeof packingSchema>

export const DEFAULT_PACKING: Packing = { mode: 'auto', threshold: 30, size: 50 }

/** Whether the next node (with `alive` nodes already alive) goes into a node host, and its size. */
export function placement(packing: Packing, alive: number): { shared: false } | { shared: true; size: number } {
  switch (packing.mode) {
    case 'single': return { shared: false }
    case 'pack': return packing.size === 1 ? { shared: false } : { shared: true, size: packing.size }
    case 'auto': return alive < packing.threshold || packing.size === 1 ? { shared: false } : { shared: true, size: packing.size }
  }
}

/** Human text, e.g. for Settings: "auto: own process up to 30 nodes, then 50 per process". */
export function describePacking(packing: Packing): string {
  switch (packing.mode) {
    case 'single': return 'one process per node'
    case 'pack': return packing.size === 1 ? 'one process per node' : `up to ${packing.size} nodes per process`
    case 'auto': return `own process up to ${packing.threshold} nodes, then up to ${packing.size} per process`
  }
}
