/**
 * Observers of the graph's animation loop (the UI benchmark counts frames and measures
 * event-to-pixel latency here). `painted` is true when the frame was redrawn; `workMs` is
 * the time the loop itself took (sync, simulation step, paint).
 */
export type FrameObserver = (now: number, painted: boolean, workMs: number) => void

const observers = new Set<FrameObserver>()

export function observeFrames(observer: FrameObserver): () => void {
  observers.add(observer)
  return () => observers.delete(observer)
}

export function notifyFrame(now: number, painted: boolean, workMs: number): void {
  for (const observer of observers) observer(now, painted, workMs)
}
