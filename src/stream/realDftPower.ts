import PFFFT from '@echogarden/pffft-wasm/simd';

/** PFFFT (BSD licence), compiled to WebAssembly with SIMD; one instance per thread, ready once this module loads. */
const pffft = await PFFFT();
const REAL = 0;
const FORWARD = 0;

/** Per DFT size, the transform's plan and its input, output and work buffers in the module's heap: shared by every
 *  RealDftPower of the thread, since `power` runs start to end without yielding. */
interface Plan {
  setup: number;
  input: number;
  output: number;
  work: number;
}
const plans = new Map<number, Plan>();

function planFor(size: number): Plan {
  let plan = plans.get(size);
  if (!plan) {
    // PFFFT's real transforms take sizes 2^a 3^b 5^c that are multiples of 32 (800 = 32 * 25); it does not check.
    if (!Number.isInteger(size) || size <= 0 || size % 32 !== 0 || [2, 3, 5].reduce((n, p) => stripped(n, p), size) !== 1) {
      throw new RangeError(`RealDftPower: a ${size}-point real DFT is not supported (need 2^a 3^b 5^c, a multiple of 32)`);
    }
    const setup = pffft._pffft_new_setup(size, REAL);
    const buffer = () => pffft._pffft_aligned_malloc(4 * size);
    plan = { setup, input: buffer(), output: buffer(), work: buffer() };
    plans.set(size, plan);
  }
  return plan;
}

function stripped(n: number, factor: number): number {
  while (n % factor === 0) n /= factor;
  return n;
}

/**
 * Power spectrum |X_k|^2, k = 0..bins-1, of the `dftSize`-point DFT of a windowed real frame of `frameLength` samples
 * zero-padded to dftSize: the DFT at its own size (no power-of-two padding, which would change the bins' spacing),
 * in single precision, as the samples are.
 */
export class RealDftPower {
  private readonly window: Float32Array;
  private readonly plan: Plan;

  constructor(
    readonly dftSize: number,
    readonly frameLength: number,
    readonly bins: number,
    window: Float64Array,
  ) {
    if (frameLength > dftSize || bins > dftSize / 2 || window.length !== frameLength) {
      throw new RangeError('RealDftPower: need frameLength <= dftSize, bins <= dftSize / 2, window.length === frameLength');
    }
    this.plan = planFor(dftSize);
    this.window = Float32Array.from(window);
  }

  /** Writes |X_k|^2 for k < bins into `out`, reading frameLength samples of `samples` from `offset`. */
  power(samples: Float32Array, offset: number, out: Float64Array): void {
    const { frameLength, dftSize, bins, window, plan } = this;
    const heap = pffft.HEAPF32; // read each time: the view is replaced if the module's memory grows
    const input = plan.input >> 2;
    for (let n = 0; n < frameLength; n++) heap[input + n] = samples[offset + n] * window[n];
    heap.fill(0, input + frameLength, input + dftSize);
    pffft._pffft_transform_ordered(plan.setup, plan.input, plan.output, plan.work, FORWARD);
    // Ordered real output: X_0 and X_{N/2} (both real) first, then re, im of X_1 .. X_{N/2-1}.
    const x = plan.output >> 2;
    out[0] = heap[x] * heap[x];
    for (let k = 1; k < bins; k++) {
      const re = heap[x + 2 * k];
      const im = heap[x + 2 * k + 1];
      out[k] = re * re + im * im;
    }
  }
}
