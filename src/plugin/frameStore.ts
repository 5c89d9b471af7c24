import { SPECTROGRAM, SpectrogramFrameComputer, type Spectrogram } from '../stream/spectrogram.js';

/**
 * The recent 16 kHz audio of one stream and the spectrogram frames of it that utterances need. Frames are computed
 * while an utterance goes on (prepare) or when it is scored, and cached: audio that no utterance takes (the silence
 * between them, often half of a call) costs no spectrogram at all. Frame t is computed from samples
 * [160 t, 160 t + 640) by the same code as the batch and streaming front ends, so it is bit-identical to theirs.
 * The pipeline drops what no utterance can need any more, so memory is bounded by the maximum utterance length.
 */
export class FrameStore {
  private readonly computer = new SpectrogramFrameComputer();
  /** Samples [first, first + length) of the stream, held in buffer[offset, offset + length). */
  private buffer = new Float32Array(16000);
  private offset = 0;
  private length = 0;
  private first = 0;
  /** Frames computed so far, by frame index (a contiguous run from cacheFirst). */
  private cache: Float32Array[] = [];
  private cacheFirst = 0;

  add(samples: Float32Array): void {
    if (this.offset + this.length + samples.length > this.buffer.length) {
      // Compact (or grow, when the kept audio itself needs it) only when the end is reached: no copy per chunk.
      if (this.length + samples.length > this.buffer.length) {
        const grown = new Float32Array(2 * (this.length + samples.length));
        grown.set(this.buffer.subarray(this.offset, this.offset + this.length));
        this.buffer = grown;
      } else {
        this.buffer.copyWithin(0, this.offset, this.offset + this.length);
      }
      this.offset = 0;
    }
    this.buffer.set(samples, this.offset + this.length);
    this.length += samples.length;
  }

  /** Forgets the audio (and frames) before stream sample `sample`. */
  dropBefore(sample: number): void {
    const n = Math.min(Math.max(0, Math.floor(sample) - this.first), this.length);
    this.offset += n;
    this.length -= n;
    this.first += n;
    const frame = Math.ceil(this.first / SPECTROGRAM.hopLength);
    if (frame > this.cacheFirst) {
      this.cache = this.cache.slice(Math.min(frame - this.cacheFirst, this.cache.length));
      this.cacheFirst = frame;
    }
  }

  /** The frames whose 640-sample windows lie inside samples [start, end) and are still held, as one spectrogram. */
  slice(startSample: number, endSample: number): { spectrogram: Spectrogram; firstFrame: number } {
    const { hopLength, windowLength, bins } = SPECTROGRAM;
    const from = Math.max(Math.ceil(startSample / hopLength), Math.ceil(this.first / hopLength));
    const to = Math.floor((Math.min(endSample, this.first + this.length) - windowLength) / hopLength);
    const frames = Math.max(0, to - from + 1);
    const data = new Float32Array(frames * bins);
    for (let t = 0; t < frames; t++) data.set(this.frame(from + t), t * bins);
    return { spectrogram: { frames, bins, data }, firstFrame: from };
  }

  /** Computes ahead the frames of samples [start, end) that are held, so that scoring finds them ready. */
  prepare(startSample: number, endSample: number): void {
    const { hopLength, windowLength } = SPECTROGRAM;
    const from = Math.max(Math.ceil(startSample / hopLength), Math.ceil(this.first / hopLength), this.cacheFirst + this.cache.length);
    const to = Math.floor((Math.min(endSample, this.first + this.length) - windowLength) / hopLength);
    for (let index = from; index <= to; index++) this.frame(index);
  }

  private frame(index: number): Float32Array {
    if (index < this.cacheFirst || index > this.cacheFirst + this.cache.length) {
      this.cache = []; // not contiguous with the cached run: start a new one
      this.cacheFirst = index;
    }
    const cached = this.cache[index - this.cacheFirst];
    if (cached) return cached;
    const logPower = new Float32Array(SPECTROGRAM.bins);
    this.computer.compute(this.buffer, this.offset + index * SPECTROGRAM.hopLength - this.first, logPower);
    this.cache.push(logPower);
    return logPower;
  }

  /** Samples held. */
  get size(): number {
    return this.length;
  }
}
