/** 16 kHz speech parts joined into one call: `pauseS` seconds of digital silence before each part and after the last. */
export function withPauses(parts: Float32Array[], pauseS: number): Float32Array {
  const gap = 16000 * pauseS;
  const out = new Float32Array(parts.reduce((n, p) => n + p.length + gap, gap));
  let at = gap;
  for (const p of parts) {
    out.set(p, at);
    at += p.length + gap;
  }
  return out;
}
