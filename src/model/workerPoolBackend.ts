import type { SessionOptions } from './sessionOptions.js';
import type { AudioInputs, InferenceBackend, ModelInputs, ModelOutputs } from './inferenceBackend.js';
import { WorkerBackend } from './workerBackend.js';

/**
 * Several inference threads, each with its own session of the network: a run goes to the thread with the fewest
 * runs in flight, so that utterances ending together are scored side by side on as many cores instead of one after
 * the other on one.
 */
export class WorkerPoolBackend implements InferenceBackend {
  private readonly load: number[];

  private constructor(private readonly workers: WorkerBackend[]) {
    this.load = workers.map(() => 0);
  }

  /** `size`: at least 1, as EmotionModel.fromBytes checks. */
  static async open(model: Uint8Array, size: number, options: SessionOptions = {}): Promise<WorkerPoolBackend> {
    const opened = await Promise.allSettled(Array.from({ length: size }, () => WorkerBackend.open(model.slice(), options)));
    const workers = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    const failed = opened.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) {
      await Promise.all(workers.map((w) => w.close()));
      throw failed.reason;
    }
    return new WorkerPoolBackend(workers);
  }

  get provider(): string {
    return this.workers[0].provider;
  }

  get skipped(): readonly { provider: string; reason: string }[] {
    return this.workers[0].skipped;
  }

  /** Threads in the pool. */
  get size(): number {
    return this.workers.length;
  }

  run(inputs: ModelInputs): Promise<ModelOutputs> {
    return this.onLeastLoaded((worker) => worker.run(inputs));
  }

  runAudio(inputs: AudioInputs): Promise<ModelOutputs> {
    return this.onLeastLoaded((worker) => worker.runAudio(inputs));
  }

  private async onLeastLoaded(call: (worker: WorkerBackend) => Promise<ModelOutputs>): Promise<ModelOutputs> {
    const index = this.load.indexOf(Math.min(...this.load));
    this.load[index]++;
    try {
      return await call(this.workers[index]);
    } finally {
      this.load[index]--;
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }
}
