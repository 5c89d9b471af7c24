/**
 * Where inference runs. 'auto' tries CUDA (needs the CUDA provider installed, see README), then WebGPU (bundled with
 * onnxruntime-node; Vulkan on Linux), then the CPU. Asking onnxruntime-node for a GPU provider it cannot load throws
 * rather than falling back, so each is tried in turn with its own session. 'auto' skips a GPU provider whose
 * libraries are plainly absent, which spares the log the native libraries' own complaints about them.
 */
export type Device = 'auto' | 'cuda' | 'webgpu' | 'cpu';

export interface SessionOptions {
  device?: Device;
  /** Threads one inference may use (onnxruntime's intra-op threads); default 1, since streams run side by side. */
  threads?: number;
}
