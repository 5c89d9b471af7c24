import { SPECTROGRAM, SpectrogramFrameComputer, frameCount, type Spectrogram } from '../stream/spectrogram.js';
import type { AudioInputs, ModelInputs } from './inferenceBackend.js';

/** The log floor: the value of digital silence, what short inputs are padded with. */
export const SILENCE = Math.log(SPECTROGRAM.logFloor);

/**
 * One batch [B, T, 200] for inputs of `frames` frames each: T is the longest, at least minFrames; `write` fills input
 * b's own frames from `base` on, and the rest of its padded length is silence.
 */
function batch(frames: readonly number[], minFrames: number, write: (features: Float32Array, base: number, b: number) => void): ModelInputs {
  const bins = SPECTROGRAM.bins;
  const lengths = frames.map((f) => Math.max(f, minFrames));
  const longest = Math.max(...lengths);
  const features = new Float32Array(frames.length * longest * bins);
  frames.forEach((f, b) => {
    const base = b * longest * bins;
    write(features, base, b);
    features.fill(SILENCE, base + f * bins, base + lengths[b] * bins);
  });
  return { features, dims: [frames.length, longest, bins], lengths: BigInt64Array.from(lengths, BigInt) };
}

/** Packs spectrograms into one batch padded to the longest (and to minFrames) with silence. */
export function packFeatures(spectrograms: readonly Spectrogram[], minFrames: number): ModelInputs {
  return batch(spectrograms.map((s) => s.frames), minFrames, (features, base, b) => features.set(spectrograms[b].data, base));
}

/**
 * The network's inputs computed from utterances' 16 kHz audio: each one's log spectrogram (the front end's own code,
 * so frames are bit-identical to the streaming ones), written straight into the padded batch.
 */
export function featuresFromAudio({ audio, minFrames }: AudioInputs, computer = new SpectrogramFrameComputer()): ModelInputs {
  const { bins, hopLength } = SPECTROGRAM;
  const frames = audio.map((a) => frameCount(a.length));
  return batch(frames, minFrames, (features, base, b) => {
    for (let t = 0; t < frames[b]; t++) computer.compute(audio[b], t * hopLength, features, base + t * bins);
  });
}
