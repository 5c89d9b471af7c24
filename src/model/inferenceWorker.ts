/** The worker thread of WorkerBackend: one onnxruntime session of the emotion network, serving runs one by one. */
import { workerData } from 'node:worker_threads';
import { serveThread } from '../thread/serveThread.js';
import type { SessionOptions } from './sessionOptions.js';
import { SpectrogramFrameComputer } from '../stream/spectrogram.js';
import { featuresFromAudio } from './audioFeatures.js';
import { OrtSessionBackend, type ModelOutputs } from './inferenceBackend.js';
import type { InferenceThreadReady, InferenceThreadRequest } from './workerBackend.js';

const { model, options } = workerData as { model: Uint8Array; options: SessionOptions };

await serveThread<InferenceThreadRequest, ModelOutputs, InferenceThreadReady>(async () => {
  const backend = await OrtSessionBackend.open(model, options);
  const computer = new SpectrogramFrameComputer();
  return {
    ready: { provider: backend.provider, skipped: backend.skipped },
    async handle(request) {
      const o = await backend.run('audio' in request ? featuresFromAudio(request.audio, computer) : request.features);
      // Copies: onnxruntime's output buffers are not ours to hand to another thread.
      const result = { ...o, probabilities: o.probabilities.slice(), attention: o.attention.slice(), attentionLengths: o.attentionLengths.slice() };
      return { result, transfer: [result.probabilities.buffer, result.attention.buffer, result.attentionLengths.buffer] as ArrayBuffer[] };
    },
    close: () => backend.close(),
  };
});
