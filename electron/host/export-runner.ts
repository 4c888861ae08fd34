import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { Worker } from 'node:worker_threads'
import type { ExportRequest, ExportResult } from '../../shared/ipc'
import { partialPath } from './export-stream'

/**
 * Runs an export (export.ts) in a worker thread, so its reading, deflating and analysis
 * never block the host's event loop, and bounds the worker's heap: an export that needs
 * more fails with a message, and the host (and every node it supervises) lives on. On any
 * failure the partial output (`<outPath>.partial`) is removed.
 */

/** The worker's heap limit (MB): the analysis of ANALYSIS_MAX_EVENTS events fits in it (README, bench:export). */
export const EXPORT_WORKER_HEAP_MB = 2048

export interface WorkerExporterOptions {
  /** The built worker, out/main/export-worker.js (`npm run build`). */
  script: string
  heapMb?: number
  analysisMaxEvents?: number
}

/** A SessionExporter (controller.ts) that runs each export in its own worker thread. */
export function workerExporter(options: WorkerExporterOptions) {
  return async (sessionDir: string, request: ExportRequest, outPath: string, signal?: AbortSignal): Promise<ExportResult> => {
    if (!existsSync(options.script)) throw new Error(`the export worker is not built (${options.script}): run npm run build`)
    const data = { sessionDir, request, outPath, ...(options.analysisMaxEvents === undefined ? {} : { analysisMaxEvents: options.analysisMaxEvents }) }
    const heapMb = options.heapMb ?? EXPORT_WORKER_HEAP_MB
    const worker = new Worker(options.script, { workerData: data, resourceLimits: { maxOldGenerationSizeMb: heapMb }, stdout: false, stderr: false })
    const onAbort = (): void => void worker.terminate()
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      return await new Promise<ExportResult>((resolve, reject) => {
        worker.once('message', (reply: { ok: true; result: ExportResult } | { ok: false; error: string }) =>
          reply.ok ? resolve(reply.result) : reject(new Error(reply.error)),
        )
        worker.once('error', (error: Error & { code?: string }) =>
          reject(error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? new Error(`the export needed more than its ${heapMb} MB of memory`) : error),
        )
        worker.once('exit', (code) => reject(new Error(signal?.aborted ? 'export cancelled' : `the export worker exited (code ${code})`)))
      })
    } catch (error) {
      // A worker that died (out of memory, terminated) could not clean up after itself.
      await rm(partialPath(outPath), { recursive: true, force: true }).catch(() => undefined)
      throw error
    } finally {
      signal?.removeEventListener('abort', onAbort)
      await worker.terminate()
    }
  }
}
