declare module '@echogarden/pffft-wasm/simd' {
  /** PFFFT compiled to WebAssembly with SIMD (Emscripten): the module's exports, pointers into its heap. */
  export interface PffftModule {
    readonly HEAPF32: Float32Array;
    /** transform: 0 real, 1 complex; 0 (a null pointer) when the size is not supported. */
    _pffft_new_setup(size: number, transform: number): number;
    _pffft_destroy_setup(setup: number): void;
    /** direction: 0 forward, 1 backward. */
    _pffft_transform_ordered(setup: number, input: number, output: number, work: number, direction: number): void;
    _pffft_aligned_malloc(bytes: number): number;
    _pffft_aligned_free(pointer: number): void;
  }
  export default function PFFFT(): Promise<PffftModule>;
}
