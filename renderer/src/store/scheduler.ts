/**
 * Schedules a callback for the next frame. In the browser this is requestAnimationFrame;
 * tests pass a manual scheduler so throttling can be checked without a clock.
 */
export type FrameScheduler = (callback: () => void) => void

export const rafScheduler: FrameScheduler = (callback) => {
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => callback())
  else setTimeout(callback, 16)
}

/**
 * Coalesces many `request()` calls into at most one `run()` per scheduled frame.
 * Invariant: after `request()`, `run` is called exactly once before the next frame ends.
 */
export function frameThrottle(schedule: FrameScheduler, run: () => void): { request(): void } {
  let pending = false
  return {
    request() {
      if (pending) return
      pending = true
      schedule(() => {
        pending = false
        run()
      })
    },
  }
}
