/** The worker thread of SileroWorkerBackend: one Silero session, scoring batches one by one. */
import { workerData } from 'node:worker_threads';
import { serveThread } from '../thread/serveThread.js';
import type { SileroBatch, SileroResult } from './sileroBackend.js';
import { SileroSessionBackend } from './sileroSessionBackend.js';

const { model } = workerData as { model: Uint8Array };

await serveThread<SileroBatch, SileroResult, true>(async () => {
  const backend = await SileroSessionBackend.open(model);
  return {
    ready: true,
    async handle(batch) {
      const out = await backend.run(batch);
      // Copies: onnxruntime's output buffers are not ours to hand to another thread.
      const result = { probabilities: out.probabilities.slice(), state: out.state.slice() };
      return { result, transfer: [result.probabilities.buffer, result.state.buffer] as ArrayBuffer[] };
    },
    close: () => backend.close(),
  };
});
