import { lazy, Suspense } from 'react'
import { FollowBar } from './follow/FollowBar'
import { GraphCanvas } from './graph/GraphCanvas'
import { GossipSummaryNote } from './graph/GossipSummaryNote'
import { GraphMenu } from './graph/GraphMenu'
import { setCenter, setShowRegistrations, useGraphUi } from './graph/graph-ui'
import { StartCard } from './graph/StartCard'
import { Header } from './panels/Header'
import { NarrationPanel } from './narration/NarrationPanel'
import { LogPanel } from './panels/LogPanel'
import { NodeDetails } from './panels/NodeDetails'
import { NodeList } from './panels/NodeList'
import { Notices } from './panels/Notices'
import { RightPanel, type PanelTab } from './panels/RightPanel'
import { SettingsPanel } from './panels/SettingsPanel'
import { NetworkPanel } from './network/NetworkPanel'
import { Toolbar } from './panels/Toolbar'
import { LaunchProgress } from './panels/LaunchProgress'
import { Timeline } from './timeline/Timeline'
import { ViewBoundary } from './ViewBoundary'

// Views not needed for the first paint load on demand (their plotting code stays out of the main bundle).
const AnalysisView = lazy(() => import('./analysis/AnalysisView'))
const SequenceView = lazy(() => import('./sequence/SequenceView'))
const GuideView = lazy(() => import('./guide/GuideView'))

const loading = <p className="muted loading">Loading…</p>

/** Right-panel tabs. Add a feature's tab here (e.g. Analysis, Sequence). */
const TABS: PanelTab[] = [
  { id: 'log', label: 'Log', render: () => <ViewBoundary name="Log"><LogPanel /></ViewBoundary> },
  { id: 'narration', label: 'Narration', render: () => <ViewBoundary name="Narration"><NarrationPanel /></ViewBoundary> },
  { id: 'settings', label: 'Settings', render: () => <ViewBoundary name="Settings"><SettingsPanel /></ViewBoundary> },
  { id: 'network', label: 'Network', render: () => <ViewBoundary name="Network"><NetworkPanel /></ViewBoundary> },
  {
    id: 'guide',
    label: 'Guide',
    render: () => (
      <ViewBoundary name="Guide">
        <Suspense fallback={loading}>
          <GuideView />
        </Suspense>
      </ViewBoundary>
    ),
  },
  {
    id: 'sequence',
    label: 'Sequence',
    render: () => (
      <ViewBoundary name="Sequence">
        <Suspense fallback={loading}>
          <SequenceView />
        </Suspense>
      </ViewBoundary>
    ),
  },
]

export function App() {
  const center = useGraphUi((s) => s.center)
  return (
    <div className="app">
      <Header />
      <Toolbar />
      <LaunchProgress />
      <Notices />
      <main className={center === 'analysis' ? 'workspace wide' : 'workspace'}>
        <ViewBoundary name="Node list">
          <NodeList />
        </ViewBoundary>
        <div className="center">
          <CenterTabs />
          {center === 'analysis' && (
            <div className="analysis-region" role="tabpanel" id="center-analysis" aria-labelledby="center-tab-analysis">
              <ViewBoundary name="Analysis">
                <Suspense fallback={loading}>
                  <AnalysisView />
                </Suspense>
              </ViewBoundary>
            </div>
          )}
          <div className="graph-region" hidden={center !== 'graph'} role="tabpanel" id="center-graph" aria-labelledby="center-tab-graph">
            <ViewBoundary name="Graph">
              <GraphCanvas />
              <FollowBar />
              <GossipSummaryNote />
              <Legend />
              <StartCard />
              <GraphMenu />
            </ViewBoundary>
          </div>
          <div id="timeline-region" className="timeline-region">
            <ViewBoundary name="Timeline">
              <Timeline />
            </ViewBoundary>
          </div>
        </div>
        <aside className="right" aria-label="Inspector">
          <ViewBoundary name="Node details">
            <NodeDetails />
          </ViewBoundary>
          <RightPanel tabs={TABS} />
        </aside>
      </main>
    </div>
  )
}

/** Graph or the full-size Analysis view in the centre area (the inspector gives way to analysis). */
function CenterTabs() {
  const center = useGraphUi((s) => s.center)
  const tabs = [
    { id: 'graph', label: 'Graph' },
    { id: 'analysis', label: 'Analysis' },
  ] as const
  return (
    <div role="tablist" aria-label="Centre view" className="tablist center-tabs">
      {tabs.map((t, i) => (
        <button
          key={t.id}
          id={`center-tab-${t.id}`}
          type="button"
          role="tab"
          aria-selected={center === t.id}
          aria-controls={`center-${t.id}`}
          tabIndex={center === t.id ? 0 : -1}
          onClick={() => setCenter(t.id)}
          onKeyDown={(e) => {
            if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return
            const next = tabs[(i + (e.key === 'ArrowRight' ? 1 : -1) + tabs.length) % tabs.length]!
            setCenter(next.id)
            document.getElementById(`center-tab-${next.id}`)?.focus()
          }}
        >
          {t.label}
        </button>
      ))}
    </div>
  )
}

function Legend() {
  const registrations = useGraphUi((s) => s.showRegistrations)
  return (
    <ul className="legend" aria-label="Legend" data-graph-overlay>
      <li>
        <span className="role-mark seed" aria-hidden="true" /> seed
      </li>
      <li>
        <span className="role-mark peer" aria-hidden="true" /> peer<span className="legend-long"> (colour = its messages)</span>
      </li>
      <li>
        <span className="role-mark peer paused" aria-hidden="true" /> paused
      </li>
      <li>
        <span className="role-mark peer dead" aria-hidden="true" /> dead
      </li>
      <li title="A dashed link: a liveness request over it got no reply in time. The neighbour may be alive but late: on a busy machine (many nodes on few cores) replies wait for the CPU, and the miss clears with the next reply. Only a run of misses in a row reaching the limit makes a Dead Node report; a report about a live node is a false positive.">
        <span className="legend-miss" aria-hidden="true" /> <span className="legend-long">liveness </span>misses
      </li>
      <li>
        <span className="legend-cut" aria-hidden="true" /> <span className="legend-long">partition </span>cut
      </li>
      <li>
        <label>
          <input type="checkbox" checked={registrations} onChange={(e) => setShowRegistrations(e.target.checked)} />{' '}
          <span className="legend-registration" aria-hidden="true" /> registrations
        </label>
      </li>
    </ul>
  )
}
