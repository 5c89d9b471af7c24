import { RealDftPower } from './realDftPower.js';
import { MODEL_SAMPLE_RATE, enforceFinite } from './audioFormat.js';

/**
 * The log spectrogram of Zhang et al. (Sec. 3.1 of "Attention Based Fully Convolutional Network for Speech Emotion
 * Recognition"), the only feature implementation in the project: training reads what this module writes.
 *
 * At 16 kHz: a symmetric Hamming window of 40 ms (640 samples), a shift of 10 ms (160 samples), the 800-point DFT
 * of the windowed frame zero-padded to 800 samples, the 200 lowest bins (k * 20 Hz, 0 to 3980 Hz), and
 *   S[t, k] = ln(|X_t(k)|^2 + LOG_FLOOR)
 * with samples scaled to [-1, 1]. No mean or variance normalisation happens here: the model applies its own.
 *
 * Frame t covers samples [160 t, 160 t + 640); a signal of N samples has floor((N - 640) / 160) + 1 frames (none if
 * N < 640), with no padding at either end, so a streaming computation can emit frame t as soon as sample 160 t + 639
 * arrives and produce exactly the batch result.
 */
export const SPECTROGRAM = Object.freeze({
  sampleRate: MODEL_SAMPLE_RATE,
  windowLength: 640,
  hopLength: 160,
  dftSize: 800,
  bins: 200,
  /** ln(1e-10) = -23.03 is the value of exact digital silence; 16-bit dither noise sits near -18. */
  logFloor: 1e-10,
  window: 'hamming-symmetric',
});

export const FRAME_MS = (1000 * SPECTROGRAM.hopLength) / SPECTROGRAM.sampleRate;

/** w[n] = 0.54 - 0.46 cos(2 pi n / (N - 1)): the symmetric Hamming window (MATLAB's and numpy's `hamming`). */
export function hammingWindow(length: number): Float64Array {
  const w = new Float64Array(length);
  for (let n = 0; n < length; n++) w[n] = 0.54 - 0.46 * Math.cos((2 * Math.PI * n) / (length - 1));
  return w;
}

export function frameCount(samples: number): number {
  const { windowLength, hopLength } = SPECTROGRAM;
  return samples < windowLength ? 0 : Math.floor((samples - windowLength) / hopLength) + 1;
}

/** Computes log-power frames; holds scratch buffers, so one instance per thread of computation. */
export class SpectrogramFrameComputer {
  private readonly dft = new RealDftPower(
    SPECTROGRAM.dftSize,
    SPECTROGRAM.windowLength,
    SPECTROGRAM.bins,
    hammingWindow(SPECTROGRAM.windowLength),
  );
  private readonly power = new Float64Array(SPECTROGRAM.bins);

  /** Writes the 200 log-power values of the frame starting at samples[offset] into out[outOffset..]. */
  compute(samples: Float32Array, offset: number, out: Float32Array, outOffset = 0): void {
    this.dft.power(samples, offset, this.power);
    for (let k = 0; k < SPECTROGRAM.bins; k++) out[outOffset + k] = Math.log(this.power[k] + SPECTROGRAM.logFloor);
  }
}

/** A log spectrogram, row-major [frames, bins] float32: the layout of the .npy files and the model's input. */
export interface Spectrogram {
  frames: number;
  bins: number;
  data: Float32Array;
}

/** Batch log spectrogram of 16 kHz mono samples. */
export function logSpectrogram(samples: Float32Array, computer = new SpectrogramFrameComputer()): Spectrogram {
  enforceFinite(samples, 0);
  const frames = frameCount(samples.length);
  const data = new Float32Array(frames * SPECTROGRAM.bins);
  for (let t = 0; t < frames; t++) computer.compute(samples, t * SPECTROGRAM.hopLength, data, t * SPECTROGRAM.bins);
  return { frames, bins: SPECTROGRAM.bins, data };
}
