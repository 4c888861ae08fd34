import { join } from 'node:path'
import { HostController, type HostControllerOptions } from './controller'
import { workerExporter } from './export-runner'
import { DEFAULT_SUPERVISOR, Supervisor, type SupervisorOptions } from './supervisor'

/**
 * Builds the host both entry points run (Electron main, the web host): a HostController
 * over a real Supervisor, with defaults filled in.
 */

export interface HostConfig extends Partial<Omit<HostControllerOptions, 'sessionsDir' | 'exportsDir'>> {
  sessionsDir: string
  /** Default: `<sessionsDir>/_exports` (not a session: it has no session.json). */
  exportsDir?: string
  /** Folder holding the built seed.js and peer.js. */
  nodesDir: string
  /** Overrides, e.g. maxNodes, basePort (or other node programs, for tests). */
  supervisor?: Partial<Omit<SupervisorOptions, 'sessionsDir'>>
}

export function createHost(config: HostConfig): HostController {
  const { nodesDir, supervisor, ...options } = config
  const supervisorOptions: SupervisorOptions = {
    ...DEFAULT_SUPERVISOR,
    scripts: { seed: join(nodesDir, 'seed.js'), peer: join(nodesDir, 'peer.js'), host: join(nodesDir, 'node-host.js') },
    ...supervisor,
    sessionsDir: config.sessionsDir,
  }
  return new HostController(
    // Exports run in a worker thread (export-runner.ts), one at a time (the controller's queue).
    { exporter: workerExporter({ script: join(nodesDir, 'export-worker.js') }), ...options, exportsDir: config.exportsDir ?? join(config.sessionsDir, '_exports') },
    (hooks) => new Supervisor(supervisorOptions, hooks),
  )
}

/**
 * Last line of defence: whatever way this process ends, SIGKILL every node it started.
 * (Nodes also exit by themselves when their IPC channel closes, which covers SIGKILL of
 * this process.) Returns a function that removes the guard.
 */
export function guardProcessExit(controller: HostController): () => void {
  const onExit = (): void => controller.supervisor.killAllNow()
  process.on('exit', onExit)
  return () => process.off('exit', onExit)
}
