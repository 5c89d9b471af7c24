import type { ModelInputs, ModelOutputs } from './inferenceBackend.js';
import { KSERVE_OUTPUTS, outputsByName, type EncodedRequest, type KServeCodec, type ResponseTensor } from './kserveCodec.js';

/** Tensors as JSON arrays: the protocol's base form, which every v2 server accepts. */
export const kserveJsonCodec: KServeCodec = {
  name: 'json',

  encode({ features, dims, lengths }: ModelInputs): EncodedRequest {
    const body = {
      inputs: [
        { name: 'features', datatype: 'FP32', shape: [...dims], data: Array.from(features) },
        { name: 'lengths', datatype: 'INT64', shape: [lengths.length], data: Array.from(lengths, Number) },
      ],
      outputs: KSERVE_OUTPUTS.map((name) => ({ name })),
    };
    return { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
  },

  decode(body: Uint8Array): ModelOutputs {
    const get = outputsByName((JSON.parse(Buffer.from(body).toString('utf8')) as { outputs?: ResponseTensor[] }).outputs);
    const data = (name: string) => {
      const o = get(name);
      if (!Array.isArray(o.data)) throw new Error(`the response's output '${name}' has no JSON data`);
      return o.data;
    };
    return {
      probabilities: Float32Array.from(data('probabilities')),
      attention: Float32Array.from(data('attention')),
      attentionDims: get('attention').shape,
      attentionLengths: BigInt64Array.from(data('attention_lengths'), (v) => BigInt(v)),
    };
  },
};
