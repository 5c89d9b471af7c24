import { readFileSync } from 'node:fs';
import t from 'tap';
import { decodeAudioFile } from '../src/stream/audioFile.js';
import { resampleAll } from '../src/stream/resampler.js';
import { SileroVad, VAD_WINDOW } from '../src/vad/sileroVad.js';
import { noise } from './helpers/signals.js';

const caller = await decodeAudioFile(readFileSync('examples/audio/caller.wav'));
const speech = await resampleAll(caller.samples, caller.sampleRate);

function windows(signal: Float32Array): Float32Array[] {
  return Array.from({ length: Math.floor(signal.length / VAD_WINDOW) }, (_, i) => signal.subarray(i * VAD_WINDOW, (i + 1) * VAD_WINDOW));
}

t.test('Silero VAD: speech scores high, silence low', async (t) => {
  const vad = await SileroVad.load();
  t.teardown(() => vad.close());
  const stream = vad.createStream();
  const probabilities: number[] = [];
  for (const w of windows(speech.subarray(0, 16000 * 2))) probabilities.push(await stream.probability(w));
  t.ok(probabilities.filter((p) => p >= 0.5).length > probabilities.length / 2, 'most of 2 s of speech is speech');
  const quiet = vad.createStream();
  for (const w of windows(noise(16000, 3, 0.001))) t.ok((await quiet.probability(w)) < 0.2, 'faint noise is not speech');
  await t.rejects(stream.probability(new Float32Array(100)), RangeError);
});

t.test('streams scored together in one batch get what each gets alone', async (t) => {
  const vad = await SileroVad.load();
  t.teardown(() => vad.close());
  const signals = [speech.subarray(0, 16000 * 3), speech.subarray(16000, 16000 * 4), noise(16000 * 3, 7, 0.05)];
  const alone: number[][] = [];
  for (const signal of signals) {
    const stream = vad.createStream();
    const p: number[] = [];
    for (const w of windows(signal)) p.push(await stream.probability(w));
    alone.push(p);
  }
  const streams = signals.map(() => vad.createStream());
  const together: number[][] = signals.map(() => []);
  const count = windows(signals[0]).length;
  for (let i = 0; i < count; i++) {
    // every stream's i-th window is waiting at once: one inference call for all three
    const p = await Promise.all(signals.map((s, k) => streams[k].probability(windows(s)[i])));
    p.forEach((v, k) => together[k].push(v));
  }
  for (let k = 0; k < signals.length; k++) {
    const worst = Math.max(...alone[k].map((v, i) => Math.abs(v - together[k][i])));
    t.ok(worst < 1e-5, `stream ${k}: largest difference ${worst}`);
  }
});
