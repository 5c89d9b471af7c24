/** The worker thread of WorkerBackend: one onnxruntime session of the emotion network, serving runs one by one. */
import { workerData } from 'node:worker_threads';
import { serveThread } from '../thread/serveThread.js';
import type { SessionOptions } from './sessionOptions.js';
import { OrtSessionBackend, type ModelInputs, type ModelOutputs } from './inferenceBackend.js';
import type { InferenceThreadReady } from './workerBackend.js';

const { model, options } = workerData as { model: Uint8Array; options: SessionOptions };

await serveThread<ModelInputs, ModelOutputs, InferenceThreadReady>(async () => {
  const backend = await OrtSessionBackend.open(model, options);
  return {
    ready: { provider: backend.provider, skipped: backend.skipped },
    async handle(inputs) {
      const o = await backend.run(inputs);
      // Copies: onnxruntime's output buffers are not ours to hand to another thread.
      const result = { ...o, probabilities: o.probabilities.slice(), attention: o.attention.slice(), attentionLengths: o.attentionLengths.slice() };
      return { result, transfer: [result.probabilities.buffer, result.attention.buffer, result.attentionLengths.buffer] as ArrayBuffer[] };
    },
    close: () => backend.close(),
  };
});
