import FFT from 'fft.js';

/**
 * Exact power spectrum |X_k|^2, k = 0..bins-1, of the `dftSize`-point DFT of a real frame of `frameLength` samples
 * (zero-padded to dftSize), for any dftSize, by Bluestein's chirp-z algorithm on power-of-two FFTs.
 *
 * With w_m = exp(-i pi m^2 / N), nk = (n^2 + k^2 - (k-n)^2) / 2 gives
 *   X_k = w_k * sum_n (x_n w_n) conj(w_{k-n}),
 * a linear convolution. Only n < frameLength and k < bins are needed, so k - n spans frameLength + bins - 1 values
 * and a circular convolution of size L >= frameLength + bins - 1 computes it without wrap-around (L = 1024 for the
 * paper's 640-sample frames, 800-point DFT and 200 bins). |w_k| = 1, so the power needs no post-multiplication, and
 * IFFT(C) = conj(FFT(conj C)) / L lets both steps use the forward transform.
 */
export class BluesteinPower {
  readonly fftSize: number;
  private readonly fft: FFT;
  /** Window times chirp w_n, interleaved complex, length 2 * frameLength. */
  private readonly windowedChirp: Float64Array;
  /** conj(FFT(b)) / L, b_m = conj(w_m) placed circularly for m = -(frameLength-1)..bins-1. */
  private readonly kernel: Float64Array;
  private readonly a: Float64Array;
  private readonly spectrum: Float64Array;
  private readonly result: Float64Array;

  constructor(
    readonly dftSize: number,
    readonly frameLength: number,
    readonly bins: number,
    window: Float64Array,
  ) {
    if (frameLength > dftSize || bins > dftSize || window.length !== frameLength) {
      throw new RangeError('BluesteinPower: need frameLength <= dftSize, bins <= dftSize, window.length === frameLength');
    }
    let size = 4; // fft.js needs a power of two of at least 4
    while (size < frameLength + bins - 1) size *= 2;
    this.fftSize = size;
    this.fft = new FFT(size);
    // pi m^2 / N reduced mod 2 pi exactly in integers (m^2 mod 2N) so large m loses no precision.
    const chirpAngle = (m: number) => (Math.PI * ((m * m) % (2 * dftSize))) / dftSize;

    this.windowedChirp = new Float64Array(2 * frameLength);
    for (let n = 0; n < frameLength; n++) {
      const angle = -chirpAngle(n);
      this.windowedChirp[2 * n] = window[n] * Math.cos(angle);
      this.windowedChirp[2 * n + 1] = window[n] * Math.sin(angle);
    }

    const b = new Float64Array(2 * size);
    for (let m = -(frameLength - 1); m < bins; m++) {
      const j = ((m % size) + size) % size;
      b[2 * j] = Math.cos(chirpAngle(m));
      b[2 * j + 1] = Math.sin(chirpAngle(m));
    }
    this.kernel = new Float64Array(2 * size);
    this.fft.transform(this.kernel, b);
    for (let j = 0; j < size; j++) {
      this.kernel[2 * j] /= size;
      this.kernel[2 * j + 1] /= -size;
    }
    this.a = new Float64Array(2 * size);
    this.spectrum = new Float64Array(2 * size);
    this.result = new Float64Array(2 * size);
  }

  /** Writes |X_k|^2 for k < bins into `out`, reading frameLength samples of `samples` from `offset`. */
  power(samples: Float32Array, offset: number, out: Float64Array): void {
    const { a, windowedChirp, spectrum, kernel, result, frameLength, bins } = this;
    for (let n = 0; n < frameLength; n++) {
      const x = samples[offset + n];
      a[2 * n] = x * windowedChirp[2 * n];
      a[2 * n + 1] = x * windowedChirp[2 * n + 1];
    }
    this.fft.transform(spectrum, a);
    // conj(A * B) = conj(A) * conj(B); kernel already holds conj(B) / L.
    for (let j = 0; j < spectrum.length; j += 2) {
      const re = spectrum[j];
      const im = -spectrum[j + 1];
      const kr = kernel[j];
      const ki = kernel[j + 1];
      spectrum[j] = re * kr - im * ki;
      spectrum[j + 1] = re * ki + im * kr;
    }
    this.fft.transform(result, spectrum);
    for (let k = 0; k < bins; k++) {
      const re = result[2 * k];
      const im = result[2 * k + 1];
      out[k] = re * re + im * im;
    }
  }
}
