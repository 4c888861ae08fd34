import type { LinkConditions } from '../../../shared/net/conditions'

/**
 * Global condition presets of the Network panel: typical one-way delays and losses of
 * common networks, as application-level emulation (see docs/network.md). Figures are
 * orders of magnitude, not measurements: a LAN hop ~0.5 ms, within a datacenter ~2 ms, a
 * continental WAN 50 ms with ±20 ms jitter, Wi-Fi with 2% loss, geostationary satellite
 * ~600 ms one way.
 */
export interface Preset {
  id: string
  label: string
  conditions: LinkConditions
}

export const PRESETS: readonly Preset[] = [
  { id: 'loopback', label: 'Loopback', conditions: { delayMs: 0, jitterMs: 0, loss: 0 } },
  { id: 'lan', label: 'LAN ~0.5 ms', conditions: { delayMs: 0.5, jitterMs: 0.1, loss: 0 } },
  { id: 'datacenter', label: 'Datacenter ~2 ms', conditions: { delayMs: 2, jitterMs: 0.5, loss: 0 } },
  { id: 'wan', label: 'WAN 50 ± 20 ms', conditions: { delayMs: 50, jitterMs: 20, loss: 0 } },
  { id: 'wifi', label: 'Lossy Wi-Fi 2%', conditions: { delayMs: 3, jitterMs: 2, loss: 0.02 } },
  { id: 'satellite', label: 'Satellite 600 ms', conditions: { delayMs: 600, jitterMs: 20, loss: 0 } },
]

/** The preset equal to `conditions`, if any. */
export function presetOf(conditions: LinkConditions): Preset | undefined {
  return PRESETS.find((p) => p.conditions.delayMs === conditions.delayMs && p.conditions.jitterMs === conditions.jitterMs && p.conditions.loss === conditions.loss)
}
