/**
 * A stream's running noise floor, for the VAD's rule that an open line's quiet windows cannot start an utterance.
 *
 * The floor is the smoothed mean power of the windows the network scored as clearly not speech. Once the network
 * has heard SETTLE such windows in a row, a window met outside any utterance whose mean power is no more than
 * MARGIN_DB above the floor is answered as silence without the network: the line's own hiss, hum or comfort noise, as it was when the
 * network last heard it. Speech lies well above it (a syllable's onset is 10 dB and more over an open line's noise),
 * and a line that gets louder is scored again and raises the floor. Windows answered this way only ever lower it (a
 * floor raised by a burst of noise comes back down), so it cannot creep upwards by its own margin. Effect on
 * boundaries and on the network calls saved: bench/vadSkip.bench.ts, BENCHMARKS.md.
 */
export const MARGIN_DB = 3;
/** Probability below which a scored window is taken as the line's noise. */
const NOISE_PROBABILITY = 0.1;
/** Noise windows the network must hear in a row before any is skipped (a quarter of a second), so that the floor
 *  is the line's present noise and the network's recurrent state, kept as it is over skipped windows, is one of noise. */
export const SETTLE = 8;
/** Weight of each new noise window in the floor: it follows the line over about ten windows (a third of a second). */
const SMOOTHING = 0.1;
const MARGIN = 10 ** (MARGIN_DB / 10);

export class NoiseFloor {
  private floor = 0;
  private heard = 0;
  /** Noise windows scored since the last window that was not noise. */
  private settled = 0;

  /** A window the network scored: its mean power and speech probability. */
  learn(power: number, probability: number): void {
    if (probability >= NOISE_PROBABILITY) {
      this.settled = 0;
      return;
    }
    this.floor = this.heard === 0 ? power : this.floor + SMOOTHING * (power - this.floor);
    this.heard++;
    this.settled++;
  }

  /** Whether a window of this mean power may be answered as the line's noise without the network. */
  quiet(power: number): boolean {
    if (this.settled < SETTLE || power > this.floor * MARGIN) return false;
    if (power < this.floor) this.floor += SMOOTHING * (power - this.floor);
    return true;
  }
}

export function meanPower(window: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < window.length; i++) sum += window[i] * window[i];
  return sum / window.length;
}
