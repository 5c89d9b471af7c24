import type { ModelInputs, ModelOutputs } from './inferenceBackend.js';
import { KSERVE_OUTPUTS, outputsByName, type EncodedRequest, type KServeCodec, type ResponseTensor } from './kserveCodec.js';

const HEADER_LENGTH = 'inference-header-content-length';
const BYTES_PER_ELEMENT: Record<string, number> = { FP32: 4, INT64: 8 };

/**
 * The binary tensor data extension (KServe, Triton): a JSON header whose inputs carry `binary_data_size` instead of
 * `data`, followed by each tensor's raw bytes (little-endian, row-major) in the order listed; its length goes in the
 * Inference-Header-Content-Length header. The outputs are asked for as binary and come back the same way. A 3 s
 * utterance is 238 kB this way against 1.16 MB as JSON numbers.
 */
export const kserveBinaryCodec: KServeCodec = {
  name: 'binary',

  encode({ features, dims, lengths }: ModelInputs): EncodedRequest {
    const header = Buffer.from(
      JSON.stringify({
        inputs: [
          { name: 'features', datatype: 'FP32', shape: [...dims], parameters: { binary_data_size: features.byteLength } },
          { name: 'lengths', datatype: 'INT64', shape: [lengths.length], parameters: { binary_data_size: lengths.byteLength } },
        ],
        outputs: KSERVE_OUTPUTS.map((name) => ({ name, parameters: { binary_data: true } })),
      }),
    );
    const body = Buffer.concat([header, bytesOf(features), bytesOf(lengths)]);
    return { body, headers: { 'content-type': 'application/octet-stream', [HEADER_LENGTH]: String(header.length) } };
  },

  decode(body: Uint8Array, header: (name: string) => string | null): ModelOutputs {
    const given = header(HEADER_LENGTH);
    const jsonLength = given === null ? body.length : Number(given);
    if (!Number.isInteger(jsonLength) || jsonLength < 0 || jsonLength > body.length) {
      throw new Error(`the response's ${HEADER_LENGTH} (${given}) does not fit its ${body.length}-byte body`);
    }
    const outputs = (JSON.parse(Buffer.from(body.subarray(0, jsonLength)).toString('utf8')) as { outputs?: ResponseTensor[] }).outputs ?? [];
    // Binary outputs follow the JSON in the order the JSON lists them; an output may also come back as JSON.
    const bytes = new Map<string, Uint8Array>();
    let offset = jsonLength;
    for (const o of outputs) {
      const size = o.parameters?.binary_data_size;
      if (size === undefined) continue;
      if (!Number.isInteger(size) || size < 0 || offset + size > body.length) throw new Error(`the response's output '${o.name}' overruns its body`);
      bytes.set(o.name, body.subarray(offset, offset + size));
      offset += size;
    }
    const get = outputsByName(outputs);
    const values = (name: string): number[] | Float32Array | BigInt64Array => {
      const o = get(name);
      const raw = bytes.get(name);
      if (!raw) {
        if (!Array.isArray(o.data)) throw new Error(`the response's output '${name}' has no data`);
        return o.data;
      }
      const width = BYTES_PER_ELEMENT[o.datatype];
      const count = o.shape.reduce((a, b) => a * b, 1);
      if (!width || raw.length !== count * width) throw new Error(`the response's output '${name}' is ${raw.length} bytes, not ${count} ${o.datatype}`);
      const copy = new Uint8Array(raw); // aligned, and ours to keep
      return o.datatype === 'FP32' ? new Float32Array(copy.buffer) : new BigInt64Array(copy.buffer);
    };
    const lengths = values('attention_lengths');
    return {
      probabilities: Float32Array.from(values('probabilities') as ArrayLike<number>),
      attention: Float32Array.from(values('attention') as ArrayLike<number>),
      attentionDims: get('attention').shape,
      attentionLengths: lengths instanceof BigInt64Array ? lengths : BigInt64Array.from(lengths as number[], (v) => BigInt(v)),
    };
  },
};

/** The array's own bytes. Typed arrays are in the host's byte order, little-endian on every platform that
 *  onnxruntime-node ships for (x64, arm64), which is the order the extension asks for. */
function bytesOf(array: Float32Array | BigInt64Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}
