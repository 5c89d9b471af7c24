/** The Silero network's geometry per rate: a window of 32 ms, preceded by the end of the previous one (the context
 *  the reference implementation prepends), and a recurrent state [2, B, 128]. */
export type VadRate = 8000 | 16000;
export const GEOMETRY: Record<VadRate, { window: number; context: number }> = { 16000: { window: 512, context: 64 }, 8000: { window: 256, context: 32 } };
export const STATE_SIZE = 2 * 128;

/** One inference call: `size` streams' windows with their context, [size, context + window], and their states [2, size, 128]. */
export interface SileroBatch {
  rate: VadRate;
  size: number;
  input: Float32Array;
  state: Float32Array;
}

/** Speech probability per stream [size], and the states after the windows [2, size, 128]. */
export interface SileroResult {
  probabilities: Float32Array;
  state: Float32Array;
}

/**
 * Where the Silero network runs: in the calling thread (SileroSessionBackend, the default) or in a worker thread of
 * its own (SileroWorkerBackend), so that the windows of every stream are scored off the event loop.
 * A batch's arrays may be handed to the backend (transferred to a thread): the caller does not reuse them.
 */
export interface SileroBackend {
  run(batch: SileroBatch): Promise<SileroResult>;
  close(): Promise<void>;
}
