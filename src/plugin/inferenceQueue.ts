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
  resolve: (p: EmotionPrediction | undefined) => void;
  reject: (e: unknown) => void;
}

/**
 * One model, many streams, served fairly: each stream (`source`) has its own queue and the streams take turns, one
 * request each, `concurrency` at a time, so a stream that pushes audio faster than real time (a file upload, a
 * replay) queues behind itself, never in front of a live call. When `maxPending` requests wait in all: a new interim
 * request is dropped (it resolves to undefined), or an interim request of the longest queue is dropped to make room
 * for a final one; a final request that finds only final requests waiting is rejected with QUEUE_FULL, which the
 * stream reports as an error event for that utterance. Memory stays bounded and no final result disappears without
 * an event.
 */
export class InferenceQueue {
  /** Waiting requests by source; the map's order is the turn order (a source served goes to the back). */
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

  /** Resolves to the prediction, or to undefined for an interim request that was dropped. */
  submit(audio: Float32Array, final: boolean, source = ''): Promise<EmotionPrediction | undefined> {
    return new Promise((resolve, reject) => {
      if (this.count >= this.maxPending) {
        if (!final) return resolve(undefined);
        const queues = [...this.waiting.values()].sort((a, b) => b.length - a.length);
        const queue = queues.find((q) => q.some((r) => !r.final));
        if (!queue) return reject(new QueueFullError('QUEUE_FULL', `inference is ${this.maxPending} utterances behind; this utterance was not scored`));
        queue.splice(queue.findIndex((r) => !r.final), 1)[0].resolve(undefined);
        this.count--;
      }
      const queue = this.waiting.get(source) ?? [];
      if (queue.length === 0) this.waiting.set(source, queue);
      queue.push({ audio, final, resolve, reject });
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

  private next(): Request | undefined {
    for (const [source, queue] of this.waiting) {
      this.waiting.delete(source);
      const request = queue.shift();
      if (queue.length > 0) this.waiting.set(source, queue); // to the back of the turn order
      if (request) return request;
    }
    return undefined;
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
