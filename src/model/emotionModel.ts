import { SPECTROGRAM, type Spectrogram } from '../stream/spectrogram.js';
import { activityFromAttention, type AttentionMap } from './activity.js';
import { ModelError } from './errors.js';
import type { SessionOptions } from './sessionOptions.js';
import { OrtSessionBackend, type InferenceBackend, type ModelOutputs } from './inferenceBackend.js';
import { WorkerBackend } from './workerBackend.js';
import { WorkerPoolBackend } from './workerPoolBackend.js';
import { readModelMetadata, type ModelMetadata } from './modelMetadata.js';

export interface EmotionPrediction {
  /** The most probable class. */
  label: string;
  /** Probability per class label, summing to 1. */
  probabilities: Record<string, number>;
  /** The attention map alpha over the encoder's output grid (paper Eq. 2). */
  attention: AttentionMap;
  /** Speech-activity score per input frame (10 ms), in [0, 1], from the attention map. */
  activity: Float32Array;
  /** Input frames scored. */
  frames: number;
  /** True when the input was shorter than the model's minimum and padded with silence (shortInput 'pad'). */
  padded: boolean;
}

export interface EmotionModelOptions extends SessionOptions {
  /**
   * Inputs shorter than the network's minimum (metadata min_frames, 31 frames = 0.34 s of audio for both encoders):
   * 'pad' (default) appends digital silence, the log floor, up to the minimum and marks the result `padded`;
   * 'reject' throws INPUT_TOO_SHORT. An input of no frames at all is always INPUT_TOO_SHORT.
   */
  shortInput?: 'pad' | 'reject';
  /** Where the line saying which device runs the model goes; default stderr. */
  log?: (line: string) => void;
  /**
   * Where onnxruntime computes: 'main', the calling thread (onnxruntime-node blocks it while it computes), or
   * 'worker' (default), a worker thread, so that inference never stalls the event loop that carries live audio.
   */
  thread?: 'main' | 'worker';
  /** With thread 'worker': how many inference threads, each with its own session (default 1). Utterances that end
   *  together are then scored side by side; give the inference queue as much concurrency. */
  workers?: number;
  /** Runs the network elsewhere (an inference server, say) instead of onnxruntime here; `device`, `threads` and
   *  `thread` are then ignored. The ONNX file is still read for its metadata. */
  backend?: InferenceBackend;
}

const SILENCE = Math.log(SPECTROGRAM.logFloor);

/** The attention FCN behind one backend (one session), shared by every stream; predict() may be called concurrently. */
export class EmotionModel {
  private closed = false;
  private readonly inFlight = new Set<Promise<unknown>>();

  private constructor(
    private readonly backend: InferenceBackend,
    readonly metadata: ModelMetadata,
    private readonly shortInput: 'pad' | 'reject',
  ) {}

  /** What computes the network: 'cpu', 'cuda', 'webgpu' (onnxruntime) or a custom backend's description. */
  get provider(): string {
    return this.backend.provider;
  }

  /** Opens a model from the bytes of its ONNX file; `name` is used in messages. Runs one warm-up inference. */
  static async fromBytes(bytes: Uint8Array, name: string, options: EmotionModelOptions = {}): Promise<EmotionModel> {
    const metadata = readModelMetadata(bytes, name);
    const workers = options.workers ?? 1;
    if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers must be a positive integer, not ${options.workers}`);
    let backend = options.backend;
    try {
      // The worker gets its own copy of the bytes: the caller's buffer stays usable.
      backend ??=
        options.thread === 'main'
          ? await OrtSessionBackend.open(bytes, options)
          : workers === 1
            ? await WorkerBackend.open(bytes.slice(), options)
            : await WorkerPoolBackend.open(bytes, workers, options);
    } catch (err) {
      throw new ModelError('MODEL_CORRUPT', `${name}: onnxruntime cannot load it: ${(err as Error).message}`, { cause: err });
    }
    const skipped = backend.skipped.map((s) => `${s.provider} unavailable: ${s.reason}`).join('; ');
    const where = backend instanceof WorkerBackend ? ' in a worker thread' : backend instanceof WorkerPoolBackend ? ` in ${backend.size} worker threads` : '';
    (options.log ?? console.error)(`emotion model ${metadata.modelId} (${name}) runs on ${backend.provider}${where}${skipped ? ` (${skipped})` : ''}`);
    const model = new EmotionModel(backend, metadata, options.shortInput ?? 'pad');
    await model.predict({ frames: 300, bins: SPECTROGRAM.bins, data: new Float32Array(300 * SPECTROGRAM.bins).fill(SILENCE) });
    return model;
  }

  /** Inference calls it computes side by side: its inference threads (1 unless opened with `workers`). */
  get parallelism(): number {
    return this.backend instanceof WorkerPoolBackend ? this.backend.size : 1;
  }

  get labels(): string[] {
    return this.metadata.labels;
  }

  async predict(spectrogram: Spectrogram): Promise<EmotionPrediction> {
    return (await this.predictBatch([spectrogram]))[0];
  }

  /** Scores several utterances in one inference call (they are padded to the longest and masked). */
  async predictBatch(spectrograms: readonly Spectrogram[]): Promise<EmotionPrediction[]> {
    if (this.closed) throw new ModelError('MODEL_CLOSED', 'the emotion model was closed');
    if (spectrograms.length === 0) return [];
    const inputs = spectrograms.map((s, i) => this.prepare(s, i));
    const longest = Math.max(...inputs.map((x) => x.frames));
    const bins = SPECTROGRAM.bins;
    const features = new Float32Array(inputs.length * longest * bins);
    inputs.forEach((x, b) => features.set(x.data, b * longest * bins));
    const run = this.backend.run({
      features,
      dims: [inputs.length, longest, bins],
      lengths: BigInt64Array.from(inputs, (x) => BigInt(x.frames)),
    });
    this.inFlight.add(run);
    let outputs: ModelOutputs;
    try {
      outputs = await run;
    } catch (err) {
      throw new ModelError('INFERENCE_FAILED', `inference failed: ${(err as Error).message}`, { cause: err });
    } finally {
      this.inFlight.delete(run);
    }
    return this.unpack(outputs, spectrograms);
  }

  private prepare(s: Spectrogram, index: number): { frames: number; data: Float32Array } {
    const bins = SPECTROGRAM.bins;
    const where = `input ${index}`;
    if (s.bins !== bins || !Number.isInteger(s.frames) || s.frames < 0 || s.data.length !== s.frames * bins) {
      throw new ModelError('INPUT_INVALID', `${where}: expected [frames, ${bins}] log spectrogram data, got ${s.frames} frames x ${s.bins} bins in ${s.data.length} values`);
    }
    const bad = s.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new ModelError('INPUT_INVALID', `${where}: value at frame ${Math.floor(bad / bins)}, bin ${bad % bins} is ${s.data[bad]}`);
    const min = this.metadata.minFrames;
    if (s.frames === 0 || (s.frames < min && this.shortInput === 'reject')) {
      const seconds = ((min - 1) * SPECTROGRAM.hopLength + SPECTROGRAM.windowLength) / SPECTROGRAM.sampleRate;
      throw new ModelError('INPUT_TOO_SHORT', `${where}: ${s.frames} frames; the model needs at least ${min} (${seconds.toFixed(2)} s of audio)`);
    }
    if (s.frames >= min) return s;
    const data = new Float32Array(min * bins).fill(SILENCE);
    data.set(s.data);
    return { frames: min, data };
  }

  private unpack(outputs: ModelOutputs, inputs: readonly Spectrogram[]): EmotionPrediction[] {
    const probabilities = outputs.probabilities;
    const widths = outputs.attentionLengths;
    const [, freq, longest] = outputs.attentionDims;
    const alpha = outputs.attention;
    const labels = this.metadata.labels;
    const geometry = { stride: this.metadata.timeStride, offset: this.metadata.timeOffset };
    return inputs.map((input, b) => {
      const time = Number(widths[b]);
      const map = new Float32Array(freq * time);
      for (let f = 0; f < freq; f++) map.set(alpha.subarray((b * freq + f) * longest, (b * freq + f) * longest + time), f * time);
      const p = calibrated(probabilities.subarray(b * labels.length, (b + 1) * labels.length), this.metadata.temperature);
      let best = 0;
      for (let c = 1; c < labels.length; c++) if (p[c] > p[best]) best = c;
      const attentionMap = { freq, time, data: map };
      return {
        label: labels[best],
        probabilities: Object.fromEntries(labels.map((l, c) => [l, p[c]])),
        attention: attentionMap,
        activity: activityFromAttention(attentionMap, geometry, input.frames),
        frames: input.frames,
        padded: input.frames < this.metadata.minFrames,
      };
    });
  }

  /** Waits for inferences in flight, then releases the session. Later predict() calls fail with MODEL_CLOSED. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    await this.backend.close();
  }
}

/** The probabilities sharpened (T < 1) or softened (T > 1) by the model's calibration temperature. */
export function calibrated(p: Float32Array, temperature: number): Float32Array {
  if (temperature === 1) return p;
  const scaled = Float32Array.from(p, (v) => Math.pow(v, 1 / temperature));
  const total = scaled.reduce((a, v) => a + v, 0);
  return total > 0 ? scaled.map((v) => v / total) : p;
}
