import type ort from 'onnxruntime-node';
import { loadOnnxRuntime, type OnnxRuntime } from '../onnxRuntime.js';
import { STATE_SIZE, type SileroBackend, type SileroBatch, type SileroResult, type VadRate } from './sileroBackend.js';
import { sileroGraphsByRate } from './sileroGraphs.js';

/** A session for one rate; `sr` is fed only to a model that runs both rates (sileroGraphs.ts). */
interface RateSession {
  session: ort.InferenceSession;
  sr?: ort.Tensor;
}

/** Silero in the calling thread: onnxruntime-node computes each batch synchronously on it. */
export class SileroSessionBackend implements SileroBackend {
  private constructor(
    private readonly runtime: OnnxRuntime,
    private readonly sessions: Record<VadRate, RateSession>,
  ) {}

  static async open(model: Uint8Array): Promise<SileroSessionBackend> {
    const runtime = await loadOnnxRuntime();
    const create = (bytes: Uint8Array) => runtime.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const byRate = sileroGraphsByRate(model);
    if (byRate) {
      const [at8k, at16k] = await Promise.all([create(byRate[8000]), create(byRate[16000])]);
      return new SileroSessionBackend(runtime, { 8000: { session: at8k }, 16000: { session: at16k } });
    }
    const session = await create(model);
    const rate = (hz: bigint) => new runtime.Tensor('int64', BigInt64Array.from([hz]), []);
    return new SileroSessionBackend(runtime, { 8000: { session, sr: rate(8000n) }, 16000: { session, sr: rate(16000n) } });
  }

  async run({ rate, size, input, state }: SileroBatch): Promise<SileroResult> {
    const { session, sr } = this.sessions[rate];
    const out = await session.run({
      input: new this.runtime.Tensor('float32', input, [size, input.length / size]),
      state: new this.runtime.Tensor('float32', state, [2, size, STATE_SIZE / 2]),
      ...(sr ? { sr } : {}),
    });
    return { probabilities: out.output.data as Float32Array, state: out.stateN.data as Float32Array };
  }

  async close(): Promise<void> {
    await Promise.all([...new Set(Object.values(this.sessions).map((s) => s.session))].map((s) => s.release()));
  }
}
