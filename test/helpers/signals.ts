/** Deterministic test signals: the same every run, so a failure can be reproduced. */

/** Park-Miller minimal standard generator, uniform in (0, 1). */
export function prng(seed: number): () => number {
  let state = seed % 2147483647 || 1;
  return () => {
    state = (state * 16807) % 2147483647;
    return state / 2147483647;
  };
}

export function sine(frequency: number, rate: number, samples: number, amplitude = 0.5): Float32Array {
  const out = new Float32Array(samples);
  for (let i = 0; i < samples; i++) out[i] = amplitude * Math.sin((2 * Math.PI * frequency * i) / rate);
  return out;
}

export function noise(samples: number, seed: number, amplitude = 0.5): Float32Array {
  const random = prng(seed);
  const out = new Float32Array(samples);
  for (let i = 0; i < samples; i++) out[i] = amplitude * (2 * random() - 1);
  return out;
}

/** Splits `signal` into consecutive chunks of random sizes from 1 to maxChunk (empty chunks included when allowEmpty). */
export function randomChunks<T extends { length: number; subarray(a: number, b: number): T }>(
  signal: T,
  seed: number,
  maxChunk: number,
  allowEmpty = false,
): T[] {
  const random = prng(seed);
  const chunks: T[] = [];
  for (let i = 0; i < signal.length; ) {
    const size = Math.floor(random() * (maxChunk + 1)) || (allowEmpty ? 0 : 1);
    chunks.push(signal.subarray(i, i + size));
    i += size;
  }
  return chunks;
}

export function bytesEqual(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
