import { loadOnnxRuntime } from '../onnxRuntime.js';
import { ThreadClient, siblingModule } from '../thread/threadClient.js';
import type { SessionOptions } from './sessionOptions.js';
import type { AudioInputs, InferenceBackend, ModelInputs, ModelOutputs } from './inferenceBackend.js';

/** What the inference thread is asked: to run features, or to compute them from audio and run them. */
export type InferenceThreadRequest = { features: ModelInputs } | { audio: AudioInputs };

/** What the inference thread says once its session is open. */
export interface InferenceThreadReady {
  provider: string;
  skipped: { provider: string; reason: string }[];
}

/**
 * onnxruntime in a worker thread (inferenceWorker.ts): the network's computation never blocks the event loop that
 * receives audio, runs the front end, and sends events (onnxruntime-node computes synchronously on the thread that
 * calls it). Inputs are transferred, not copied; runs are served one after the other. Given audio (runAudio), the
 * thread computes the spectrogram too, so the event loop does not.
 */
export class WorkerBackend implements InferenceBackend {
  private constructor(
    private readonly thread: ThreadClient<InferenceThreadRequest, ModelOutputs>,
    readonly provider: string,
    readonly skipped: { provider: string; reason: string }[],
  ) {}

  static async open(model: Uint8Array, options: SessionOptions = {}): Promise<WorkerBackend> {
    // The thread would only report a missing onnxruntime-node as a message; checked here, it keeps its typed error.
    await loadOnnxRuntime();
    const { device, threads } = options; // only data crosses to the thread
    const { client, ready } = await ThreadClient.start<InferenceThreadRequest, ModelOutputs, InferenceThreadReady>(siblingModule(import.meta.url, 'inferenceWorker'), 'inference', {
      model,
      options: { device, threads },
    });
    return new WorkerBackend(client, ready.provider, ready.skipped);
  }

  run(inputs: ModelInputs): Promise<ModelOutputs> {
    return this.thread.call({ features: inputs }, [inputs.features.buffer, inputs.lengths.buffer] as ArrayBuffer[]);
  }

  runAudio(inputs: AudioInputs): Promise<ModelOutputs> {
    return this.thread.call({ audio: inputs }, inputs.audio.map((a) => a.buffer as ArrayBuffer));
  }

  close(): Promise<void> {
    return this.thread.close();
  }
}
