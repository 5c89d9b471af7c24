/**
 * Latency of one 3 s utterance through each inference backend, side by side in alternating rounds: onnxruntime in
 * the calling thread, in the plugin's worker thread, and KServe's model server (serving/kserve_model.py, one
 * onnxruntime thread, on this machine) over REST with JSON tensors and with the binary tensor extension.
 * Run: npm run build && node dist/bench/kserve.bench.js [rounds]
 */
import { readFileSync } from 'node:fs';
import { EmotionModel } from '../src/model/emotionModel.js';
import { KServeBackend } from '../src/model/kserveBackend.js';
import { SPECTROGRAM } from '../src/stream/spectrogram.js';
import { kserveProcess, missingKServe } from './kserveProcess.js';

const MODEL = 'models/ser-default.onnx';
const ROUNDS = Number(process.argv[2] ?? 10);
const PER_ROUND = 10;

const missing = missingKServe();
if (missing) throw new Error(missing);
const server = await kserveProcess(MODEL);
const bytes = readFileSync(MODEL);
const quiet = { log: () => {} };
const backends: [string, EmotionModel][] = [
  ['onnxruntime, calling thread', await EmotionModel.fromBytes(bytes, MODEL, { ...quiet, thread: 'main' })],
  ['onnxruntime, worker thread', await EmotionModel.fromBytes(bytes, MODEL, { ...quiet, thread: 'worker' })],
  ['KServe REST, JSON', await EmotionModel.fromBytes(bytes, MODEL, { ...quiet, backend: new KServeBackend({ url: server.url, model: 'ser', encoding: 'json' }) })],
  ['KServe REST, binary', await EmotionModel.fromBytes(bytes, MODEL, { ...quiet, backend: new KServeBackend({ url: server.url, model: 'ser', encoding: 'binary' }) })],
];
const frames = Math.floor((3 * 16000 - SPECTROGRAM.windowLength) / SPECTROGRAM.hopLength) + 1;
const input = { frames, bins: SPECTROGRAM.bins, data: Float32Array.from({ length: frames * SPECTROGRAM.bins }, (_, i) => -8 + 3 * Math.sin(i * 0.37)) };

const times = new Map(backends.map(([name]) => [name, [] as number[]]));
for (const [, model] of backends) for (let i = 0; i < 3; i++) await model.predict(input);
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, model] of backends) {
    for (let i = 0; i < PER_ROUND; i++) {
      const start = performance.now();
      await model.predict(input);
      times.get(name)!.push(performance.now() - start);
    }
  }
}
for (const [, model] of backends) await model.close();
await server.stop();

const at = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
console.log(`One 3 s utterance (${frames} frames), ${ROUNDS} alternating rounds of ${PER_ROUND}; KServe's server on this machine\n`);
console.log('| backend | median ms | p95 ms |\n|---|---|---|');
for (const [name, list] of times) {
  const sorted = [...list].sort((a, b) => a - b);
  console.log(`| ${name} | ${at(sorted, 0.5).toFixed(1)} | ${at(sorted, 0.95).toFixed(1)} |`);
}
