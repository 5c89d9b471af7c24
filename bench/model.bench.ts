/**
 * Inference latency of one utterance, 1 to 30 s, on the CPU with 1 and 2 threads: the project's EmotionModel.predict
 * (tensor packing, onnxruntime, unpacking, activity scores), onnxruntime's raw session.run on the same input, and
 * PyTorch eager on the same model where PyTorch is installed. Prints a Markdown table.
 * Run: npm run bench (after the front-end benchmark), or node dist/bench/model.bench.js [model.onnx]
 */
import { execFileSync } from 'node:child_process';
import ort from 'onnxruntime-node';
import { EmotionModel } from '../src/model/emotionModel.js';
import { loadEmotionModel } from '../src/model/loadModel.js';
import { PYTHON, modelFile, randomModel } from './benchModel.js';
import { SPECTROGRAM } from '../src/stream/spectrogram.js';

const SECONDS = [1, 3, 10, 30];
const THREADS = [1, 2];
const RUNS = 30;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

async function measure(run: () => Promise<unknown>): Promise<{ median: number; p95: number }> {
  for (let i = 0; i < 3; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { median: percentile(times, 0.5), p95: percentile(times, 0.95) };
}

function hasTorch(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import torch, onnx'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function spectrogramOf(seconds: number) {
  const frames = Math.floor((seconds * 16000 - SPECTROGRAM.windowLength) / SPECTROGRAM.hopLength) + 1;
  const data = Float32Array.from({ length: frames * SPECTROGRAM.bins }, (_, i) => -8 + 3 * Math.sin(i * 0.37));
  return { frames, bins: SPECTROGRAM.bins, data };
}

const torch = hasTorch();
const { path, random } = modelFile();
const eager: Record<string, Record<string, { median_ms: number; p95_ms: number }>> = torch && random
  ? JSON.parse(execFileSync(PYTHON, ['-m', 'ser_training.bench_eager', '--seconds', SECONDS.join(','), '--threads', THREADS.join(',')], { cwd: 'training' }).toString())
  : {};

const rows: string[] = [];
for (const threads of THREADS) {
  const model: EmotionModel = await loadEmotionModel(path, { device: 'cpu', threads, thread: 'main', log: () => {} });
  const raw = await ort.InferenceSession.create(path, { executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1 });
  for (const seconds of SECONDS) {
    const input = spectrogramOf(seconds);
    const { frames, data } = input;
    const ours = await measure(() => model.predict(input));
    const feeds = {
      features: new ort.Tensor('float32', data, [1, frames, SPECTROGRAM.bins]),
      lengths: new ort.Tensor('int64', BigInt64Array.from([BigInt(frames)]), [1]),
    };
    const plain = await measure(() => raw.run(feeds));
    const py = eager[threads]?.[`${seconds}.0`];
    rows.push(
      `| ${seconds} s | ${threads} | ${ours.median.toFixed(1)} / ${ours.p95.toFixed(1)} | ${plain.median.toFixed(1)} / ${plain.p95.toFixed(1)} | ` +
        `${(ours.median / plain.median).toFixed(2)} | ${py ? `${py.median_ms.toFixed(1)} / ${py.p95_ms.toFixed(1)}` : 'n/a'} |`,
    );
  }
  await model.close();
  await raw.release();
}

console.log(`Model inference on the CPU, ${path.includes('ser-bench-') ? 'random-weight AlexNet-encoder model' : path}, ${RUNS} runs after 3 warm-ups\n`);
console.log('| utterance | threads | EmotionModel.predict ms (median / p95) | raw session.run ms | ratio | PyTorch eager ms |\n|---|---|---|---|---|---|');
console.log(rows.join('\n'));

if (torch) {
  // LRN exported as torch's decomposition into plain ops (the default) against the ONNX LRN operator.
  const lrnRows: string[] = [];
  for (const lrn of ['plain', 'native'] as const) {
    const model = await loadEmotionModel(randomModel(lrn), { device: 'cpu', threads: 1, thread: 'main', log: () => {} });
    const cells = [];
    for (const seconds of [3, 10]) {
      const input = spectrogramOf(seconds);
      cells.push((await measure(() => model.predict(input))).median.toFixed(1));
    }
    lrnRows.push(`| ${lrn === 'plain' ? 'plain ops (default)' : 'ONNX LRN operator'} | ${cells.join(' | ')} |`);
    await model.close();
  }
  console.log('\nLRN export, 1 thread, median ms\n\n| LRN as | 3 s | 10 s |\n|---|---|---|');
  console.log(lrnRows.join('\n'));
}
