import alawmulaw from 'alawmulaw';
import { MODEL_SAMPLE_RATE } from './audioFormat.js';
import { resampleAll } from './resampler.js';

const TELEPHONE_RATE = 8000;

/**
 * What a phone call does to 16 kHz audio: band-limited to 8 kHz sampling (0 to 4 kHz), G.711 mu-law coded (8 bits a
 * sample, as in telephony media streams) and decoded, and resampled back to 16 kHz. The output has the input's length.
 * Used to evaluate on, and train with, telephone-quality copies of wideband recordings.
 */
export async function telephoneChannel(samples16k: Float32Array): Promise<Float32Array> {
  const narrow = await resampleAll(samples16k, MODEL_SAMPLE_RATE, TELEPHONE_RATE);
  const pcm = Int16Array.from(narrow, (v) => Math.max(-32768, Math.min(32767, Math.round(v * 32768))));
  const decoded = alawmulaw.mulaw.decode(alawmulaw.mulaw.encode(pcm));
  const back = await resampleAll(Float32Array.from(decoded, (v) => v / 32768), TELEPHONE_RATE, MODEL_SAMPLE_RATE);
  return back.subarray(0, samples16k.length);
}
