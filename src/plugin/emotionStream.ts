import { Subject, type Observable } from 'rxjs';
import type { EmotionModel, EmotionPrediction } from '../model/emotionModel.js';
import { checkChannels, enforceFinite, mixDown, type NonFinitePolicy } from '../stream/audioFormat.js';
import { CodedError } from '../stream/errors.js';
import { PcmDecoder, type PcmEncoding } from '../stream/pcmDecoder.js';
import { StreamingResampler } from '../stream/resampler.js';
import { FRAME_MS } from '../stream/spectrogram.js';
import type { VadStream } from '../vad/sileroVad.js';
import { VAD_WINDOW } from '../vad/sileroVad.js';
import { UtteranceSegmenter, type SegmentEvent, type SegmenterOptions } from '../vad/utteranceSegmenter.js';
import { EVENT_VERSION, type PluginEvent, type PluginEventType, type StreamErrorCode } from './events.js';
import { CallSummary } from './callSummary.js';
import { AudioStore } from './audioStore.js';
import { CallerAdaptation, checkStrength, DEFAULT_STRENGTH } from './callerAdaptation.js';
import type { InferenceQueue } from './inferenceQueue.js';

/** How the host's audio arrives. Typed arrays carry samples (interleaved if channels > 1); bytes use `encoding`. */
export interface StreamFormat {
  sampleRate: number;
  channels?: number;
  /** Encoding of Uint8Array/Buffer input (default pcm_s16le). */
  encoding?: PcmEncoding;
}

export interface StreamOptions {
  vad?: Partial<SegmenterOptions>;
  /** Interim emotion estimates every this many ms while an utterance's speech goes on; 0 (default) is off. */
  interimMs?: number;
  /** NaN/Infinity in float input: 'error' (default) rejects the chunk with an error event, 'zero' replaces them. */
  nonFinite?: NonFinitePolicy;
  /** Audio waiting to be processed, in ms, beyond which new chunks are refused with INPUT_BACKLOG (default 10 s). */
  maxBacklogMs?: number;
  /** The side of the call this stream carries ('caller', 'agent'): set on every event. Fixed when the stream opens. */
  role?: string;
  /** 'caller': each utterance's probabilities corrected by the caller's own earlier utterances on the stream
   *  (callerAdaptation.ts; events then carry the model's own as `unadapted`); 'none' (default). */
  adaptation?: 'none' | 'caller';
  /** Share of the caller's estimated bias removed with adaptation 'caller', in (0, 1] (default 0.5). */
  adaptationStrength?: number;
}

export type AudioInput = Int16Array | Float32Array | Uint8Array;

export interface StreamDependencies {
  model: EmotionModel;
  queue: InferenceQueue;
  vad: VadStream;
}

const ACTIVE = 0.5;
const MS = 16; // samples per ms at 16 kHz
/** A stream's final scores in flight at most before it stops taking audio (one running, one waiting). */
const MAX_OWN_FINALS = 2;

/**
 * One live audio stream (a call, a participant): audio in, events out. Audio chunks are processed strictly in order;
 * utterances found by the VAD are scored whole when they end. Bad chunks and failed inferences become error events
 * and the stream goes on.
 */
export class EmotionStream {
  private readonly subject = new Subject<PluginEvent>();
  /** Hot: subscribe before pushing audio. */
  readonly events: Observable<PluginEvent> = this.subject.asObservable();
  private readonly audio = new AudioStore();
  private readonly segmenter: UtteranceSegmenter;
  private readonly decoder: PcmDecoder;
  private readonly channels: number;
  private options: Required<Omit<StreamOptions, 'vad' | 'role'>>;
  readonly role?: string;
  /** Audio for the VAD not yet scored: the first vadHeld samples of vadBuffer. */
  private vadBuffer = new Float32Array(1024);
  private vadHeld = 0;
  private position = 0; // 16 kHz samples through the VAD
  private utterances = 0;
  private current?: { id: string; lastInterim: number };
  private chain: Promise<void> = Promise.resolve();
  private backlog = 0; // input samples queued in the chain
  private readonly inferences = new Set<Promise<void>>();
  /** performance.now() when the stream opened: audio that comes in real time reaches sample n at openedAt + n / MS. */
  private readonly openedAt = performance.now();
  /** This stream's final scores submitted and not yet answered. */
  private finalsInFlight = 0;
  private closing?: Promise<void>;
  private readonly summary = new CallSummary();
  /** The caller's final scores so far, kept whatever `adaptation` is, so that turning it on mid-call has a history. */
  private readonly caller: CallerAdaptation;

  constructor(
    readonly id: string,
    readonly format: Required<StreamFormat>,
    private readonly resampler: StreamingResampler,
    private readonly deps: StreamDependencies,
    options: StreamOptions = {},
  ) {
    this.channels = checkChannels(format.channels);
    this.decoder = new PcmDecoder({ encoding: format.encoding, channels: this.channels });
    this.segmenter = new UtteranceSegmenter(options.vad);
    this.role = options.role;
    this.options = { interimMs: 0, nonFinite: 'error', maxBacklogMs: 10000, adaptation: 'none', adaptationStrength: DEFAULT_STRENGTH };
    this.caller = new CallerAdaptation(deps.model.metadata.labels);
    this.update(options);
  }

  /** VAD windows so far: scored by the network, digital silence and windows at the noise floor answered without it
   *  (for monitoring). */
  get vadWindows(): { scored: number; skipped: number; quiet: number } {
    return { scored: this.deps.vad.scored, skipped: this.deps.vad.skipped, quiet: this.deps.vad.quiet };
  }

  /** Changes options live; VAD changes apply from the next window. */
  update(options: StreamOptions): void {
    if (options.vad) this.segmenter.update(options.vad);
    const { vad: _vad, role: _role, ...rest } = options;
    const next = { ...this.options, ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) };
    if (!Number.isFinite(next.interimMs) || next.interimMs < 0) throw new RangeError(`interimMs must be >= 0, not ${next.interimMs}`);
    if (next.nonFinite !== 'error' && next.nonFinite !== 'zero') throw new RangeError(`nonFinite must be 'error' or 'zero'`);
    if (next.adaptation !== 'none' && next.adaptation !== 'caller') throw new RangeError(`adaptation must be 'none' or 'caller', not '${String(next.adaptation)}'`);
    checkStrength(next.adaptationStrength);
    this.options = next;
  }

  /**
   * Queues a chunk of audio; the promise resolves once it has been processed (await it for flow control, or not:
   * audio more than maxBacklogMs ahead of processing is refused with an INPUT_BACKLOG error event). Never rejects:
   * bad audio becomes an error event.
   */
  push(audio: AudioInput): Promise<void> {
    if (this.closing) {
      this.error('STREAM_CLOSED', 'audio pushed after close(); it was ignored', false);
      return Promise.resolve();
    }
    if (!(audio instanceof Uint8Array || audio instanceof Int16Array || audio instanceof Float32Array)) {
      this.error('BAD_AUDIO', `push() takes a Uint8Array, Int16Array or Float32Array, not ${Object.prototype.toString.call(audio)}`, false);
      return Promise.resolve();
    }
    const samples = audio.length / (audio instanceof Uint8Array ? this.decoder.frameBytes : this.channels);
    if ((this.backlog + samples) / this.format.sampleRate > this.options.maxBacklogMs / 1000) {
      this.error('INPUT_BACKLOG', `processing is over ${this.options.maxBacklogMs} ms behind; a chunk of ${audio.length} values was dropped`, false);
      return Promise.resolve();
    }
    this.backlog += samples;
    this.chain = this.chain.then(async () => {
      this.backlog -= samples;
      try {
        const mono = this.toMono(audio);
        await this.process(this.resampler.push(mono), mono);
      } catch (err) {
        this.fail(err);
      }
    });
    return this.chain;
  }

  /** The host's audio source failed: reported as an error event (the audio already received is still processed). */
  reportSourceError(err: unknown): void {
    this.error('SOURCE_FAILED', `the audio source failed: ${(err as Error)?.message ?? String(err)}`, false);
  }

  /** Ends the stream: the utterance in progress is finished and scored, a `call_summary` event rolls the stream up,
   *  then the events complete. */
  close(): Promise<void> {
    this.closing ??= this.chain.then(async () => {
      try {
        this.decoder.end();
      } catch (err) {
        this.fail(err);
      }
      try {
        await this.process(this.resampler.flush(), new Float32Array(0)); // the resampler's tail: no new native audio
      } catch (err) {
        this.fail(err);
      }
      this.handle(this.segmenter.flush(this.position));
      while (this.inferences.size > 0) await Promise.all([...this.inferences]);
      this.emit({ type: 'call_summary', ...this.summary.summary((this.position + (this.vadHeld * 16000) / this.deps.vad.rate) / MS) });
      this.subject.complete();
    });
    return this.closing;
  }

  /** Calls `listener` for every event of `type` (or of every type with '*'); returns the unsubscribe function. */
  on<T extends PluginEventType | '*'>(type: T, listener: (event: T extends '*' ? PluginEvent : Extract<PluginEvent, { type: T }>) => void): () => void {
    const subscription = this.events.subscribe((e) => {
      if (type === '*' || e.type === type) (listener as (e: PluginEvent) => void)(e);
    });
    return () => subscription.unsubscribe();
  }

  /** Events as an async iterable (buffered from the moment it is created until the stream closes). */
  [Symbol.asyncIterator](): AsyncIterator<PluginEvent> {
    const buffered: PluginEvent[] = [];
    let wake: (() => void) | undefined;
    let done = false;
    this.events.subscribe({
      next: (e) => (buffered.push(e), wake?.()),
      complete: () => ((done = true), wake?.()),
    });
    return {
      next: async () => {
        while (buffered.length === 0 && !done) await new Promise<void>((r) => (wake = r));
        return buffered.length > 0 ? { value: buffered.shift()!, done: false } : { value: undefined, done: true };
      },
    };
  }

  private toMono(audio: AudioInput): Float32Array {
    if (audio instanceof Uint8Array) return this.decoder.push(audio);
    if (audio.length % this.channels !== 0) {
      throw new CodedError('BAD_AUDIO', `a chunk of ${audio.length} samples is not a whole number of ${this.channels}-channel frames`);
    }
    const float = audio instanceof Int16Array ? Float32Array.from(audio, (v) => v / 32768) : Float32Array.from(audio);
    enforceFinite(float, 0, { nonFinite: this.options.nonFinite });
    return mixDown(float, this.channels);
  }

  /**
   * `resampled` is the stream's audio at 16 kHz, for the spectrogram; `native` the same audio at the stream's own
   * rate, which the VAD takes when it does not run at 16 kHz (8 kHz telephony). Both are time-aligned (the resampler drops
   * its filter delay), and VAD positions are kept in 16 kHz samples, a window being 32 ms at either rate.
   */
  private async process(resampled: Float32Array, native: Float32Array): Promise<void> {
    this.audio.add(resampled);
    const { vad } = this.deps;
    const samples = vad.rate === 16000 ? resampled : native;
    // The samples not yet in a window stay at the start of vadBuffer; a chunk is appended after them (the buffer
    // grows only when a chunk is larger than any before) and the remainder moved back to the start: no copy per chunk.
    if (this.vadHeld + samples.length > this.vadBuffer.length) {
      const grown = new Float32Array(this.vadHeld + samples.length);
      grown.set(this.vadBuffer.subarray(0, this.vadHeld));
      this.vadBuffer = grown;
    }
    this.vadBuffer.set(samples, this.vadHeld);
    const held = this.vadHeld + samples.length;
    let offset = 0;
    for (; offset + vad.window <= held; offset += vad.window) {
      // Windows are answered without the network (digital silence, the line's noise floor) only outside utterances:
      // nothing inside one is skipped.
      const probability = await vad.probability(this.vadBuffer.subarray(offset, offset + vad.window), this.segmenter.idle);
      this.handle(this.segmenter.push(probability, this.position, this.position + VAD_WINDOW));
      this.position += VAD_WINDOW;
      this.interim();
      // A stream whose own utterances wait for the network takes no more audio until one is scored: audio sent faster
      // than real time is then braked by push() (and a socket's backpressure), not by filling the shared queue in
      // front of other streams' utterances. A real-time stream ends utterances far apart and never waits here.
      while (this.finalsInFlight >= MAX_OWN_FINALS) await Promise.race(this.inferences);
    }
    this.vadBuffer.copyWithin(0, offset, held);
    this.vadHeld = held - offset;
    // Keep what an utterance may still need: from its start, or the pre-roll and onset of one not yet confirmed.
    const { preRollMs, minSpeechMs } = this.segmenter.settings;
    const keepFrom = this.segmenter.utteranceStart ?? this.position - (preRollMs + minSpeechMs + 100) * MS;
    this.audio.dropBefore(keepFrom);
  }

  private handle(events: SegmentEvent[]): void {
    for (const e of events) {
      if (e.type === 'speech_start') {
        this.current = { id: `u${++this.utterances}`, lastInterim: e.detectedAtSample };
        this.emit({ type: 'speech_start', utteranceId: this.current.id, startMs: e.startSample / MS });
      } else {
        const id = this.current?.id ?? `u${++this.utterances}`;
        this.current = undefined;
        const [startMs, endMs] = [e.startSample / MS, e.endSample / MS];
        this.emit({ type: 'speech_end', utteranceId: id, startMs, endMs, durationMs: endMs - startMs, reason: e.reason });
        this.score(id, e.startSample, e.endSample, true);
      }
    }
  }

  private interim(): void {
    const interimMs = this.options.interimMs;
    const start = this.segmenter.utteranceStart;
    if (!interimMs || !this.current || start === undefined || !this.segmenter.speaking) return;
    if (this.position - this.current.lastInterim < interimMs * MS) return;
    this.current.lastInterim = this.position;
    this.score(this.current.id, start, this.position, false);
  }

  private score(utteranceId: string, startSample: number, endSample: number, final: boolean): void {
    const decidedAt = performance.now();
    const { samples, frames, firstFrame } = this.audio.slice(startSample, endSample);
    if (frames === 0) {
      if (final) this.error('INFERENCE_FAILED', `utterance ${utteranceId} is shorter than one 40 ms frame`, false, utteranceId);
      return;
    }
    const done = this.deps.queue
      .submit(samples, final, this.id, this.openedAt + endSample / MS)
      .then(
        (prediction) => prediction && this.emitEmotion(utteranceId, prediction, startSample, endSample, firstFrame, final, decidedAt),
        (err) => this.error(err instanceof CodedError ? err.code : 'INFERENCE_FAILED', (err as Error).message, false, utteranceId),
      )
      .finally(() => {
        this.inferences.delete(done);
        if (final) this.finalsInFlight--;
      });
    this.inferences.add(done);
    if (final) this.finalsInFlight++;
  }

  private emitEmotion(utteranceId: string, p: EmotionPrediction, start: number, end: number, firstFrame: number, final: boolean, decidedAt: number): void {
    const activity = Array.from(p.activity, (v) => Math.round(v * 1000) / 1000);
    // Utterances follow one another, so their start orders them: an utterance is read against earlier ones only.
    const adapted = this.options.adaptation === 'caller' ? this.caller.adapt(start, p.probabilities, this.options.adaptationStrength) : undefined;
    if (final) this.caller.remember(start, p.probabilities);
    this.emit({
      type: 'emotion',
      utteranceId,
      final,
      startMs: start / MS,
      endMs: end / MS,
      label: adapted?.label ?? p.label,
      probabilities: adapted?.probabilities ?? p.probabilities,
      ...(adapted ? { unadapted: p.probabilities } : {}),
      activity,
      frameStartMs: firstFrame * FRAME_MS,
      speechRatio: activity.filter((v) => v >= ACTIVE).length / Math.max(1, activity.length),
      modelId: this.deps.model.metadata.modelId,
      padded: p.padded,
      ...(final ? { latencyMs: Math.round((performance.now() - decidedAt) * 100) / 100 } : {}),
    });
  }

  private fail(err: unknown): void {
    const coded = err instanceof CodedError;
    this.error(coded ? 'BAD_AUDIO' : 'INTERNAL', coded ? `${err.code}: ${err.message}` : String((err as Error)?.stack ?? err), false);
  }

  private error(code: StreamErrorCode | string, message: string, fatal: boolean, utteranceId?: string): void {
    this.emit({ type: 'error', code, message, fatal, ...(utteranceId ? { utteranceId } : {}) });
  }

  private emit(event: DistributiveOmit<PluginEvent, 'version' | 'streamId'>): void {
    const full = { version: EVENT_VERSION, streamId: this.id, ...(this.role ? { role: this.role } : {}), ...event } as PluginEvent;
    this.summary.observe(full);
    this.subject.next(full);
  }
}

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
