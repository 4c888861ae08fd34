import { createRequire } from 'node:module'
import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import react from '@vitejs/plugin-react'
import pkg from './package.json'

// Electron is an optional dependency: where its binary cannot be downloaded, npm leaves it
// out, and the build (whose targets follow Electron's major version) takes the major from
// the version range in package.json instead.
try {
  createRequire(import.meta.url).resolve('electron/package.json')
} catch {
  process.env.ELECTRON_MAJOR_VER ??= /\d+/.exec(pkg.optionalDependencies.electron)![0]
}

/**
 * Rolldown's "[PLUGIN_TIMINGS] JavaScript callbacks ran for ..." warning fires on a loaded
 * machine and is noise in `npm start` / `npm test` output: off in every build.
 */
const checks = { bundlerTimings: false }

/**
 * One build for everything that ships:
 * - main: the Electron main process plus the plain-Node entry points that share its
 *   code (seed and peer node programs, the web host, the export CLI, the node benchmark);
 * - preload: CommonJS, as sandboxed preloads must be;
 * - renderer: the React app, also served by the web host.
 */
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        checks,
        input: {
          index: resolve(__dirname, 'electron/main/index.ts'),
          seed: resolve(__dirname, 'electron/nodes/seed.ts'),
          peer: resolve(__dirname, 'electron/nodes/peer.ts'),
          web: resolve(__dirname, 'electron/web/server.ts'),
          'export-cli': resolve(__dirname, 'electron/host/export-cli.ts'),
          'export-worker': resolve(__dirname, 'electron/host/export-worker.ts'),
          'node-host': resolve(__dirname, 'electron/nodes/node-host.ts'),
          'scenario-cli': resolve(__dirname, 'electron/host/scenario-cli.ts'),
          'bench-nodes': resolve(__dirname, 'bench/nodes.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        checks,
        input: { index: resolve(__dirname, 'electron/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'renderer',
    build: {
      outDir: 'out/renderer',
      // electron-vite leaves the renderer unminified; minified, the first load is a third of the bytes
      // (README, "Renderer bundle").
      minify: true,
      rollupOptions: { checks, input: { index: resolve(__dirname, 'renderer/index.html') } },
    },
    plugins: [react()],
  },
})
