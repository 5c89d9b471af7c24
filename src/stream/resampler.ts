import libsamplerate from '@alexanderolsen/libsamplerate-js';
import { Observable, type OperatorFunction } from 'rxjs';
import { MODEL_SAMPLE_RATE, checkSampleRate, enforceFinite } from './audioFormat.js';
import { AudioInputError } from './errors.js';

/**
 * libsamplerate's band-limited sinc converters (97 dB SNR each). 'fastest' keeps 80% of the output band, 0 to 6.4 kHz
 * at 16 kHz, which holds every frequency the 0 to 3980 Hz spectrogram uses; 'medium' keeps 90% and 'best' 97%, at
 * about 2x and 6x the cost (BENCHMARKS.md).
 */
export type ResamplerQuality = 'fastest' | 'medium' | 'best';

const CONVERTERS = {
  best: libsamplerate.ConverterType.SRC_SINC_BEST_QUALITY,
  medium: libsamplerate.ConverterType.SRC_SINC_MEDIUM_QUALITY,
  fastest: libsamplerate.ConverterType.SRC_SINC_FASTEST,
} as const satisfies Record<ResamplerQuality, number>;

type Converter = Awaited<ReturnType<typeof libsamplerate.create>>;

/**
 * Converters whose stream has ended, for the next stream to reuse, oldest first. Each libsamplerate-js converter is a
 * WebAssembly instance with its own memory: a server whose calls come and go would otherwise instantiate (and leave
 * to the garbage collector) one per call. The pool is bounded in total, whatever the mix of rates and qualities (any
 * integer rate from 8 to 192 kHz is accepted, so a bound per rate would not bound memory): a converter is re-set to
 * the rates and quality asked for, and past the bound the oldest idle one is destroyed. Reuse starts from a fresh
 * filter state (each setter re-initialises the converter: src_delete + src_new).
 */
const idleConverters: Converter[] = [];
export const MAX_IDLE_CONVERTERS = 32;

/** How many converters the pool holds now (for tests and monitoring). */
export function idleConverterCount(): number {
  return idleConverters.length;
}

async function acquireConverter(inputRate: number, outputRate: number, quality: ResamplerQuality): Promise<Converter> {
  const type = CONVERTERS[quality];
  const same = idleConverters.findIndex((c) => c.inputSampleRate === inputRate && c.outputSampleRate === outputRate && c.converterType === type);
  const index = same >= 0 ? same : idleConverters.length - 1;
  if (index < 0) return libsamplerate.create(1, inputRate, outputRate, { converterType: type });
  const [idle] = idleConverters.splice(index, 1);
  if (idle.converterType !== type) idle.converterType = type;
  if (idle.outputSampleRate !== outputRate) idle.outputSampleRate = outputRate;
  idle.inputSampleRate = inputRate; // always set: it also resets the filter state
  return idle;
}

function releaseConverter(converter: Converter): void {
  idleConverters.push(converter);
  if (idleConverters.length > MAX_IDLE_CONVERTERS) idleConverters.shift()!.destroy();
}

/** Zero input fed at the end to push out what the sinc filter still holds. */
const FLUSH_BLOCK = 1024;
const MAX_FLUSH_BLOCKS = 64;

/**
 * Streaming mono resampler, to the model's 16 kHz unless told otherwise. libsamplerate carries its filter state
 * across calls, so any chunking of the input gives the same output samples; `flush()` ends the stream and returns the
 * tail, making the total output ceil(inputSamples * outputRate / inputRate) samples, time-aligned with the input.
 */
export class StreamingResampler {
  private samplesIn = 0;
  private samplesOut = 0;
  private ended = false;

  private constructor(
    readonly inputRate: number,
    readonly outputRate: number,
    private readonly converter: Converter | undefined,
  ) {}

  static async create(inputRate: number, quality: ResamplerQuality = 'fastest', outputRate = MODEL_SAMPLE_RATE): Promise<StreamingResampler> {
    checkSampleRate(inputRate);
    checkSampleRate(outputRate);
    if (!(quality in CONVERTERS)) {
      throw new AudioInputError('INVALID_ARGUMENT', `resampler quality '${String(quality)}' is not one of fastest, medium, best`);
    }
    const converter = inputRate === outputRate ? undefined : await acquireConverter(inputRate, outputRate, quality);
    return new StreamingResampler(inputRate, outputRate, converter);
  }

  push(chunk: Float32Array): Float32Array {
    if (this.ended) throw new AudioInputError('INVALID_ARGUMENT', 'audio pushed to a resampler after flush()');
    // A NaN would stay in the filter's memory and poison every later output sample.
    enforceFinite(chunk, this.samplesIn);
    this.samplesIn += chunk.length;
    const out = this.converter && chunk.length > 0 ? this.converter.full(chunk) : chunk;
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
      const out = converter.full(zeros);
      tail.push(out.subarray(0, Math.min(out.length, missing)));
      missing -= out.length;
    }
    releaseConverter(converter);
    return concatFloat32(tail);
  }

  /** Releases the converter without producing the tail (the stream was abandoned). */
  destroy(): void {
    if (!this.ended && this.converter) releaseConverter(this.converter);
    this.ended = true;
  }
}

export function concatFloat32(parts: readonly Float32Array[]): Float32Array {
  if (parts.length === 1) return parts[0];
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
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
