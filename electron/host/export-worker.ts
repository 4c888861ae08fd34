import { parentPort, workerData } from 'node:worker_threads'
import type { ExportRequest } from '../../shared/ipc'
import { exportSession } from './export'

/**
 * Entry point of the export worker thread (out/main/export-worker.js; started by
 * export-runner.ts): runs one exportSession and posts its result or its error message.
 * The host's own thread keeps serving nodes, the WebSocket and IPC meanwhile.
 */

const job = workerData as { sessionDir: string; request: ExportRequest; outPath: string; analysisMaxEvents?: number }
const options = job.analysisMaxEvents === undefined ? {} : { analysisMaxEvents: job.analysisMaxEvents }
exportSession(job.sessionDir, job.request, job.outPath, options).then(
  (result) => parentPort?.postMessage({ ok: true, result }),
  (error: unknown) => parentPort?.postMessage({ ok: false, error: error instanceof Error ? error.message : String(error) }),
)
