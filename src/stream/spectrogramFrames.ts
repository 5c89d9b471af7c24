import { Observable, type OperatorFunction } from 'rxjs';
import { enforceFinite } from './audioFormat.js';
import { FRAME_MS, SPECTROGRAM, SpectrogramFrameComputer } from './spectrogram.js';

/** One 10 ms step of the log spectrogram, on the stream's own clock. */
export interface SpectrogramFrame {
  /** Frame number t from the start of the stream. */
  index: number;
  /** First sample of the frame's 640-sample window (160 t), at 16 kHz. */
  startSample: number;
  /** Start of the frame's window in ms since the stream began (10 t). */
  timeMs: number;
  /** The 200 log-power values of SPECTROGRAM. */
  logPower: Float32Array;
}

/**
 * Streaming framer: push 16 kHz chunks of any sizes, get each frame as soon as its last sample has arrived.
 * Frames are computed from the same float32 samples by the same code as `logSpectrogram`, so any chunking gives
 * bit-identical frames.
 */
export class SpectrogramFramer {
  private readonly computer = new SpectrogramFrameComputer();
  /** Samples not yet consumed by a frame: a window minus one hop at most, plus the chunk being copied in. */
  private readonly buffer = new Float32Array(SPECTROGRAM.windowLength);
  private filled = 0;
  private nextIndex = 0;
  private samplesSeen = 0;

  push(chunk: Float32Array, emit: (frame: SpectrogramFrame) => void): void {
    enforceFinite(chunk, this.samplesSeen);
    const { windowLength, hopLength, bins } = SPECTROGRAM;
    let read = 0;
    while (read < chunk.length) {
      const take = Math.min(windowLength - this.filled, chunk.length - read);
      this.buffer.set(chunk.subarray(read, read + take), this.filled);
      this.filled += take;
      read += take;
      if (this.filled < windowLength) break;
      const logPower = new Float32Array(bins);
      this.computer.compute(this.buffer, 0, logPower);
      const index = this.nextIndex++;
      emit({ index, startSample: index * hopLength, timeMs: index * FRAME_MS, logPower });
      this.buffer.copyWithin(0, hopLength, windowLength);
      this.filled -= hopLength;
    }
    this.samplesSeen += chunk.length;
  }

  /** Samples received so far: the stream's 16 kHz clock. */
  get samples(): number {
    return this.samplesSeen;
  }
}

/** RxJS operator: 16 kHz mono Float32Array chunks in, spectrogram frames out. Non-finite samples error the stream. */
export function spectrogramFrames(): OperatorFunction<Float32Array, SpectrogramFrame> {
  return (source) =>
    new Observable<SpectrogramFrame>((subscriber) => {
      const framer = new SpectrogramFramer();
      const emit = (frame: SpectrogramFrame) => subscriber.next(frame);
      return source.subscribe({
        next(chunk) {
          try {
            framer.push(chunk, emit);
          } catch (err) {
            subscriber.error(err);
          }
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
}
