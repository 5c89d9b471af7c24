import { SPECTROGRAM, frameCount, type Spectrogram } from '../stream/spectrogram.js';
import { activityFromAttention, type AttentionMap } from './activity.js';
import { featuresFromAudio, packFeatures } from './audioFeatures.js';
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
    // 3 s of digital silence, through the thread's spectrogram too.
    await model.predictAudio(new Float32Array(299 * SPECTROGRAM.hopLength + SPECTROGRAM.windowLength));
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
    this.checkOpen();
    if (spectrograms.length === 0) return [];
    spectrograms.forEach((s, i) => this.check(s, i));
    const outputs = await this.track(this.backend.run(packFeatures(spectrograms, this.metadata.minFrames)));
    return this.unpack(outputs, spectrograms.map((s) => s.frames));
  }

  /** Scores one utterance given as 16 kHz mono audio (samples in [-1, 1]); see predictAudioBatch. */
  async predictAudio(samples: Float32Array): Promise<EmotionPrediction> {
    return (await this.predictAudioBatch([samples]))[0];
  }

  /**
   * Scores utterances given as 16 kHz mono audio: the same as predictBatch of their log spectrograms, with the
   * spectrogram computed where the network runs (the inference thread by default), not in the calling thread.
   * The caller's arrays stay usable (a backend that transfers them to its thread gets copies).
   */
  async predictAudioBatch(audio: readonly Float32Array[]): Promise<EmotionPrediction[]> {
    this.checkOpen();
    if (audio.length === 0) return [];
    const frames = audio.map((samples, i) => {
      const bad = samples.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new ModelError('INPUT_INVALID', `input ${i}: sample ${bad} is ${samples[bad]}`);
      this.checkLength(frameCount(samples.length), i);
      return frameCount(samples.length);
    });
    const minFrames = this.metadata.minFrames;
    const run = this.backend.runAudio
      ? this.backend.runAudio({ audio: audio.map((a) => a.slice()), minFrames })
      : this.backend.run(featuresFromAudio({ audio: [...audio], minFrames }));
    return this.unpack(await this.track(run), frames);
  }

  private checkOpen(): void {
    if (this.closed) throw new ModelError('MODEL_CLOSED', 'the emotion model was closed');
  }

  private async track(run: Promise<ModelOutputs>): Promise<ModelOutputs> {
    this.inFlight.add(run);
    try {
      return await run;
    } catch (err) {
      throw new ModelError('INFERENCE_FAILED', `inference failed: ${(err as Error).message}`, { cause: err });
    } finally {
      this.inFlight.delete(run);
    }
  }

  private check(s: Spectrogram, index: number): void {
    const bins = SPECTROGRAM.bins;
    if (s.bins !== bins || !Number.isInteger(s.frames) || s.frames < 0 || s.data.length !== s.frames * bins) {
      throw new ModelError('INPUT_INVALID', `input ${index}: expected [frames, ${bins}] log spectrogram data, got ${s.frames} frames x ${s.bins} bins in ${s.data.length} values`);
    }
    const bad = s.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new ModelError('INPUT_INVALID', `input ${index}: value at frame ${Math.floor(bad / bins)}, bin ${bad % bins} is ${s.data[bad]}`);
    this.checkLength(s.frames, index);
  }

  private checkLength(frames: number, index: number): void {
    const min = this.metadata.minFrames;
    if (frames === 0 || (frames < min && this.shortInput === 'reject')) {
      const seconds = ((min - 1) * SPECTROGRAM.hopLength + SPECTROGRAM.windowLength) / SPECTROGRAM.sampleRate;
      throw new ModelError('INPUT_TOO_SHORT', `input ${index}: ${frames} frames; the model needs at least ${min} (${seconds.toFixed(2)} s of audio)`);
    }
  }

  /** `frames`: each input's own frames, before any padding. */
  private unpack(outputs: ModelOutputs, frames: readonly number[]): EmotionPrediction[] {
    const probabilities = outputs.probabilities;
    const widths = outputs.attentionLengths;
    const [, freq, longest] = outputs.attentionDims;
    const alpha = outputs.attention;
    const labels = this.metadata.labels;
    const geometry = { stride: this.metadata.timeStride, offset: this.metadata.timeOffset };
    return frames.map((inputFrames, b) => {
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
        activity: activityFromAttention(attentionMap, geometry, inputFrames),
        frames: inputFrames,
        padded: inputFrames < this.metadata.minFrames,
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
