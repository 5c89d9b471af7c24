declare module '@echogarden/speex-resampler-wasm/simd' {
  /** The Emscripten module of SpeexDSP's resampler (float build): its C API over one shared WebAssembly memory. */
  export interface SpeexResamplerModule {
    /** The module's memory as floats; replaced when the memory grows, so read it after every allocation. */
    readonly HEAPF32: Float32Array;
    readonly HEAPU8: Uint8Array;
    readonly HEAPU32: Uint32Array;
    _malloc(bytes: number): number;
    _free(pointer: number): void;
    _speex_resampler_init(channels: number, inRate: number, outRate: number, quality: number, errorPointer: number): number;
    _speex_resampler_destroy(state: number): void;
    _speex_resampler_skip_zeros(state: number): number;
    _speex_resampler_process_float(state: number, channel: number, input: number, inLengthPointer: number, output: number, outLengthPointer: number): number;
    _speex_resampler_strerror(code: number): number;
  }
  export default function createModule(options?: object): Promise<SpeexResamplerModule>;
}
