import type { InferenceBackend, ModelInputs, ModelOutputs } from './inferenceBackend.js';
import { kserveBinaryCodec } from './kserveBinaryCodec.js';
import type { KServeCodec } from './kserveCodec.js';
import { kserveJsonCodec } from './kserveJsonCodec.js';

const CODECS: Record<'json' | 'binary', KServeCodec> = { json: kserveJsonCodec, binary: kserveBinaryCodec };

export interface KServeBackendOptions {
  /** The inference server's HTTP address, e.g. http://triton:8000 */
  url: string;
  /** The model's name in the server's repository. */
  model: string;
  /** A model version; the server's default policy when left out. */
  version?: string;
  /** Extra request headers (authentication, say). */
  headers?: Record<string, string>;
  /** Per-request time limit in ms (default 10 s). */
  timeoutMs?: number;
  /**
   * How tensors travel: 'json' (default; every v2 server takes it) or 'binary', the binary tensor data extension
   * that KServe and Triton implement (a 3 s utterance is 238 kB instead of 1.16 MB of JSON; BENCHMARKS.md).
   */
  encoding?: 'json' | 'binary';
}

/**
 * The emotion network served by an inference server that speaks the KServe v2 (Open Inference Protocol) REST API:
 * KServe's model server, NVIDIA Triton, Seldon MLServer and others. Requests carry the tensors (`features` FP32
 * [B, T, 200], `lengths` INT64 [B]) to POST /v2/models/{model}[/versions/{version}]/infer, as JSON or as binary
 * (KServeCodec); the outputs come back the same way. See docs/scaling.md for serving the shipped ONNX file.
 */
export class KServeBackend implements InferenceBackend {
  readonly provider: string;
  readonly skipped = [];
  private readonly endpoint: string;
  private readonly codec: KServeCodec;

  constructor(private readonly options: KServeBackendOptions) {
    const encoding = options.encoding ?? 'json';
    if (!Object.hasOwn(CODECS, encoding)) throw new RangeError(`encoding '${String(encoding)}' is not one of ${Object.keys(CODECS).join(', ')}`);
    this.codec = CODECS[encoding];
    const base = options.url.replace(/\/+$/, '');
    this.endpoint = `${base}/v2/models/${encodeURIComponent(options.model)}${options.version ? `/versions/${encodeURIComponent(options.version)}` : ''}/infer`;
    this.provider = `KServe v2 ${base} (${options.model}, ${encoding})`;
  }

  async run(inputs: ModelInputs): Promise<ModelOutputs> {
    const { body, headers } = this.codec.encode(inputs);
    const response = await fetch(this.endpoint, {
      method: 'POST',
      headers: { ...headers, ...this.options.headers },
      body,
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
    });
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (!response.ok) throw new Error(`${this.endpoint}: HTTP ${response.status}: ${Buffer.from(bytes.subarray(0, 200)).toString('utf8')}`);
    try {
      return this.codec.decode(bytes, (name) => response.headers.get(name));
    } catch (err) {
      throw new Error(`${this.endpoint}: ${(err as Error).message}`, { cause: err });
    }
  }

  async close(): Promise<void> {}
}
