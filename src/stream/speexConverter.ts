import createModule, { type SpeexResamplerModule } from '@echogarden/speex-resampler-wasm/simd';
import { MAX_INPUT_RATE, MIN_INPUT_RATE } from './audioFormat.js';
import { concatFloat32 } from './concatFloat32.js';
import { AudioInputError } from './errors.js';

/**
 * One SpeexDSP resampler state per stream, all in one shared WebAssembly module. A state is a few kilobytes of the
 * module's heap (its filter table and history), freed by `destroy()` for the next stream to reuse, so memory follows
 * the number of streams open now, never the number that have come and gone, whatever their rates.
 */
let loading: Promise<Shared> | undefined;
let loaded: Shared | undefined;

interface Shared {
  module: SpeexResamplerModule;
  /** Scratch space every converter uses in turn (JavaScript runs one `process` at a time). */
  input: number;
  output: number;
  inLength: number;
  outLength: number;
  error: number;
}

/** Input samples per call into the module; the output block is sized for the largest upsampling ratio accepted. */
const BLOCK = 2048;
const OUTPUT_BLOCK = Math.ceil((BLOCK * MAX_INPUT_RATE) / MIN_INPUT_RATE) + 64;

function loadShared(): Promise<Shared> {
  loading ??= createModule().then((module) => {
    loaded = {
      module,
      input: module._malloc(BLOCK * 4),
      output: module._malloc(OUTPUT_BLOCK * 4),
      inLength: module._malloc(4),
      outLength: module._malloc(4),
      error: module._malloc(4),
    };
    return loaded;
  });
  return loading;
}

let open = 0;

/** Converters created and not yet destroyed (for tests and monitoring). */
export function openConverterCount(): number {
  return open;
}

/** Bytes of the shared module's memory: its high-water mark, since WebAssembly memory never shrinks. */
export function converterMemoryBytes(): number {
  return loaded?.module.HEAPU8.length ?? 0;
}

export class SpeexConverter {
  private state: number;

  private constructor(
    private readonly shared: Shared,
    state: number,
  ) {
    this.state = state;
  }

  /** quality: SpeexDSP's 0 (shortest filter) to 10 (longest). */
  static async create(inputRate: number, outputRate: number, quality: number): Promise<SpeexConverter> {
    const shared = await loadShared();
    const { module } = shared;
    const state = module._speex_resampler_init(1, inputRate, outputRate, quality, shared.error);
    if (state === 0) {
      const code = module.HEAPU32[shared.error >> 2];
      throw new AudioInputError('INVALID_ARGUMENT', `resampler ${inputRate} -> ${outputRate} Hz could not be set up (SpeexDSP error ${code})`);
    }
    // Drops the filter's leading delay, so output sample k is at the time of output sample k of the ideal resampling.
    module._speex_resampler_skip_zeros(state);
    open++;
    return new SpeexConverter(shared, state);
  }

  /** Resamples the next chunk of the stream: all of it is consumed, the output is every sample it completes. */
  process(chunk: Float32Array): Float32Array {
    if (this.state === 0) throw new AudioInputError('INVALID_ARGUMENT', 'audio pushed to a destroyed resampler');
    const { module, input, output, inLength, outLength } = this.shared;
    const parts: Float32Array[] = [];
    for (let offset = 0; offset < chunk.length; ) {
      const n = Math.min(BLOCK, chunk.length - offset);
      module.HEAPF32.set(chunk.subarray(offset, offset + n), input >> 2);
      module.HEAPU32[inLength >> 2] = n;
      module.HEAPU32[outLength >> 2] = OUTPUT_BLOCK;
      module._speex_resampler_process_float(this.state, 0, input, inLength, output, outLength);
      const produced = module.HEAPU32[outLength >> 2];
      parts.push(module.HEAPF32.slice(output >> 2, (output >> 2) + produced));
      offset += module.HEAPU32[inLength >> 2];
    }
    return concatFloat32(parts);
  }

  destroy(): void {
    if (this.state === 0) return;
    this.shared.module._speex_resampler_destroy(this.state);
    this.state = 0;
    open--;
  }
}
