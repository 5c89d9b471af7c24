import { Worker } from 'node:worker_threads';
import { loadOnnxRuntime } from '../onnxRuntime.js';
import type { SessionOptions } from './sessionOptions.js';
import type { InferenceBackend, ModelInputs, ModelOutputs } from './inferenceBackend.js';

type Reply =
  | { ready: { provider: string; skipped: { provider: string; reason: string }[] } }
  | { failed: string }
  | { id: number; outputs: ModelOutputs }
  | { id: number; error: string };

/** The worker's module beside this one: compiled JavaScript, or TypeScript when run from source. */
function workerUrl(): URL {
  const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return new URL(`./inferenceWorker.${extension}`, import.meta.url);
}

/**
 * onnxruntime in a worker thread: the network's computation never blocks the event loop that receives audio, runs
 * the front end and the VAD, and sends events (onnxruntime-node computes synchronously on the thread that calls
 * it). Inputs are transferred, not copied; runs are served one after the other.
 */
export class WorkerBackend implements InferenceBackend {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (o: ModelOutputs) => void; reject: (e: Error) => void }>();
  private failure?: Error;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly worker: Worker,
    readonly provider: string,
    readonly skipped: { provider: string; reason: string }[],
  ) {
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (reply: Reply) => {
      if (!('id' in reply)) return;
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if ('error' in reply) waiting?.reject(new Error(reply.error));
      else waiting?.resolve(reply.outputs);
    });
    const fail = (err: Error) => {
      this.failure ??= err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the inference thread exited (code ${code})`)));
  }

  static async open(model: Uint8Array, options: SessionOptions = {}): Promise<WorkerBackend> {
    // The thread would only report a missing onnxruntime-node as a message; checked here, it keeps its typed error.
    await loadOnnxRuntime();
    const { device, threads } = options; // only data crosses to the thread
    const worker = new Worker(workerUrl(), { workerData: { model, options: { device, threads } } });
    const ready = await new Promise<Extract<Reply, { ready: unknown }>['ready']>((resolve, reject) => {
      worker.once('message', (reply: Reply) => ('ready' in reply ? resolve(reply.ready) : reject(new Error('failed' in reply ? reply.failed : 'unexpected reply'))));
      worker.once('error', reject);
    }).catch(async (err) => {
      await worker.terminate();
      throw err;
    });
    return new WorkerBackend(worker, ready.provider, ready.skipped);
  }

  run(inputs: ModelInputs): Promise<ModelOutputs> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, inputs }, [inputs.features.buffer, inputs.lengths.buffer] as ArrayBuffer[]);
    });
  }

  async close(): Promise<void> {
    if (!this.failure) this.worker.postMessage({ close: true });
    await this.exited;
  }
}
