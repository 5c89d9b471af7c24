import type { EmotionModel, EmotionPrediction } from '../model/emotionModel.js';
import { CodedError } from '../stream/errors.js';

export interface QueueOptions {
  /** Inference calls running at once (default 1; the plugin gives its model's parallelism, one per inference thread). */
  concurrency?: number;
  /** Requests waiting at most; beyond it the policy below applies (default 64). */
  maxPending?: number;
}

export class QueueFullError extends CodedError<'QUEUE_FULL'> {}

interface Request {
  /** The utterance's 16 kHz audio (EmotionModel.predictAudio). */
  audio: Float32Array;
  /** Interim requests may be dropped for final ones; final ones never silently. */
  final: boolean;
  /** performance.now() by which the utterance's audio had all arrived, had it come in real time. */
  due: number;
  resolve: (p: EmotionPrediction | undefined) => void;
  reject: (e: unknown) => void;
}

/**
 * One model, many streams, served fairly: each stream (`source`) has its own queue, in order, and of the streams'
 * next requests the one due first runs (earliest deadline first, `concurrency` at a time). A request is due when its
 * audio would have arrived in real time, so a live call's utterance is due as it ends, while a stream that pushes
 * audio faster than real time (a file upload, a replay) has its utterances due later and is served in the time the
 * live calls leave, never in front of them; among live calls it is first come, first served. When `maxPending`
 * requests wait in all: a new interim
 * request is dropped (it resolves to undefined), or an interim request of the longest queue is dropped to make room
 * for a final one; when only final requests wait, the newest of the stream with the most waiting is rejected with
 * QUEUE_FULL (the new request itself when its stream is that one), which the stream reports as an error event for
 * that utterance: the loss falls on the stream furthest ahead, not on a live call. Memory stays bounded and no final
 * result disappears without an event.
 */
export class InferenceQueue {
  /** Waiting requests by source, each source's in the order submitted. */
  private readonly waiting = new Map<string, Request[]>();
  private count = 0;
  private running = 0;
  private readonly concurrency: number;
  readonly maxPending: number;
  private readonly timingListeners = new Set<(seconds: number) => void>();

  constructor(
    private readonly model: EmotionModel,
    options: QueueOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 1;
    this.maxPending = options.maxPending ?? 64;
  }

  /**
   * Resolves to the prediction, or to undefined for an interim request that was dropped. `due`: performance.now() by
   * which the audio had all arrived in real time (for audio that arrives as it is spoken, now).
   */
  submit(audio: Float32Array, final: boolean, source = '', due = performance.now()): Promise<EmotionPrediction | undefined> {
    return new Promise((resolve, reject) => {
      if (this.count >= this.maxPending) {
        if (!final) return resolve(undefined);
        if (!this.makeRoom(source)) return reject(this.full());
      }
      const queue = this.waiting.get(source) ?? [];
      if (queue.length === 0) this.waiting.set(source, queue);
      queue.push({ audio, final, due, resolve, reject });
      this.count++;
      this.pump();
    });
  }

  get pending(): number {
    return this.count + this.running;
  }

  /** Calls `listener` with the seconds each inference took (from the model's call to its result); returns the
   *  unsubscribe function. */
  onInference(listener: (seconds: number) => void): () => void {
    this.timingListeners.add(listener);
    return () => this.timingListeners.delete(listener);
  }

  private full(): QueueFullError {
    return new QueueFullError('QUEUE_FULL', `inference is ${this.maxPending} utterances behind; this utterance was not scored`);
  }

  /** Frees a waiting place for a final request of `source`; false when that request itself is to be refused. */
  private makeRoom(source: string): boolean {
    const queues = [...this.waiting].sort(([, a], [, b]) => b.length - a.length);
    const interim = queues.find(([, q]) => q.some((r) => !r.final));
    // An interim request gives way first; when only finals wait, the stream with the most waiting loses its newest,
    // unless that stream is the requesting one.
    const [from, queue] = interim ?? queues[0] ?? [];
    if (!queue || (!interim && queue.length <= (this.waiting.get(source)?.length ?? 0))) return false;
    if (interim) queue.splice(queue.findIndex((r) => !r.final), 1)[0].resolve(undefined);
    else queue.pop()!.reject(this.full());
    if (queue.length === 0) this.waiting.delete(from!);
    this.count--;
    return true;
  }

  private next(): Request | undefined {
    let first: [string, Request[]] | undefined;
    for (const entry of this.waiting) {
      if (entry[1].length > 0 && (!first || entry[1][0].due < first[1][0].due)) first = entry;
    }
    if (!first) return undefined;
    const [source, queue] = first;
    const request = queue.shift();
    if (queue.length === 0) this.waiting.delete(source);
    return request;
  }

  private pump(): void {
    while (this.running < this.concurrency && this.count > 0) {
      const request = this.next()!;
      this.count--;
      this.running++;
      const started = performance.now();
      this.model
        .predictAudio(request.audio)
        .then(request.resolve, request.reject)
        .finally(() => {
          for (const listener of this.timingListeners) listener((performance.now() - started) / 1000);
          this.running--;
          this.pump();
        });
    }
  }
}
