import { SPECTROGRAM, type Spectrogram } from '../stream/spectrogram.js';
import type { SpectrogramFrame } from '../stream/spectrogramFrames.js';

/**
 * The recent spectrogram frames of one stream, by frame index. The pipeline drops what no utterance can need any more
 * (before the pre-roll of the next possible start, or before the utterance in progress), so memory is bounded by the
 * maximum utterance length.
 */
export class FrameStore {
  private frames: Float32Array[] = [];
  private first = 0;

  add(frame: SpectrogramFrame): void {
    if (frame.index !== this.first + this.frames.length) throw new Error(`frame ${frame.index} out of order`);
    this.frames.push(frame.logPower);
  }

  /** Forgets frames before index `index`. */
  dropBefore(index: number): void {
    const n = Math.min(Math.max(0, index - this.first), this.frames.length);
    if (n === 0) return;
    this.frames = this.frames.slice(n);
    this.first += n;
  }

  /** The frames whose 640-sample windows lie inside samples [start, end), as one spectrogram. */
  slice(startSample: number, endSample: number): { spectrogram: Spectrogram; firstFrame: number } {
    const { hopLength, windowLength, bins } = SPECTROGRAM;
    const from = Math.max(Math.ceil(startSample / hopLength), this.first);
    const to = Math.min(Math.floor((endSample - windowLength) / hopLength), this.first + this.frames.length - 1);
    const frames = Math.max(0, to - from + 1);
    const data = new Float32Array(frames * bins);
    for (let t = 0; t < frames; t++) data.set(this.frames[from + t - this.first], t * bins);
    return { spectrogram: { frames, bins, data }, firstFrame: from };
  }

  get size(): number {
    return this.frames.length;
  }
}
