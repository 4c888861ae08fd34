/// <reference lib="webworker" />
import { runImportJob, type ImportInput } from '../../../shared/archive/import-job'

/**
 * The import worker: opens the files the user picked off the page's main thread (see
 * import-job.ts). One job per worker; the page terminates the worker to cancel.
 */
declare const self: DedicatedWorkerGlobalScope

self.onmessage = (e: MessageEvent<{ files: ImportInput[]; name?: string }>) => {
  void runImportJob(e.data.files, (message) => self.postMessage(message), e.data.name)
}
