import { BYTES_PER_SAMPLE, type PcmEncoding } from '../../stream/pcmDecoder.js';

/**
 * Splits interleaved multi-channel audio bytes into one byte stream per channel, so that each side of a call goes
 * to its own mono stream. A frame cut across two messages is carried over to the next.
 */
export class ChannelSplitter {
  private readonly sampleBytes: number;
  private readonly frameBytes: number;
  private carry = new Uint8Array(0);

  constructor(
    encoding: PcmEncoding,
    private readonly channels: number,
  ) {
    this.sampleBytes = BYTES_PER_SAMPLE[encoding];
    this.frameBytes = this.sampleBytes * channels;
  }

  split(bytes: Uint8Array): Uint8Array[] {
    const all = this.carry.length > 0 ? Buffer.concat([this.carry, bytes]) : bytes;
    const frames = Math.floor(all.length / this.frameBytes);
    this.carry = all.slice(frames * this.frameBytes);
    const out = Array.from({ length: this.channels }, () => new Uint8Array(frames * this.sampleBytes));
    for (let f = 0; f < frames; f++) {
      for (let c = 0; c < this.channels; c++) {
        const from = f * this.frameBytes + c * this.sampleBytes;
        out[c].set(all.subarray(from, from + this.sampleBytes), f * this.sampleBytes);
      }
    }
    return out;
  }
}
