import type { GossipscopeApi } from '../../../shared/ipc'
import { app } from '../store'
import { installMetrics } from './metrics'
import { eventsIn } from '../../../shared/model/coverage'

/**
 * `?measure=1` (scripts/bench-ui.mjs --real): the real host's API with the benchmark's
 * metrics in the page. Event-to-pixel latency then runs from the node's own clock stamp
 * (`t`, same machine) through IPC, the host's intake and the WebSocket to the painted
 * frame; `received` counts every event the host delivered.
 */
export function measureApi(api: GossipscopeApi): GossipscopeApi {
  const metrics = installMetrics()
  // Each batch reaches every subscriber: count an event once, by its seq.
  let lastSeq = 0
  return {
    ...api,
    onEvents(listener) {
      return api.onEvents((batch) => {
        // A gossip.coverage item counts as the hop events it folds.
        for (const e of batch.events) if (e.seq > lastSeq) ((metrics.received += eventsIn(e)), (lastSeq = e.seq))
        listener(batch)
      })
    },
    async ready(fromSeq) {
      await api.ready(fromSeq)
      metrics.start = performance.now()
      metrics.applied = () => app.store.getState().live.applied
    },
  }
}
