import { AnalysisView } from './analysis/AnalysisView'
import { FollowBar } from './follow/FollowBar'
import { GraphCanvas } from './graph/GraphCanvas'
import { GraphMenu } from './graph/GraphMenu'
import { setShowRegistrations, useGraphUi } from './graph/graph-ui'
import { StartCard } from './graph/StartCard'
import { Header } from './panels/Header'
import { LogPanel } from './panels/LogPanel'
import { NodeDetails } from './panels/NodeDetails'
import { NodeList } from './panels/NodeList'
import { Notices } from './panels/Notices'
import { RightPanel, type PanelTab } from './panels/RightPanel'
import { SettingsPanel } from './panels/SettingsPanel'
import { Toolbar } from './panels/Toolbar'
import { SequenceView } from './sequence/SequenceView'
import { Timeline } from './timeline/Timeline'

/** Right-panel tabs. Add a feature's tab here (e.g. Analysis, Sequence). */
const TABS: PanelTab[] = [
  { id: 'log', label: 'Log', render: () => <LogPanel /> },
  { id: 'settings', label: 'Settings', render: () => <SettingsPanel /> },
  { id: 'analysis', label: 'Analysis', render: () => <AnalysisView /> },
  { id: 'sequence', label: 'Sequence', render: () => <SequenceView /> },
]

export function App() {
  return (
    <div className="app">
      <Header />
      <Toolbar />
      <Notices />
      <main className="workspace">
        <NodeList />
        <div className="center">
          <div className="graph-region">
            <GraphCanvas />
            <FollowBar />
            <Legend />
            <StartCard />
            <GraphMenu />
          </div>
          <div id="timeline-region" className="timeline-region">
            <Timeline />
          </div>
        </div>
        <aside className="right" aria-label="Inspector">
          <NodeDetails />
          <RightPanel tabs={TABS} />
        </aside>
      </main>
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
        <span className="role-mark peer" aria-hidden="true" /> peer (colour = its messages)
      </li>
      <li>
        <span className="role-mark peer dead" aria-hidden="true" /> dead
      </li>
      <li>
        <span className="legend-miss" aria-hidden="true" /> liveness misses
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
