import type ort from 'onnxruntime-node';
import type { OnnxRuntime } from '../onnxRuntime.js';
import { openSession } from './executionProviders.js';
import type { SessionOptions } from './sessionOptions.js';

/** The network's inputs: features [batch, frames, 200] float32 (row-major) and each utterance's length in frames. */
export interface ModelInputs {
  features: Float32Array;
  dims: readonly [batch: number, frames: number, bins: number];
  lengths: BigInt64Array;
}

/** Utterances as 16 kHz audio, for a backend that computes their log spectrograms itself (in its own thread). */
export interface AudioInputs {
  /** Each utterance's samples, each in a buffer of its own (they may be transferred). */
  audio: Float32Array[];
  /** The network's minimum input in frames: shorter utterances are padded with silence up to it. */
  minFrames: number;
}

/** The network's outputs: probabilities [batch, classes], attention [batch, F', T'] and each map's valid width T'. */
export interface ModelOutputs {
  probabilities: Float32Array;
  attention: Float32Array;
  attentionDims: readonly number[];
  attentionLengths: BigInt64Array;
}

/**
 * Where the emotion network runs. EmotionModel does the checks, padding and unpacking; a backend only runs the ONNX
 * graph: in this thread (OrtSessionBackend), in a worker thread of this process (WorkerBackend, the default of the
 * plugin, which keeps inference off the event loop that carries the audio), or elsewhere (an inference server: any
 * object with this shape).
 */
export interface InferenceBackend {
  /** What runs it, for logs: 'cpu', 'cuda', 'webgpu', or a remote description. */
  readonly provider: string;
  /** Why faster providers were not used. */
  readonly skipped: readonly { provider: string; reason: string }[];
  run(inputs: ModelInputs): Promise<ModelOutputs>;
  /**
   * Optional: computes the features of utterances' audio (featuresFromAudio) and runs them, where the backend
   * computes, so that a thread of its own takes the spectrogram's cost off the caller's. Without it EmotionModel
   * computes the features in the calling thread and calls run.
   */
  runAudio?(inputs: AudioInputs): Promise<ModelOutputs>;
  /** Releases the model; called once no run is in flight. */
  close(): Promise<void>;
}

/** onnxruntime-node in the calling thread. Its session.run computes synchronously on that thread. */
export class OrtSessionBackend implements InferenceBackend {
  private constructor(
    private readonly runtime: OnnxRuntime,
    private readonly session: ort.InferenceSession,
    readonly provider: string,
    readonly skipped: { provider: string; reason: string }[],
  ) {}

  static async open(model: Uint8Array, options: SessionOptions = {}): Promise<OrtSessionBackend> {
    const opened = await openSession(model, options);
    return new OrtSessionBackend(opened.runtime, opened.session, opened.provider, opened.skipped);
  }

  async run({ features, dims, lengths }: ModelInputs): Promise<ModelOutputs> {
    const outputs = await this.session.run({
      features: new this.runtime.Tensor('float32', features, [...dims]),
      lengths: new this.runtime.Tensor('int64', lengths, [lengths.length]),
    });
    return {
      probabilities: outputs.probabilities.data as Float32Array,
      attention: outputs.attention.data as Float32Array,
      attentionDims: outputs.attention.dims,
      attentionLengths: outputs.attention_lengths.data as BigInt64Array,
    };
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
