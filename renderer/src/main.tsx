import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import type { GossipscopeApi } from '../../shared/ipc'
import { App } from './App'
import { connect } from './connect'
import './styles.css'

/**
 * `?bench=N` replaces the host with a synthetic event source of N nodes (scripts/bench-ui.mjs);
 * otherwise the real API (Electron preload or the web host's WebSocket), with the
 * benchmark's metrics in the page when `?measure=1` (scripts/bench-ui.mjs --real).
 */
async function chooseApi(): Promise<GossipscopeApi> {
  const bench = new URLSearchParams(location.search).get('bench')
  if (bench !== null) {
    const { startBench } = await import('./bench/bench-api')
    return startBench(new URLSearchParams(location.search))
  }
  const { getApi } = await import('./api')
  if (new URLSearchParams(location.search).get('measure') !== null) {
    const { measureApi } = await import('./bench/measure-api')
    return measureApi(getApi())
  }
  return getApi()
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
)
void chooseApi().then(connect)
