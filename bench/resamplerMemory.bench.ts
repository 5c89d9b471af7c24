/**
 * Memory after many short streams at different input rates: 5,000 streams, 250 open at a time, each at its own
 * integer rate from 8,000 Hz up, each fed 0.5 s of noise and ended. Prints RSS before, at the peak and after the
 * streams end (after a garbage collection), the converters still open and the converters' shared WebAssembly memory.
 * Run: npm run build && node --expose-gc dist/bench/resamplerMemory.bench.js
 */
import { StreamingResampler } from '../src/stream/resampler.js';
import { converterMemoryBytes, openConverterCount } from '../src/stream/speexConverter.js';

const STREAMS = 5000;
const AT_ONCE = 250;
const mb = () => (process.memoryUsage.rss() / 2 ** 20).toFixed(0);
const gc = () => (globalThis as { gc?: () => void }).gc?.();

gc();
const before = mb();
let peak = 0;
for (let first = 0; first < STREAMS; first += AT_ONCE) {
  const open = await Promise.all(Array.from({ length: AT_ONCE }, (_, i) => StreamingResampler.create(8000 + first + i)));
  for (const r of open) r.push(new Float32Array(4000 + first).map(() => Math.random() - 0.5));
  peak = Math.max(peak, process.memoryUsage.rss() / 2 ** 20);
  open.forEach((r) => r.flush());
  if (process.argv[2] === "gc") gc();
}
await new Promise((r) => setTimeout(r, 100));
gc();
console.log(
  `RSS before ${before} MB, peak ${peak.toFixed(0)} MB, after ${mb()} MB; converters open ${openConverterCount()}, their memory ${(converterMemoryBytes() / 2 ** 20).toFixed(0)} MB`,
);
