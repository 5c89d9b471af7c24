import { ThreadClient, siblingModule } from '../thread/threadClient.js';
import type { SileroBackend, SileroBatch, SileroResult } from './sileroBackend.js';

/**
 * Silero in a worker thread of its own (sileroWorker.ts): the VAD windows of every stream are scored off the event
 * loop, which then only decodes, resamples and assembles utterances, and on a machine with more than one core the
 * VAD runs beside it. Each batch's arrays are transferred to the thread and the results transferred back.
 */
export class SileroWorkerBackend implements SileroBackend {
  private constructor(private readonly thread: ThreadClient<SileroBatch, SileroResult>) {}

  static async open(model: Uint8Array): Promise<SileroWorkerBackend> {
    const { client } = await ThreadClient.start<SileroBatch, SileroResult, true>(siblingModule(import.meta.url, 'sileroWorker'), 'VAD', { model });
    return new SileroWorkerBackend(client);
  }

  run(batch: SileroBatch): Promise<SileroResult> {
    return this.thread.call(batch, [batch.input.buffer, batch.state.buffer] as ArrayBuffer[]);
  }

  close(): Promise<void> {
    return this.thread.close();
  }
}
