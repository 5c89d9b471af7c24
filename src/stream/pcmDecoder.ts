import alawmulaw from 'alawmulaw';
import { Observable, type OperatorFunction } from 'rxjs';
import { checkChannels, enforceFinite, mixDown, type NonFiniteOptions } from './audioFormat.js';
import { AudioInputError } from './errors.js';

/** Raw sample encodings a client may stream. Multi-byte encodings are little-endian; channels are interleaved. */
export type PcmEncoding = 'pcm_s16le' | 'pcm_f32le' | 'mulaw' | 'alaw';

export const PCM_ENCODINGS: readonly PcmEncoding[] = ['pcm_s16le', 'pcm_f32le', 'mulaw', 'alaw'];

export const BYTES_PER_SAMPLE: Record<PcmEncoding, number> = { pcm_s16le: 2, pcm_f32le: 4, mulaw: 1, alaw: 1 };

export interface PcmDecoderOptions extends NonFiniteOptions {
  encoding: PcmEncoding;
  channels: number;
}

/** G.711 byte -> float lookup tables: the codec's 16-bit value scaled by 1/32768. */
function g711Table(decodeSample: (code: number) => number): Float32Array {
  const table = new Float32Array(256);
  for (let code = 0; code < 256; code++) table[code] = decodeSample(code) / 32768;
  return table;
}
const MULAW = g711Table(alawmulaw.mulaw.decodeSample);
const ALAW = g711Table(alawmulaw.alaw.decodeSample);

export function checkEncoding(encoding: unknown): PcmEncoding {
  if (typeof encoding !== 'string' || !(PCM_ENCODINGS as readonly string[]).includes(encoding)) {
    throw new AudioInputError(
      'UNSUPPORTED_ENCODING',
      `encoding ${quote(encoding)} is not supported: expected one of ${PCM_ENCODINGS.join(', ')}`,
    );
  }
  return encoding as PcmEncoding;
}

/**
 * Decodes a raw PCM byte stream into mono float32 samples (nominally [-1, 1)), averaging interleaved channels.
 * Byte chunks may split samples and frames anywhere: the incomplete tail of a chunk is carried into the next
 * push(), so every chunking of one byte stream yields the same concatenated output. After push() or end() throws,
 * discard the decoder.
 */
export class PcmDecoder {
  readonly encoding: PcmEncoding;
  readonly channels: number;
  /** Bytes per interleaved frame (one sample of every channel). */
  readonly frameBytes: number;
  private readonly finite: NonFiniteOptions;
  private readonly pending: Uint8Array;
  private pendingLength = 0;
  /** Interleaved samples decoded so far: the stream position reported for non-finite samples. */
  private samplesDecoded = 0;

  constructor(options: PcmDecoderOptions) {
    this.encoding = checkEncoding(options?.encoding);
    this.channels = checkChannels(options.channels);
    if (options.nonFinite !== undefined && options.nonFinite !== 'error' && options.nonFinite !== 'zero') {
      throw new AudioInputError(
        'INVALID_ARGUMENT',
        `nonFinite ${quote(options.nonFinite)} is not supported: expected 'error' or 'zero'`,
      );
    }
    this.finite = { nonFinite: options.nonFinite, onReplaced: options.onReplaced };
    this.frameBytes = BYTES_PER_SAMPLE[this.encoding] * this.channels;
    this.pending = new Uint8Array(this.frameBytes);
  }

  /** Decodes every complete frame available so far; returns mono samples (possibly none). */
  push(bytes: Uint8Array): Float32Array {
    if (!(bytes instanceof Uint8Array)) {
      throw new AudioInputError('INVALID_ARGUMENT', `audio chunk must be a Uint8Array (or Buffer), got ${describe(bytes)}`);
    }
    const frames = Math.floor((this.pendingLength + bytes.length) / this.frameBytes);
    const out = new Float32Array(frames * this.channels);
    let start = 0;
    let written = 0;
    if (this.pendingLength > 0) {
      // Complete the frame left over from the previous chunk first.
      const need = this.frameBytes - this.pendingLength;
      if (bytes.length < need) {
        this.pending.set(bytes, this.pendingLength);
        this.pendingLength += bytes.length;
        return out;
      }
      this.pending.set(bytes.subarray(0, need), this.pendingLength);
      this.decodeSamples(this.pending, 0, this.channels, out, 0);
      this.pendingLength = 0;
      start = need;
      written = this.channels;
    }
    const whole = Math.floor((bytes.length - start) / this.frameBytes);
    this.decodeSamples(bytes, start, whole * this.channels, out, written);
    const rest = bytes.subarray(start + whole * this.frameBytes);
    this.pending.set(rest);
    this.pendingLength = rest.length;

    if (this.encoding === 'pcm_f32le') enforceFinite(out, this.samplesDecoded, this.finite);
    this.samplesDecoded += out.length;
    return mixDown(out, this.channels);
  }

  /** Checks that the stream ended on a frame boundary. */
  end(): void {
    const stray = this.pendingLength;
    this.pendingLength = 0;
    if (stray > 0) {
      throw new AudioInputError(
        'PARTIAL_SAMPLE',
        `stream ended with ${stray} stray byte${stray === 1 ? '' : 's'}: ${this.encoding} with ${this.channels} ` +
          `channel${this.channels === 1 ? '' : 's'} needs whole ${this.frameBytes}-byte frames`,
      );
    }
  }

  /** Decodes `count` samples from src (at byte `offset`, any alignment) into out[at..]. */
  private decodeSamples(src: Uint8Array, offset: number, count: number, out: Float32Array, at: number): void {
    switch (this.encoding) {
      case 'pcm_s16le': {
        const view = new DataView(src.buffer, src.byteOffset + offset, count * 2);
        for (let i = 0; i < count; i++) out[at + i] = view.getInt16(i * 2, true) / 32768;
        break;
      }
      case 'pcm_f32le': {
        const view = new DataView(src.buffer, src.byteOffset + offset, count * 4);
        for (let i = 0; i < count; i++) out[at + i] = view.getFloat32(i * 4, true);
        break;
      }
      case 'mulaw':
      case 'alaw': {
        const table = this.encoding === 'mulaw' ? MULAW : ALAW;
        for (let i = 0; i < count; i++) out[at + i] = table[src[offset + i]];
        break;
      }
    }
  }
}

function quote(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}

/**
 * RxJS operator: decodes a stream of raw PCM byte chunks into mono float32 chunks, with one PcmDecoder per
 * subscription. Emits only non-empty chunks. Bad options or bad input (including stray bytes at completion) error
 * the stream with the AudioInputError; nothing is thrown to the caller.
 */
export function decodePcm(options: PcmDecoderOptions): OperatorFunction<Uint8Array, Float32Array> {
  return (source) =>
    new Observable<Float32Array>((subscriber) => {
      let decoder: PcmDecoder;
      try {
        decoder = new PcmDecoder(options);
      } catch (err) {
        subscriber.error(err);
        return;
      }
      return source.subscribe({
        next(bytes) {
          if (subscriber.closed) return;
          let samples: Float32Array;
          try {
            samples = decoder.push(bytes);
          } catch (err) {
            subscriber.error(err);
            return;
          }
          if (samples.length > 0) subscriber.next(samples);
        },
        error(err) {
          subscriber.error(err);
        },
        complete() {
          try {
            decoder.end();
          } catch (err) {
            subscriber.error(err);
            return;
          }
          subscriber.complete();
        },
      });
    });
}
