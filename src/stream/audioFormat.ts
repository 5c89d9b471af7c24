import { AudioInputError } from './errors.js';

/** The model's sample rate: every input is resampled to it (paper: 16 kHz IEMOCAP audio). */
export const MODEL_SAMPLE_RATE = 16000;

/** Input rates accepted: every integer rate a voice platform plausibly sends (8 kHz telephony to 192 kHz studio). */
export const MIN_INPUT_RATE = 8000;
export const MAX_INPUT_RATE = 192000;
export const MAX_CHANNELS = 8;

export function checkSampleRate(rate: number): number {
  if (!Number.isInteger(rate) || rate < MIN_INPUT_RATE || rate > MAX_INPUT_RATE) {
    throw new AudioInputError(
      'UNSUPPORTED_SAMPLE_RATE',
      `sample rate ${String(rate)} is not supported: expected an integer number of Hz from ${MIN_INPUT_RATE} to ${MAX_INPUT_RATE}`,
    );
  }
  return rate;
}

export function checkChannels(channels: number): number {
  if (!Number.isInteger(channels) || channels < 1 || channels > MAX_CHANNELS) {
    throw new AudioInputError(
      'UNSUPPORTED_CHANNELS',
      `channel count ${String(channels)} is not supported: expected an integer from 1 to ${MAX_CHANNELS}`,
    );
  }
  return channels;
}

/**
 * What to do with NaN or +-Infinity samples (possible in float PCM from a faulty client).
 * 'error' (default): fail the stream with NON_FINITE_SAMPLE, naming the first bad sample.
 * 'zero': replace each with 0 and report the count through `onReplaced`, so nothing is hidden.
 */
export type NonFinitePolicy = 'error' | 'zero';

export interface NonFiniteOptions {
  nonFinite?: NonFinitePolicy;
  onReplaced?: (count: number) => void;
}

/** Applies the non-finite policy to `samples` in place. `offset` is the stream position of samples[0], for the message. */
export function enforceFinite(samples: Float32Array, offset: number, options: NonFiniteOptions = {}): Float32Array {
  let replaced = 0;
  for (let i = 0; i < samples.length; i++) {
    if (Number.isFinite(samples[i])) continue;
    if (options.nonFinite !== 'zero') {
      throw new AudioInputError(
        'NON_FINITE_SAMPLE',
        `sample ${offset + i} is ${String(samples[i])}: audio samples must be finite numbers`,
      );
    }
    samples[i] = 0;
    replaced++;
  }
  if (replaced > 0) options.onReplaced?.(replaced);
  return samples;
}

/** Averages interleaved channels to mono. */
export function mixDown(interleaved: Float32Array, channels: number): Float32Array {
  if (channels === 1) return interleaved;
  const frames = interleaved.length / channels;
  const mono = new Float32Array(frames);
  for (let f = 0, j = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += interleaved[j++];
    mono[f] = sum / channels;
  }
  return mono;
}
