import { useRef } from 'react'
import { parseScenarioText } from '../../../shared/scenario/parse'
import { scenarioFileText, scenarioFromSession } from '../../../shared/scenario/record'
import { runScenarioFile } from '../commands'
import { useApp } from '../store'
import { replay } from '../timeline/replay'
import { download } from '../download'

/**
 * Scenario commands (docs/scenarios.md): "Run scenario..." reads a .json/.yaml file,
 * validates it here (a bad field is named and nothing starts; the host validates again)
 * and runs it on the host's real nodes; "Save as scenario" writes the scenario that
 * reproduces the session shown (its recorded actions). The run's progress and verdict
 * come from the host's status.
 */
export function ScenarioControls() {
  const notify = useApp((s) => s.notify)
  const scenario = useApp((s) => s.status?.scenario)
  const file = useRef<HTMLInputElement>(null)

  const open = async (picked: File | undefined) => {
    if (!picked) return
    const parsed = parseScenarioText(await picked.text(), picked.name)
    if (!parsed.ok) return notify('error', `Run scenario: ${parsed.error}`)
    await runScenarioFile(parsed.scenario)
  }
  const save = () => {
    const saved = scenarioFromSession(replay.index.events, 'Saved session')
    if (!saved.ok) return notify('error', `Save as scenario: ${saved.error}`)
    download(new Blob([scenarioFileText(saved.scenario)], { type: 'application/json' }), 'scenario.json')
    notify('info', `Saved scenario.json: ${saved.scenario.steps.length} steps, ${saved.scenario.network.seeds} seeds, ${saved.scenario.network.peers} peers`)
  }

  return (
    <>
      <button type="button" onClick={() => file.current?.click()} disabled={scenario?.running} title="Run a scenario file (.json, .yaml) on real nodes">
        Run scenario…
      </button>
      <input
        ref={file}
        type="file"
        accept=".json,.yaml,.yml"
        hidden
        aria-label="Scenario file to run"
        data-testid="scenario-file"
        onChange={(e) => {
          void open(e.target.files?.[0])
          e.target.value = ''
        }}
      />
      <button type="button" onClick={save} title="Save the recorded actions of this session as a scenario file">
        Save as scenario
      </button>
      {scenario && (
        <output className="scenario-status" aria-label="Scenario status" data-testid="scenario-status">
          {scenario.running
            ? `Scenario “${scenario.name}”: ${scenario.fired}/${scenario.steps} steps`
            : scenario.failures && scenario.failures.length > 0
              ? `Scenario “${scenario.name}” FAILED: ${scenario.failures.join('; ')}`
              : `Scenario “${scenario.name}” passed`}
        </output>
      )}
    </>
  )
}
