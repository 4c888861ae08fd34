import type { ReactNode } from 'react'
import { useApp } from '../store'

export interface PanelTab {
  id: string
  label: string
  render: () => ReactNode
}

/**
 * Tabbed area of the right column. Other features add tabs by passing more entries
 * (App.tsx lists them), e.g. Analysis and Sequence.
 */
export function RightPanel({ tabs }: { tabs: PanelTab[] }) {
  const tab = useApp((s) => s.tab)
  const setTab = useApp((s) => s.setTab)
  const current = tabs.find((t) => t.id === tab) ?? tabs[0]
  const focusTab = (index: number) => {
    const next = tabs[(index + tabs.length) % tabs.length]
    if (!next) return
    setTab(next.id)
    document.getElementById(`tab-${next.id}`)?.focus()
  }
  return (
    <div className="tabs">
      <div role="tablist" aria-label="Panels" className="tablist">
        {tabs.map((t, i) => (
          <button
            key={t.id}
            id={`tab-${t.id}`}
            type="button"
            role="tab"
            aria-selected={t.id === current?.id}
            aria-controls={`tabpanel-${t.id}`}
            tabIndex={t.id === current?.id ? 0 : -1}
            onClick={() => setTab(t.id)}
            onKeyDown={(e) => {
              if (e.key === 'ArrowRight') focusTab(i + 1)
              else if (e.key === 'ArrowLeft') focusTab(i - 1)
            }}
          >
            {t.label}
          </button>
        ))}
      </div>
      {current && (
        <div role="tabpanel" id={`tabpanel-${current.id}`} aria-labelledby={`tab-${current.id}`} className="tabpanel">
          {current.render()}
        </div>
      )}
    </div>
  )
}
