/**
 * A worker thread that runs the emotion network with onnxruntime (see WorkerBackend): messages { id, inputs } are
 * answered with { id, outputs } or { id, error }; { close: true } releases the session and ends the thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { SessionOptions } from './sessionOptions.js';
import { OrtSessionBackend, type ModelInputs, type ModelOutputs } from './inferenceBackend.js';

const port = parentPort!;
const { model, options } = workerData as { model: Uint8Array; options: SessionOptions };

function transferable(o: ModelOutputs): ModelOutputs {
  // Copies: onnxruntime's output buffers are not ours to hand to another thread.
  return { ...o, probabilities: o.probabilities.slice(), attention: o.attention.slice(), attentionLengths: o.attentionLengths.slice() };
}

try {
  const backend = await OrtSessionBackend.open(model, options);
  port.on('message', async (message: { id: number; inputs: ModelInputs } | { close: true }) => {
    if ('close' in message) {
      await backend.close();
      port.close();
      return;
    }
    try {
      const outputs = transferable(await backend.run(message.inputs));
      port.postMessage({ id: message.id, outputs }, [outputs.probabilities.buffer, outputs.attention.buffer, outputs.attentionLengths.buffer] as ArrayBuffer[]);
    } catch (err) {
      port.postMessage({ id: message.id, error: (err as Error).message });
    }
  });
  port.postMessage({ ready: { provider: backend.provider, skipped: backend.skipped } });
} catch (err) {
  port.postMessage({ failed: (err as Error).message });
}
