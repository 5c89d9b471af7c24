import type { EmotionModel, EmotionPrediction } from '../model/emotionModel.js';
import type { Spectrogram } from '../stream/spectrogram.js';
import { CodedError } from '../stream/errors.js';

export interface QueueOptions {
  /** Inference calls running at once on the shared session (default 1; onnxruntime runs each on its own threads). */
  concurrency?: number;
  /** Requests waiting at most; beyond it the policy below applies (default 64). */
  maxPending?: number;
}

export class QueueFullError extends CodedError<'QUEUE_FULL'> {}

interface Request {
  spectrogram: Spectrogram;
  /** Interim requests may be dropped for final ones; final ones never silently. */
  final: boolean;
  resolve: (p: EmotionPrediction | undefined) => void;
  reject: (e: unknown) => void;
}

/**
 * One model, many streams. Requests run in arrival order, `concurrency` at a time. When `maxPending` requests
 * wait: a new interim request is dropped (it resolves to undefined), or the oldest waiting interim request is dropped
 * to make room for a final one; a final request that finds only final requests waiting is rejected with QUEUE_FULL,
 * which the stream reports as an error event for that utterance. Memory stays bounded and no final result disappears
 * without an event.
 */
export class InferenceQueue {
  private readonly waiting: Request[] = [];
  private running = 0;
  private readonly concurrency: number;
  private readonly maxPending: number;

  constructor(
    private readonly model: EmotionModel,
    options: QueueOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 1;
    this.maxPending = options.maxPending ?? 64;
  }

  /** Resolves to the prediction, or to undefined for an interim request that was dropped. */
  submit(spectrogram: Spectrogram, final: boolean): Promise<EmotionPrediction | undefined> {
    return new Promise((resolve, reject) => {
      if (this.waiting.length >= this.maxPending) {
        if (!final) return resolve(undefined);
        const interim = this.waiting.findIndex((r) => !r.final);
        if (interim < 0) {
          return reject(new QueueFullError('QUEUE_FULL', `inference is ${this.maxPending} utterances behind; this utterance was not scored`));
        }
        this.waiting.splice(interim, 1)[0].resolve(undefined);
      }
      this.waiting.push({ spectrogram, final, resolve, reject });
      this.pump();
    });
  }

  get pending(): number {
    return this.waiting.length + this.running;
  }

  private pump(): void {
    while (this.running < this.concurrency && this.waiting.length > 0) {
      const request = this.waiting.shift()!;
      this.running++;
      this.model
        .predict(request.spectrogram)
        .then(request.resolve, request.reject)
        .finally(() => {
          this.running--;
          this.pump();
        });
    }
  }
}
