import type ort from 'onnxruntime-node';
import { loadOnnxRuntime, type OnnxRuntime } from '../onnxRuntime.js';
import { STATE_SIZE, type SileroBackend, type SileroBatch, type SileroResult, type VadRate } from './sileroBackend.js';

/** Silero in the calling thread: onnxruntime-node computes each batch synchronously on it. */
export class SileroSessionBackend implements SileroBackend {
  private readonly sampleRates: Record<VadRate, ort.Tensor>;

  private constructor(
    private readonly runtime: OnnxRuntime,
    private readonly session: ort.InferenceSession,
  ) {
    const rate = (hz: bigint) => new runtime.Tensor('int64', BigInt64Array.from([hz]), []);
    this.sampleRates = { 8000: rate(8000n), 16000: rate(16000n) };
  }

  static async open(model: Uint8Array): Promise<SileroSessionBackend> {
    const runtime = await loadOnnxRuntime();
    const session = await runtime.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    return new SileroSessionBackend(runtime, session);
  }

  async run({ rate, size, input, state }: SileroBatch): Promise<SileroResult> {
    const out = await this.session.run({
      input: new this.runtime.Tensor('float32', input, [size, input.length / size]),
      state: new this.runtime.Tensor('float32', state, [2, size, STATE_SIZE / 2]),
      sr: this.sampleRates[rate],
    });
    return { probabilities: out.output.data as Float32Array, state: out.stateN.data as Float32Array };
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
