import { SPECTROGRAM } from '../stream/spectrogram.js';

/** Audio of an utterance, cut on the stream's frame grid: frame t of the stream is frame t - firstFrame of it. */
export interface UtteranceAudio {
  /** 16 kHz samples from stream sample 160 firstFrame on (a copy: it may be transferred to another thread). */
  samples: Float32Array;
  firstFrame: number;
  /** Spectrogram frames these samples give. */
  frames: number;
}

/**
 * The recent 16 kHz audio of one stream, for the utterances to take. No spectrogram is computed here: the inference
 * thread computes an utterance's frames from its audio (EmotionModel.predictAudio), off the event loop that carries
 * every stream. The audio is cut on the stream's 10 ms frame grid, so those frames are bit-identical to the batch and
 * streaming front ends' frames of the whole stream. The pipeline drops what no utterance can need any more, so memory
 * is bounded by the maximum utterance length.
 */
export class AudioStore {
  /** Samples [first, first + length) of the stream, held in buffer[offset, offset + length). */
  private buffer = new Float32Array(16000);
  private offset = 0;
  private length = 0;
  private first = 0;

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

  /** Forgets the audio before stream sample `sample`. */
  dropBefore(sample: number): void {
    const n = Math.min(Math.max(0, Math.floor(sample) - this.first), this.length);
    this.offset += n;
    this.length -= n;
    this.first += n;
  }

  /** The audio of the frames whose 640-sample windows lie inside samples [start, end) and are still held. */
  slice(startSample: number, endSample: number): UtteranceAudio {
    const { hopLength, windowLength } = SPECTROGRAM;
    const firstFrame = Math.max(Math.ceil(startSample / hopLength), Math.ceil(this.first / hopLength));
    const last = Math.floor((Math.min(endSample, this.first + this.length) - windowLength) / hopLength);
    const frames = Math.max(0, last - firstFrame + 1);
    const from = this.offset + firstFrame * hopLength - this.first;
    const samples = frames > 0 ? this.buffer.slice(from, from + (frames - 1) * hopLength + windowLength) : new Float32Array(0);
    return { samples, firstFrame, frames };
  }

  /** Samples held. */
  get size(): number {
    return this.length;
  }
}
