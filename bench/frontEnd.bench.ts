/**
 * Front-end throughput, single core (Node runs this on one thread): the 800-point log spectrogram in batch and
 * streamed in 10 ms and 20 ms chunks, and the resampler's real-time factor in 20 ms chunks. Prints a Markdown table.
 * Run: npm run bench
 */
import { cpus } from 'node:os';
import { StreamingResampler, type ResamplerQuality } from '../src/stream/resampler.js';
import { logSpectrogram } from '../src/stream/spectrogram.js';
import { SpectrogramFramer } from '../src/stream/spectrogramFrames.js';

const SECONDS = 60;
const REPEATS = 5;

/** A speech-like test signal: harmonics of a gliding 120-220 Hz pitch in noise, so no code path sees only zeros. */
function testSignal(rate: number): Float32Array {
  const x = new Float32Array(rate * SECONDS);
  let phase = 0;
  let seed = 12345;
  for (let i = 0; i < x.length; i++) {
    phase += (2 * Math.PI * (170 + 50 * Math.sin((2 * Math.PI * i) / rate / 3))) / rate;
    seed = (seed * 16807) % 2147483647;
    let v = 0.02 * (seed / 2147483647 - 0.5);
    for (let h = 1; h <= 10; h++) v += (0.3 / h) * Math.sin(h * phase);
    x[i] = v;
  }
  return x;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Median wall time of `run` in ms, after one warm-up run. */
async function time(run: () => unknown): Promise<number> {
  await run();
  const times: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  return median(times);
}

const rows: string[] = [];
const x16 = testSignal(16000);
const frames = logSpectrogram(x16).frames;

const batchMs = await time(() => logSpectrogram(x16));
rows.push(`| spectrogram, batch | ${frames} frames | ${Math.round((frames / batchMs) * 1000)} frames/s | ${Math.round((SECONDS * 1000) / batchMs)}x |`);
for (const chunkMs of [10, 20]) {
  const size = 16 * chunkMs;
  const ms = await time(() => {
    const framer = new SpectrogramFramer();
    let count = 0;
    for (let i = 0; i < x16.length; i += size) framer.push(x16.subarray(i, i + size), () => count++);
    return count;
  });
  rows.push(`| spectrogram, streamed in ${chunkMs} ms chunks | ${frames} frames | ${Math.round((frames / ms) * 1000)} frames/s | ${Math.round((SECONDS * 1000) / ms)}x |`);
}
for (const rate of [8000, 48000]) {
  const x = testSignal(rate);
  const size = rate / 50;
  for (const quality of ['fastest', 'medium', 'best'] as ResamplerQuality[]) {
    const ms = await time(async () => {
      const resampler = await StreamingResampler.create(rate, quality);
      for (let i = 0; i < x.length; i += size) resampler.push(x.subarray(i, i + size));
      resampler.flush();
    });
    rows.push(`| resample ${rate / 1000}k -> 16k, ${quality}, 20 ms chunks | ${SECONDS} s | RTF ${(ms / (SECONDS * 1000)).toFixed(4)} | ${Math.round((SECONDS * 1000) / ms)}x |`);
  }
}

console.log(`Front end, ${SECONDS} s of audio, median of ${REPEATS} runs, one core of ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}\n`);
console.log('| what | input | throughput | real time |\n|---|---|---|---|');
console.log(rows.join('\n'));
