import type { ModelInputs, ModelOutputs } from './inferenceBackend.js';

/** The three outputs the network gives, in the order they are requested. */
export const KSERVE_OUTPUTS = ['probabilities', 'attention', 'attention_lengths'] as const;

/** An HTTP request body for POST /v2/models/{model}/infer, with the headers its form needs. */
export interface EncodedRequest {
  body: Uint8Array | string;
  headers: Record<string, string>;
}

/**
 * One wire form of the Open Inference Protocol's REST inference call: JSON tensors (kserveJsonCodec) or the binary
 * tensor data extension (kserveBinaryCodec). `decode` gets the response body and a header reader, and throws a
 * message (without the endpoint, which the backend adds) when the response does not hold the network's outputs.
 */
export interface KServeCodec {
  readonly name: 'json' | 'binary';
  encode(inputs: ModelInputs): EncodedRequest;
  decode(body: Uint8Array, header: (name: string) => string | null): ModelOutputs;
}

/** A response output as the protocol's JSON describes it. */
export interface ResponseTensor {
  name: string;
  datatype: string;
  shape: number[];
  data?: number[];
  parameters?: { binary_data_size?: number };
}

export function outputsByName(outputs: ResponseTensor[] | undefined): (name: string) => ResponseTensor {
  const byName = new Map(outputs?.map((o) => [o.name, o]) ?? []);
  return (name) => {
    const o = byName.get(name);
    if (!o) throw new Error(`the response has no output '${name}'`);
    return o;
  };
}
