/**
 * Runs a generator to its end without freezing the page: steps run back to back until
 * `sliceMs` (default 30 ms) has passed, then the page gets a turn (a macrotask: input,
 * rendering) before the next slice. `onProgress` gets the last value yielded in each
 * slice; `cancelled` is asked between slices, and when it answers true the generator is
 * closed and the promise resolves null. Resolves `{ value }` with what the generator
 * returned. A step is expected to take a few ms: the page waits at most one slice plus one step.
 */
export async function runInSlices<P, R>(
  steps: Generator<P, R>,
  options: { sliceMs?: number; onProgress?: (progress: P) => void; cancelled?: () => boolean } = {},
): Promise<{ value: R } | null> {
  const sliceMs = options.sliceMs ?? 30
  for (;;) {
    const since = performance.now()
    let next = steps.next()
    while (!next.done && performance.now() - since < sliceMs) next = steps.next()
    if (next.done) return { value: next.value }
    options.onProgress?.(next.value)
    await new Promise((resolve) => setTimeout(resolve, 0))
    if (options.cancelled?.()) {
      steps.return(undefined as R)
      return null
    }
  }
}
