import alawmulaw from 'alawmulaw';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { EmotionPlugin } from '../src/plugin/emotionPlugin.js';
import { decodeAudioFile } from '../src/stream/audioFile.js';
import { resampleAll } from '../src/stream/resampler.js';
import { noise } from './helpers/signals.js';
import { SHARED_DATA, noSharedData, readManifest } from './helpers/sharedData.js';

// The VAD's noise-floor rule on corpus speech as phone calls: each corpus's call is 8 of its four-class utterances
// (every 41st row), each after 2 s of line noise, through G.711 mu-law at 8 kHz. Boundaries are judged against the
// same call's clean 16 kHz source with digital-silence pauses.
const PAUSE_S = 2;

async function boundaries(plugin: EmotionPlugin, sampleRate: number, bytes: Uint8Array) {
  const stream = await plugin.openStream({ sampleRate, encoding: sampleRate === 8000 ? 'mulaw' : 'pcm_s16le' });
  const found: [number, number][] = [];
  stream.on('speech_end', (e) => found.push([e.startMs, e.endMs]));
  const chunk = sampleRate === 8000 ? 160 : 640;
  for (let i = 0; i < bytes.length; i += chunk) await stream.push(bytes.subarray(i, i + chunk));
  const { scored } = stream.vadWindows;
  await stream.close();
  return { found, scored };
}

/** Start and end moves of each reference utterance against the found one overlapping it most. */
function moves(reference: [number, number][], found: [number, number][]): number[] {
  return reference.flatMap(([s, e]) => {
    const best = found.map((f) => ({ f, o: Math.min(e, f[1]) - Math.max(s, f[0]) })).sort((a, b) => b.o - a.o)[0];
    return best && best.o > 0 ? [Math.abs(best.f[0] - s), Math.abs(best.f[1] - e)] : [Infinity, Infinity];
  });
}

const pcm16 = (x: Float32Array) => Int16Array.from(x, (v) => Math.round(Math.max(-1, Math.min(1, v)) * 32767));

t.test("skipping a phone line's noise floor saves VAD calls and keeps utterance boundaries", { skip: noSharedData, timeout: 300_000 }, async (t) => {
  const rows = readManifest().filter((r) => ['angry', 'happy', 'sad', 'neutral'].includes(r.emotion));
  const corpora = [...new Set(rows.map((r) => r.corpus))].sort();
  const plugins = { silence: await EmotionPlugin.create({ log: () => {}, vadSkip: 'silence' }), noise: await EmotionPlugin.create({ log: () => {} }) };
  t.teardown(async () => {
    for (const plugin of Object.values(plugins)) await plugin.close();
  });
  const cells = { silence: { moves: [] as number[], scored: 0 }, noise: { moves: [] as number[], scored: 0 } };
  for (const [c, corpus] of corpora.entries()) {
    const picked = rows.filter((r) => r.corpus === corpus).filter((_, i) => i % 41 === 0).slice(0, 8);
    const parts = await Promise.all(picked.map(async (r) => (await decodeAudioFile(readFileSync(join(SHARED_DATA, r.path)), r.path)).samples));
    const gap = PAUSE_S * 16000;
    const clean = new Float32Array(parts.reduce((n, p) => n + p.length + gap, gap));
    parts.reduce((at, p) => (clean.set(p, at), at + p.length + gap), gap);
    const line = noise(clean.length, c + 1, 40 / 32768); // about -63 dBFS
    const noisy = Float32Array.from(clean, (v, i) => v + line[i]);
    const reference = (await boundaries(plugins.silence, 16000, new Uint8Array(pcm16(clean).buffer))).found;
    const call = alawmulaw.mulaw.encode(pcm16(await resampleAll(noisy, 16000, 8000)));
    for (const skip of ['silence', 'noise'] as const) {
      const { found, scored } = await boundaries(plugins[skip], 8000, call);
      cells[skip].moves.push(...moves(reference, found));
      cells[skip].scored += scored;
    }
  }
  const within = (m: number[]) => m.filter((x) => x <= 50).length / m.length;
  const saved = 1 - cells.noise.scored / cells.silence.scored;
  t.ok(saved > 0.3, `${(100 * saved).toFixed(0)}% of the VAD's network calls saved`);
  const [before, after] = [within(cells.silence.moves), within(cells.noise.moves)];
  t.ok(after >= before, `boundaries within 50 ms of the clean source's: ${(100 * after).toFixed(0)}% with the rule, ${(100 * before).toFixed(0)}% without`);
});
