/**
 * What the VAD's noise-floor rule (src/vad/noiseFloor.ts) skips and what it moves: corpus speech as calls (one stream
 * per corpus, 20 four-class utterances, every 23rd row, each after a 3 s pause), pauses of line noise at three levels,
 * at 8 kHz through G.711 mu-law and at 16 kHz PCM. Each call runs twice, skipping digital silence only ('silence')
 * and also the windows at the noise floor ('noise', the default); per condition: the share of the network's calls
 * the rule saves, the utterances found by each, and how near their boundaries lie to those found on the clean
 * source (pauses of digital silence). Prints Markdown.
 * Run: node dist/bench/vadSkip.bench.js [path/to/shared/data]
 */
import alawmulaw from 'alawmulaw';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EmotionPlugin } from '../src/plugin/emotionPlugin.js';
import { decodeAudioFile } from '../src/stream/audioFile.js';
import { resampleAll } from '../src/stream/resampler.js';
import { withPauses } from './withPauses.js';

const DATA = process.argv[2] ?? '../shared/data';
const PAUSE_S = 3;
const PER_CORPUS = 20;
/** Uniform line noise of +-`steps` 16-bit steps: 10 (about -73 dBFS, the pipeline benchmark's), 40 and 160 (-49 dBFS). */
const NOISE_STEPS = [10, 40, 160];

const [header, ...lines] = readFileSync(join(DATA, 'manifest.csv'), 'utf8').trim().split('\n');
const columns = header.split(',');
const rows = lines
  .map((l) => Object.fromEntries(l.split(',').map((v, i) => [columns[i], v])))
  .filter((r) => ['angry', 'happy', 'sad', 'neutral'].includes(r.emotion));
const corpora = [...new Set(rows.map((r) => r.corpus))].sort();

async function call(corpus: string): Promise<Float32Array> {
  const picked = rows.filter((r) => r.corpus === corpus).filter((_, i) => i % 23 === 0).slice(0, PER_CORPUS);
  return withPauses(await Promise.all(picked.map(async (r) => (await decodeAudioFile(readFileSync(join(DATA, r.path)), r.path)).samples)), PAUSE_S);
}

const plugins = {
  silence: await EmotionPlugin.create({ log: () => {}, vadSkip: 'silence' }),
  noise: await EmotionPlugin.create({ log: () => {}, vadSkip: 'noise' }),
};

async function run(plugin: EmotionPlugin, rate: number, bytes: Uint8Array) {
  const stream = await plugin.openStream({ sampleRate: rate, encoding: rate === 8000 ? 'mulaw' : 'pcm_s16le' });
  const found: [number, number][] = [];
  stream.on('speech_end', (e) => found.push([e.startMs, e.endMs]));
  const chunk = rate === 8000 ? 160 : 640; // 20 ms
  for (let i = 0; i < bytes.length; i += chunk) await stream.push(bytes.subarray(i, i + chunk));
  const windows = stream.vadWindows;
  await stream.close();
  return { found, windows };
}

/** How far each of the reference's utterances moved: start and end against the found utterance that overlaps it
 *  most (Infinity for one that none overlaps). */
function moves(reference: [number, number][], found: [number, number][]): number[] {
  return reference.flatMap(([s, e]) => {
    let best: [number, number] | undefined;
    let overlap = 0;
    for (const f of found) {
      const o = Math.min(e, f[1]) - Math.max(s, f[0]);
      if (o > overlap) [best, overlap] = [f, o];
    }
    return best ? [Math.abs(best[0] - s), Math.abs(best[1] - e)] : [Infinity, Infinity];
  });
}

const table: string[] = [];
const calls = await Promise.all(corpora.map(call));
// The reference: each call's clean 16 kHz source, its pauses digital silence.
const references = [];
for (const clean of calls) references.push((await run(plugins.silence, 16000, new Uint8Array(Int16Array.from(clean, (v) => Math.round(v * 32767)).buffer))).found);
for (const rate of [8000, 16000]) {
  for (const steps of NOISE_STEPS) {
    const cells = { silence: { found: 0, moves: [] as number[], scored: 0 }, noise: { found: 0, moves: [] as number[], scored: 0 } };
    for (const [c, clean] of calls.entries()) {
      const noisy = Float32Array.from(clean, (v) => v + ((Math.random() - 0.5) * 2 * steps) / 32768);
      const samples = rate === 16000 ? noisy : await resampleAll(noisy, 16000, rate);
      const pcm = Int16Array.from(samples, (v) => Math.round(Math.max(-1, Math.min(1, v)) * 32767));
      const bytes = rate === 8000 ? alawmulaw.mulaw.encode(pcm) : new Uint8Array(pcm.buffer);
      for (const skip of ['silence', 'noise'] as const) {
        const { found, windows } = await run(plugins[skip], rate, bytes);
        cells[skip].found += found.length;
        cells[skip].scored += windows.scored;
        cells[skip].moves.push(...moves(references[c], found));
      }
    }
    const within = (m: number[], ms: number) => ((100 * m.filter((x) => x <= ms).length) / m.length).toFixed(0);
    const db = (20 * Math.log10(steps / Math.sqrt(3) / 32768)).toFixed(0);
    const [a, b] = [cells.silence, cells.noise];
    table.push(
      `| ${rate / 1000} kHz${rate === 8000 ? ' mu-law' : ''} | ${db} dBFS | ${(100 * (1 - b.scored / a.scored)).toFixed(0)}% | ${a.found} / ${b.found} | ${within(a.moves, 50)}% / ${within(b.moves, 50)}% | ${within(a.moves, 100)}% / ${within(b.moves, 100)}% |`,
    );
  }
}
const total = references.reduce((n, r) => n + r.length, 0);
for (const plugin of Object.values(plugins)) await plugin.close();

console.log(`VAD noise-floor rule on ${corpora.length} calls (${corpora.join(', ')}), ${PER_CORPUS} utterances each after ${PAUSE_S} s pauses of line noise\n`);
console.log(`Reference: the clean sources, ${total} utterances. Each pair of cells: skipping digital silence only / the noise floor too.\n`);
console.log('| stream | line noise (RMS) | network calls saved | utterances found | boundaries within 50 ms of the clean source\'s | within 100 ms |');
console.log('|---|---|---|---|---|---|');
console.log(table.join('\n'));
