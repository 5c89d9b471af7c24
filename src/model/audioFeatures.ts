import { SPECTROGRAM, SpectrogramFrameComputer, frameCount, type Spectrogram } from '../stream/spectrogram.js';
import type { AudioInputs, ModelInputs } from './inferenceBackend.js';

/** The log floor: the value of digital silence, what short inputs are padded with. */
export const SILENCE = Math.log(SPECTROGRAM.logFloor);

/** Frames an input of `frames` frames is given: at least `minFrames`, the rest padded with silence. */
export function paddedFrames(frames: number, minFrames: number): number {
  return Math.max(frames, minFrames);
}

/** Packs spectrograms into one batch [B, T, 200] padded to the longest (and to minFrames) with silence. */
export function packFeatures(spectrograms: readonly Spectrogram[], minFrames: number): ModelInputs {
  const bins = SPECTROGRAM.bins;
  const lengths = spectrograms.map((s) => paddedFrames(s.frames, minFrames));
  const longest = Math.max(...lengths);
  const features = new Float32Array(spectrograms.length * longest * bins);
  spectrograms.forEach((s, b) => {
    features.set(s.data, b * longest * bins);
    features.fill(SILENCE, b * longest * bins + s.data.length, (b * longest + lengths[b]) * bins);
  });
  return { features, dims: [spectrograms.length, longest, bins], lengths: BigInt64Array.from(lengths, BigInt) };
}

/**
 * The network's inputs computed from utterances' 16 kHz audio: each one's log spectrogram (the front end's own code,
 * so frames are bit-identical to the streaming ones), written straight into the padded batch.
 */
export function featuresFromAudio({ audio, minFrames }: AudioInputs, computer = new SpectrogramFrameComputer()): ModelInputs {
  const { bins, hopLength } = SPECTROGRAM;
  const frames = audio.map((a) => frameCount(a.length));
  const lengths = frames.map((f) => paddedFrames(f, minFrames));
  const longest = Math.max(...lengths);
  const features = new Float32Array(audio.length * longest * bins);
  audio.forEach((samples, b) => {
    const base = b * longest * bins;
    for (let t = 0; t < frames[b]; t++) computer.compute(samples, t * hopLength, features, base + t * bins);
    features.fill(SILENCE, base + frames[b] * bins, base + lengths[b] * bins);
  });
  return { features, dims: [audio.length, longest, bins], lengths: BigInt64Array.from(lengths, BigInt) };
}
