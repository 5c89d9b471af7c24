import type { InferenceBackend, ModelInputs, ModelOutputs } from './inferenceBackend.js';

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
}

interface Tensor {
  name: string;
  datatype: string;
  shape: number[];
  data: number[];
}

/**
 * The emotion network served by an inference server that speaks the KServe v2 (Open Inference Protocol) REST API:
 * NVIDIA Triton, KServe, Seldon MLServer and others. Requests carry JSON tensors (`features` FP32 [B, T, 200],
 * `lengths` INT64 [B]) to POST /v2/models/{model}[/versions/{version}]/infer; the outputs come back the same way.
 * See docs/scaling.md for serving the shipped ONNX file from Triton.
 */
export class KServeBackend implements InferenceBackend {
  readonly provider: string;
  readonly skipped = [];
  private readonly endpoint: string;

  constructor(private readonly options: KServeBackendOptions) {
    const base = options.url.replace(/\/+$/, '');
    this.endpoint = `${base}/v2/models/${encodeURIComponent(options.model)}${options.version ? `/versions/${encodeURIComponent(options.version)}` : ''}/infer`;
    this.provider = `KServe v2 ${base} (${options.model})`;
  }

  async run({ features, dims, lengths }: ModelInputs): Promise<ModelOutputs> {
    const body = {
      inputs: [
        { name: 'features', datatype: 'FP32', shape: [...dims], data: Array.from(features) },
        { name: 'lengths', datatype: 'INT64', shape: [lengths.length], data: Array.from(lengths, Number) },
      ],
      outputs: [{ name: 'probabilities' }, { name: 'attention' }, { name: 'attention_lengths' }],
    };
    const response = await fetch(this.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...this.options.headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${this.endpoint}: HTTP ${response.status}: ${text.slice(0, 200)}`);
    const outputs = new Map((JSON.parse(text) as { outputs?: Tensor[] }).outputs?.map((o) => [o.name, o]) ?? []);
    const get = (name: string) => {
      const o = outputs.get(name);
      if (!o || !Array.isArray(o.data)) throw new Error(`${this.endpoint}: the response has no output '${name}'`);
      return o;
    };
    const attention = get('attention');
    return {
      probabilities: Float32Array.from(get('probabilities').data),
      attention: Float32Array.from(attention.data),
      attentionDims: attention.shape,
      attentionLengths: BigInt64Array.from(get('attention_lengths').data, (v) => BigInt(v)),
    };
  }

  async close(): Promise<void> {}
}
