/**
 * The live pipeline end to end (front end, Silero VAD, utterance assembly, inference through the shared queue):
 * latency from the VAD's end-of-utterance decision to the final emotion event, for 1, 3 and 10 s utterances, and the
 * CPU cost of one live stream at a 50% speech ratio, at 8, 16 and 48 kHz, with pauses of digital silence or line
 * noise, in all (every thread of the process) and on the event-loop thread alone. Prints Markdown.
 * Run: npm run bench, or node dist/bench/pipeline.bench.js [model.onnx]
 */
import { readFileSync } from 'node:fs';
import { EmotionPlugin } from '../src/plugin/emotionPlugin.js';
import type { EmotionEvent } from '../src/plugin/events.js';
import { decodeAudioFile } from '../src/stream/audioFile.js';
import { resampleAll } from '../src/stream/resampler.js';
import alawmulaw from 'alawmulaw';
import { modelFile } from './benchModel.js';
import { withPauses } from './withPauses.js';

const RUNS = 20;
const { path } = modelFile();
const audio = await decodeAudioFile(readFileSync('examples/audio/caller.wav'));
const speech16k = await resampleAll(audio.samples, audio.sampleRate);
/** Continuous speech: the sample's sentences with their pauses shortened below the VAD's hangover. */
const voiced = speech16k.subarray(0, 16000 * 2.3);

function utterance(seconds: number): Float32Array {
  const x = new Float32Array(16000 * seconds);
  for (let i = 0; i < x.length; i++) x[i] = voiced[i % voiced.length];
  return x;
}

const plugin = await EmotionPlugin.create({ model: path, log: () => {} });
const percentile = (v: number[], p: number) => [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor(p * v.length))];

async function stream(signal: Float32Array): Promise<EmotionEvent[]> {
  const s = await plugin.openStream({ sampleRate: 16000 });
  const finals: EmotionEvent[] = [];
  s.on('emotion', (e) => e.final && finals.push(e));
  for (let i = 0; i < signal.length; i += 320) await s.push(signal.subarray(i, i + 320)); // 20 ms chunks
  await s.close();
  return finals;
}

const rows: string[] = [];
for (const seconds of [1, 3, 10]) {
  const latencies: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    for (const e of await stream(withPauses([utterance(seconds)], 1))) latencies.push(e.latencyMs!);
  }
  rows.push(`| ${seconds} s | ${latencies.length} | ${percentile(latencies, 0.5).toFixed(1)} | ${percentile(latencies, 0.95).toFixed(1)} |`);
}

// One live stream: 60 s alternating 3 s of speech and 3 s of pause, processed as fast as possible; CPU time over
// audio time is the share of one core the stream needs in real time. At each rate a host sends: 8 kHz mu-law
// (telephony), 16 kHz and 48 kHz (WebRTC) PCM; the pauses are digital silence (a muted or gateway-filled line) or
// line noise at about -70 dBFS (an open phone line: never digital silence).
/** CPU ns of the calling thread (Linux's scheduler statistics; Node 20 has no per-thread CPU clock). */
function threadCpuNs(): number {
  return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
}

async function liveCost(rate: number, pause: 'silence' | 'noise'): Promise<{ share: number; loop: number; scored: number }> {
  const live16k = withPauses(Array.from({ length: 10 }, () => utterance(3)), 3).subarray(0, 16000 * 60);
  if (pause === 'noise') for (let i = 0; i < live16k.length; i++) live16k[i] += (Math.random() - 0.5) * 2 * 10 / 32768;
  const samples = rate === 16000 ? live16k : await resampleAll(live16k, 16000, rate);
  const pcm = Int16Array.from(samples, (v) => Math.round(Math.max(-1, Math.min(1, v)) * 32767));
  const bytes = rate === 8000 ? alawmulaw.mulaw.encode(pcm) : new Uint8Array(pcm.buffer);
  const chunk = rate === 8000 ? 160 : (rate / 50) * 2; // 20 ms
  const s = await plugin.openStream({ sampleRate: rate, encoding: rate === 8000 ? 'mulaw' : 'pcm_s16le' });
  let scored = 0;
  s.on('emotion', (e) => e.final && scored++);
  const cpu = process.cpuUsage();
  const loop = threadCpuNs();
  for (let i = 0; i < bytes.length; i += chunk) await s.push(bytes.subarray(i, i + chunk));
  await s.close();
  const used = process.cpuUsage(cpu);
  return { share: (100 * (used.user + used.system)) / 1e6 / 60, loop: (100 * (threadCpuNs() - loop)) / 1e9 / 60, scored };
}
const costs: string[] = [];
for (const [rate, pause] of [[8000, 'noise'], [8000, 'silence'], [16000, 'noise'], [16000, 'silence'], [48000, 'noise'], [48000, 'silence']] as const) {
  const runs = [];
  for (let r = 0; r < 3; r++) runs.push(await liveCost(rate, pause));
  const shares = runs.map((x) => x.share).sort((a, b) => a - b);
  const loops = runs.map((x) => x.loop).sort((a, b) => a - b);
  costs.push(`| ${rate / 1000} kHz | ${pause === 'noise' ? 'line noise' : 'digital silence'} | ${runs[0].scored} | ${shares[1].toFixed(2)}% (${shares[0].toFixed(2)}-${shares[2].toFixed(2)}) | ${loops[1].toFixed(2)}% |`);
}
await plugin.close();

console.log(`Live pipeline, ${path.includes('ser-bench-') ? 'random-weight AlexNet model' : path}, CPU inference, 1 thread\n`);
console.log(`Latency from the VAD's end decision to the final emotion event (${RUNS} runs each):\n`);
console.log('| utterance | events | p50 ms | p95 ms |\n|---|---|---|---|');
console.log(rows.join('\n'));
console.log('\nOne live stream, 60 s at 50% speech (3 s utterances), share of one core in real time (median of 3, range), all threads and the event loop:\n');
console.log('| rate | pauses | utterances | CPU | event loop |\n|---|---|---|---|---|');
console.log(costs.join('\n'));
