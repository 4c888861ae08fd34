import { defineConfig } from 'vitest/config'

/**
 * Two projects: `unit` (pure code, mocked electron, in-memory network; parallel) and
 * `system` (real node processes on loopback and Chromium end-to-end; one file at a time,
 * because they share the machine's two cores and would slow each other's timing).
 * scripts/test.mjs runs them one after the other and prints the closing count.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.{ts,tsx}'],
          environment: 'node',
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'system',
          include: ['test/system/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
})
