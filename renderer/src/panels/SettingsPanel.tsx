import { useState } from 'react'
import { protocolSettingsSchema, TOPOLOGIES, defaultMaxLinks, type ProtocolSettings, type Topology } from '../../../shared/settings'
import { applySettings } from '../commands'
import { UI_DEFAULT_SETTINGS } from '../store/session-slice'
import { useApp } from '../store'
import { PackingField } from './PackingField'

type NumericKey = Exclude<keyof ProtocolSettings, 'topology'>

const FIELDS: Array<{ key: NumericKey; label: string; help: string; step: string }> = [
  { key: 'timeScale', label: 'Time scale', help: 'Multiplies every interval (1 = real time, 0.2 = 5x faster)', step: '0.01' },
  { key: 'gossipIntervalMs', label: 'Gossip interval (ms)', help: 'Between two messages of one peer, before scaling', step: '1' },
  { key: 'gossipCount', label: 'Messages per peer', help: 'How many gossip messages each peer creates', step: '1' },
  { key: 'livenessIntervalMs', label: 'Liveness interval (ms)', help: 'Between two liveness rounds, before scaling', step: '1' },
  { key: 'livenessMisses', label: 'Misses before dead', help: 'Unanswered liveness requests in a row before a Dead Node report', step: '1' },
  { key: 'maxLinks', label: 'Links per joining peer', help: 'Existing peers a new peer links to', step: '1' },
]

/** Validation message for one field, or null when the value is acceptable. */
export function fieldError(key: NumericKey, text: string): string | null {
  if (text.trim() === '') return 'required'
  const result = protocolSettingsSchema.shape[key].safeParse(Number(text))
  return result.success ? null : (result.error.issues[0]?.message ?? 'invalid')
}

/**
 * Protocol constants for the next New network and, once applied, for nodes added later.
 * Valid edits update the draft at once; invalid ones are shown and not used.
 */
export function SettingsPanel() {
  const settings = useApp((s) => s.settings)
  const setDraft = useApp((s) => s.setSettingsDraft)
  const [text, setText] = useState<Record<NumericKey, string>>(() => toText(settings))
  const errors = Object.fromEntries(FIELDS.map((f) => [f.key, fieldError(f.key, text[f.key])])) as Record<NumericKey, string | null>
  const valid = FIELDS.every((f) => errors[f.key] === null)

  const edit = (key: NumericKey, value: string) => {
    const next = { ...text, [key]: value }
    setText(next)
    if (fieldError(key, value) === null) setDraft({ ...settings, [key]: Number(value) })
  }
  const setTopology = (topology: Topology) => {
    const maxLinks = defaultMaxLinks(topology)
    setText({ ...text, maxLinks: String(maxLinks) })
    setDraft({ ...settings, topology, maxLinks })
  }
  const reset = () => {
    setText(toText(UI_DEFAULT_SETTINGS))
    setDraft(UI_DEFAULT_SETTINGS)
  }

  return (
    <form
      className="settings"
      aria-label="Protocol settings"
      onSubmit={(e) => {
        e.preventDefault()
        if (valid) void applySettings()
      }}
    >
      {FIELDS.map((f) => (
        <div className="field" key={f.key}>
          <label htmlFor={`setting-${f.key}`}>{f.label}</label>
          <input
            id={`setting-${f.key}`}
            type="number"
            step={f.step}
            value={text[f.key]}
            aria-invalid={errors[f.key] !== null}
            aria-describedby={`setting-${f.key}-help`}
            onChange={(e) => edit(f.key, e.target.value)}
          />
          <small id={`setting-${f.key}-help`} className={errors[f.key] ? 'error-text' : undefined}>
            {errors[f.key] ?? f.help}
          </small>
        </div>
      ))}
      <div className="field">
        <label htmlFor="setting-topology">Topology</label>
        <select id="setting-topology" value={settings.topology} onChange={(e) => setTopology(e.target.value as Topology)} aria-describedby="setting-topology-help">
          {TOPOLOGIES.map((t) => (
            <option key={t} value={t}>
              {t === 'powerlaw' ? 'power law' : 'random'}
            </option>
          ))}
        </select>
        <small id="setting-topology-help">
          {settings.topology === 'powerlaw' ? 'Preferential attachment: a new peer links to well-linked peers more often' : 'Uniform choice: a new peer links to peers drawn at random'}
        </small>
      </div>
      <PackingField />
      <p className="hint">Used by the next New network. Apply sends them to the host for nodes added from now on.</p>
      <div className="row">
        <button type="submit" disabled={!valid}>
          Apply to new nodes
        </button>
        <button type="button" onClick={reset}>
          Reset defaults
        </button>
      </div>
    </form>
  )
}

function toText(s: ProtocolSettings): Record<NumericKey, string> {
  return Object.fromEntries(FIELDS.map((f) => [f.key, String(s[f.key])])) as Record<NumericKey, string>
}
