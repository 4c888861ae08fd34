import { useState } from 'react'
import { type LinkConditions, type NetConditions, type PartitionDirection, NO_CONDITIONS, checkLinkConditions, describeConditions } from '../../../shared/net/conditions'
import { healPartitions, partitionFromRest, setGlobalConditions, setLinkConditions } from '../commands'
import { app, displayedState, useApp } from '../store'
import { clearPicked, closeLinkConditions, useNetUi } from './net-ui'
import { PRESETS, presetOf } from './presets'

/**
 * The Network panel: global latency / jitter / loss (presets or fields), the selected
 * link's own conditions, and partitions (pick nodes with shift-click or a shift-drag
 * lasso, Partition from the rest, Heal). Changes apply live to every running node.
 */
export function NetworkPanel() {
  const live = useApp((s) => s.mode === 'live')
  const running = useApp((s) => s.status?.running ?? false)
  const hostConditions = useApp((s) => s.status?.conditions ?? NO_CONDITIONS)
  useApp((s) => s.version)
  const shown = displayedState(app.store.getState())
  // Live: what the host applies now. Replay: what the nodes reported as of the shown moment.
  const conditions: NetConditions = live ? hostConditions : (shown.net.conditions ?? NO_CONDITIONS)
  const disabled = live ? undefined : 'Go back to live first (replay shows the past)'
  const dropped = shown.net

  return (
    <div className="network-panel" aria-label="Network conditions">
      <p className="hint" data-testid="net-now">
        Now: {describeConditions(conditions)}
      </p>
      <section aria-labelledby="net-presets">
        <h3 id="net-presets">Presets (every link)</h3>
        <div className="presets" role="group" aria-label="Presets">
          {PRESETS.map((p) => (
            <button
              key={p.id}
              type="button"
              aria-pressed={presetOf(conditions.defaults)?.id === p.id}
              disabled={disabled !== undefined}
              title={disabled ?? `${p.conditions.delayMs} ms ± ${p.conditions.jitterMs} ms, loss ${p.conditions.loss * 100}%`}
              onClick={() => void setGlobalConditions(p.conditions)}
            >
              {p.label}
            </button>
          ))}
        </div>
      </section>
      <ConditionsForm key={JSON.stringify(conditions.defaults)} label="Every link" initial={conditions.defaults} disabled={disabled} onApply={(c) => setGlobalConditions(c)} />
      <LinkEditor conditions={conditions} disabled={disabled} />
      <Partitions conditions={conditions} disabled={disabled ?? (running ? undefined : 'Start a network first')} />
      {(dropped.droppedLoss > 0 || dropped.droppedPartition > 0) && (
        <p className="hint" data-testid="net-dropped">
          Dropped so far: {dropped.droppedLoss} by loss, {dropped.droppedPartition} by partitions (over their connection's queue)
        </p>
      )}
      <p className="hint">
        Emulated per message in each node, on what it sends: no bandwidth limit, no packet effects, and a lost message is never retransmitted.
      </p>
    </div>
  )
}

/** Latency / jitter / loss fields with one-line validation; Apply sends them. */
function ConditionsForm(props: { label: string; initial: LinkConditions; disabled?: string; onApply: (c: LinkConditions) => Promise<boolean>; extra?: React.ReactNode }) {
  const [text, setText] = useState(() => ({ delay: String(props.initial.delayMs), jitter: String(props.initial.jitterMs), loss: String(+(props.initial.loss * 100).toFixed(4)) }))
  const value = { delayMs: Number(text.delay), jitterMs: Number(text.jitter), loss: Number(text.loss) / 100 }
  const blank = text.delay.trim() === '' || text.jitter.trim() === '' || text.loss.trim() === ''
  const checked = blank ? { ok: false as const, error: 'every field is required' } : checkLinkConditions(value, 'value')
  const error = checked.ok ? null : checked.error.replace('value.delayMs', 'latency (ms)').replace('value.jitterMs', 'jitter (ms)').replace('value.loss must be in 0..1', 'loss must be in 0..100 %').replace('value.loss', 'loss (%)')
  const id = props.label.replace(/\W+/g, '-').toLowerCase()
  return (
    <form
      className="settings conditions-form"
      aria-label={`${props.label}: conditions`}
      onSubmit={(e) => {
        e.preventDefault()
        if (checked.ok) void props.onApply(checked.value)
      }}
    >
      <h3>{props.label}</h3>
      {(
        [
          ['delay', 'Latency (ms)', 'Added one-way delay of each message'],
          ['jitter', 'Jitter (ms)', 'Each delay is drawn uniformly from latency ± jitter; order per connection kept'],
          ['loss', 'Loss (%)', 'Chance that one message is dropped (never retransmitted)'],
        ] as const
      ).map(([key, label, help]) => (
        <div className="field" key={key}>
          <label htmlFor={`${id}-${key}`}>{label}</label>
          <input id={`${id}-${key}`} type="number" min="0" step="any" value={text[key]} onChange={(e) => setText({ ...text, [key]: e.target.value })} title={help} />
        </div>
      ))}
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      <div className="row">
        <button type="submit" className="primary" disabled={!checked.ok || props.disabled !== undefined} title={props.disabled}>
          Apply
        </button>
        {props.extra}
      </div>
    </form>
  )
}

function LinkEditor({ conditions, disabled }: { conditions: NetConditions; disabled?: string }) {
  const link = useNetUi((s) => s.link)
  if (!link) return <p className="hint">Click a link on the graph to give it its own conditions.</p>
  const override = conditions.links.find((o) => o.from === link.a && o.to === link.b) ?? conditions.links.find((o) => o.from === link.b && o.to === link.a)
  const initial = override?.conditions ?? conditions.defaults
  return (
    <div className="link-editor" data-testid="link-editor">
      <ConditionsForm
        key={`${link.a}|${link.b}|${JSON.stringify(initial)}`}
        label={`Link ${link.a} – ${link.b}`}
        initial={initial}
        disabled={disabled}
        onApply={(c) => setLinkConditions(link.a, link.b, c)}
        extra={
          <>
            <button type="button" disabled={!override || disabled !== undefined} title={override ? 'Remove this link\'s own conditions' : 'It already uses the defaults'} onClick={() => void setLinkConditions(link.a, link.b, null)}>
              Use defaults
            </button>
            <button type="button" onClick={closeLinkConditions}>
              Close
            </button>
          </>
        }
      />
      <p className="hint">{override ? 'This link has its own conditions (both directions).' : 'This link uses the defaults.'}</p>
    </div>
  )
}

function Partitions({ conditions, disabled }: { conditions: NetConditions; disabled?: string }) {
  const picked = useNetUi((s) => s.picked)
  const [direction, setDirection] = useState<PartitionDirection>('both')
  const inForce = conditions.partitions
  return (
    <section className="partitions" aria-labelledby="net-partitions">
      <h3 id="net-partitions">Partitions</h3>
      <p className="hint">Shift-click nodes or shift-drag a lasso on the graph to pick them.</p>
      <p data-testid="net-picked">
        Picked: {picked.size === 0 ? <span className="muted">none</span> : [...picked].join(', ')}{' '}
        {picked.size > 0 && (
          <button type="button" onClick={clearPicked}>
            Clear
          </button>
        )}
      </p>
      <div className="row">
        <label>
          Block{' '}
          <select value={direction} onChange={(e) => setDirection(e.target.value as PartitionDirection)}>
            <option value="both">both ways</option>
            <option value="outbound">only what they send</option>
            <option value="inbound">only what they receive</option>
          </select>
        </label>
        <button
          type="button"
          className="danger"
          disabled={disabled !== undefined || picked.size === 0}
          title={disabled ?? (picked.size === 0 ? 'Pick nodes first' : undefined)}
          onClick={() => void partitionFromRest([...picked], direction).then((ok) => ok && clearPicked())}
        >
          Partition from the rest
        </button>
      </div>
      {inForce.length > 0 && (
        <ul className="partition-list" aria-label="Partitions in force">
          {inForce.map((p) => (
            <li key={p.name}>
              <strong>{p.name}</strong>: {p.side.length} node{p.side.length === 1 ? '' : 's'} ({p.side.join(', ')}) cut off from {p.other ? p.other.join(', ') : 'the rest'}
              {p.direction !== 'both' && ` (${p.direction === 'outbound' ? 'what they send' : 'what they receive'})`}{' '}
              <button type="button" disabled={disabled !== undefined} onClick={() => void healPartitions(p.name)}>
                Heal
              </button>
            </li>
          ))}
        </ul>
      )}
      <button type="button" className="primary" disabled={disabled !== undefined || inForce.length === 0} onClick={() => void healPartitions()}>
        Heal all
      </button>
    </section>
  )
}
