import type { HostStatus, Result } from '../../shared/ipc'
import { checkExpectations, measureRun } from '../../shared/scenario/expectations'
import { runScenario, type ScenarioRun } from '../../shared/scenario/runner'
import type { Scenario } from '../../shared/scenario/schema'
import type { HostController } from './controller'
import { HostBackend } from './scenario-backend'

/**
 * "Run scenario..." in the app: runs a scenario on the host's real nodes in the
 * background, keeping HostStatus.scenario current (steps fired, then the failed checks).
 * Resolves once the network started, or with the reason it could not start.
 */
export async function runScenarioOnHost(controller: HostController, scenario: Scenario): Promise<Result<HostStatus>> {
  const backend = new HostBackend(controller)
  let fired = 0
  const status = { name: scenario.name, running: true, fired, steps: scenario.steps.length }
  controller.setScenarioStatus(status)
  let markStarted: () => void = () => undefined
  const started = new Promise<void>((resolve) => (markStarted = resolve))
  const start = backend.start.bind(backend)
  let sessionId: string | null = null
  backend.start = async (network) => {
    const nodes = await start(network)
    sessionId = controller.status().sessionId
    markStarted()
    return nodes
  }
  const run = runScenario(scenario, backend, {
    onStep: () => controller.setScenarioStatus({ ...status, fired: ++fired }),
  })
  const finished = run.then(
    (result: ScenarioRun) => {
      const checks = checkExpectations(scenario, measureRun(result), result)
      const failures = checks.filter((c) => !c.pass).map((c) => `${c.key}: measured ${c.measured}, expected ${c.expected}`)
      // A session the user started meanwhile is not this scenario's: its status stays clear.
      if (controller.status().sessionId === sessionId) controller.setScenarioStatus({ ...status, running: false, fired, failures })
      return null
    },
    (error: Error) => {
      controller.setScenarioStatus({ ...status, running: false, fired, failures: [error.message] })
      return error.message
    },
  )
  const error = await Promise.race([started.then(() => null), finished])
  return error === null ? { ok: true, value: controller.status() } : { ok: false, error }
}
