import { Observable, type OperatorFunction } from 'rxjs';
import { MODEL_SAMPLE_RATE, checkSampleRate, enforceFinite } from './audioFormat.js';
import { concatFloat32 } from './concatFloat32.js';
import { AudioInputError } from './errors.js';
import { SpeexConverter } from './speexConverter.js';

/**
 * SpeexDSP's windowed-sinc resampler at three of its quality levels. 'fastest' (level 4) keeps the band the
 * spectrogram uses (0 to 3980 Hz) flat and puts what would alias below -60 dB; 'medium' (7) and 'best' (10) have
 * longer filters, at about 1.5-2x and 5-7x the cost (BENCHMARKS.md).
 */
export type ResamplerQuality = 'fastest' | 'medium' | 'best';

const SPEEX_QUALITY = { fastest: 4, medium: 7, best: 10 } as const satisfies Record<ResamplerQuality, number>;

/** Zero input fed at the end to push out what the sinc filter still holds. */
const FLUSH_BLOCK = 1024;
const MAX_FLUSH_BLOCKS = 64;

/**
 * Streaming mono resampler, to the model's 16 kHz unless told otherwise. The converter carries its filter state
 * across calls, so any chunking of the input gives the same output samples; `flush()` ends the stream and returns the
 * tail, making the total output ceil(inputSamples * outputRate / inputRate) samples, time-aligned with the input.
 * `flush()` or `destroy()` frees the converter.
 */
export class StreamingResampler {
  private samplesIn = 0;
  private samplesOut = 0;
  private ended = false;

  private constructor(
    readonly inputRate: number,
    readonly outputRate: number,
    private readonly converter: SpeexConverter | undefined,
  ) {}

  static async create(inputRate: number, quality: ResamplerQuality = 'fastest', outputRate = MODEL_SAMPLE_RATE): Promise<StreamingResampler> {
    checkSampleRate(inputRate);
    checkSampleRate(outputRate);
    if (!Object.hasOwn(SPEEX_QUALITY, quality)) {
      throw new AudioInputError('INVALID_ARGUMENT', `resampler quality '${String(quality)}' is not one of fastest, medium, best`);
    }
    const converter = inputRate === outputRate ? undefined : await SpeexConverter.create(inputRate, outputRate, SPEEX_QUALITY[quality]);
    return new StreamingResampler(inputRate, outputRate, converter);
  }

  push(chunk: Float32Array): Float32Array {
    if (this.ended) throw new AudioInputError('INVALID_ARGUMENT', 'audio pushed to a resampler after flush()');
    // A NaN would stay in the filter's memory and poison every later output sample.
    enforceFinite(chunk, this.samplesIn);
    this.samplesIn += chunk.length;
    const out = this.converter && chunk.length > 0 ? this.converter.process(chunk) : chunk;
    this.samplesOut += out.length;
    return out;
  }

  flush(): Float32Array {
    if (this.ended) return new Float32Array(0);
    this.ended = true;
    const converter = this.converter;
    if (!converter) return new Float32Array(0);
    const expected = Math.ceil((this.samplesIn * this.outputRate) / this.inputRate);
    const tail: Float32Array[] = [];
    const zeros = new Float32Array(FLUSH_BLOCK);
    let missing = expected - this.samplesOut;
    for (let i = 0; missing > 0 && i < MAX_FLUSH_BLOCKS; i++) {
      const out = converter.process(zeros);
      tail.push(out.subarray(0, Math.min(out.length, missing)));
      missing -= out.length;
    }
    converter.destroy();
    return concatFloat32(tail);
  }

  /** Frees the converter without producing the tail (the stream was abandoned). */
  destroy(): void {
    this.converter?.destroy();
    this.ended = true;
  }
}

/**
 * RxJS operator: mono chunks at `inputRate` in, 16 kHz chunks out, the tail emitted on completion. Chunks that arrive
 * while the converter is loading are queued in order, so a hot source loses nothing.
 */
export function resampleTo16k(inputRate: number, quality: ResamplerQuality = 'fastest'): OperatorFunction<Float32Array, Float32Array> {
  return (source) =>
    new Observable<Float32Array>((subscriber) => {
      let resampler: StreamingResampler | undefined;
      let pending: Float32Array[] | undefined = [];
      let sourceDone = false;
      const emit = (out: Float32Array) => {
        if (out.length > 0) subscriber.next(out);
      };
      const finish = () => {
        emit(resampler!.flush());
        subscriber.complete();
      };
      const consume = (chunk: Float32Array) => {
        try {
          emit(resampler!.push(chunk));
        } catch (err) {
          subscriber.error(err);
        }
      };
      StreamingResampler.create(inputRate, quality).then(
        (created) => {
          if (subscriber.closed) return created.destroy();
          resampler = created;
          const queued = pending!;
          pending = undefined;
          for (const chunk of queued) consume(chunk);
          if (sourceDone && !subscriber.closed) finish();
        },
        (err) => subscriber.error(err),
      );
      const subscription = source.subscribe({
        next: (chunk) => (pending ? pending.push(chunk) : consume(chunk)),
        error: (err) => subscriber.error(err),
        complete: () => {
          sourceDone = true;
          if (!pending) finish();
        },
      });
      return () => {
        subscription.unsubscribe();
        resampler?.destroy();
      };
    });
}

/** Resamples a whole signal (to 16 kHz by default) with the streaming converter, so files and streams get the same samples. */
export async function resampleAll(samples: Float32Array, inputRate: number, outputRate = MODEL_SAMPLE_RATE, quality: ResamplerQuality = 'fastest'): Promise<Float32Array> {
  const resampler = await StreamingResampler.create(inputRate, quality, outputRate);
  return concatFloat32([resampler.push(samples), resampler.flush()]);
}
