import alawmulaw from 'alawmulaw';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { EmotionPlugin } from '../src/plugin/emotionPlugin.js';
import { decodeAudioFile } from '../src/stream/audioFile.js';
import { resampleAll } from '../src/stream/resampler.js';
import { SHARED_DATA, noSharedData, readManifest } from './helpers/sharedData.js';

// Where an 8 kHz call's utterances begin and end, with Silero at the call's own 8 kHz (the default) or on the audio
// upsampled to 16 kHz: each judged against the VAD on the same recording's clean 16 kHz source, for corpus speech
// through G.711 mu-law. Six utterances per corpus, every 97th of its four-class rows.
const PAD_S = 0.8;

async function boundaries(plugin: EmotionPlugin, sampleRate: number, audio: Float32Array | Uint8Array, encoding: 'pcm_f32le' | 'mulaw') {
  const stream = await plugin.openStream({ sampleRate, encoding });
  const found: [number, number][] = [];
  stream.on('speech_end', (e) => found.push([e.startMs, e.endMs]));
  const chunk = encoding === 'mulaw' ? 160 : sampleRate / 50;
  for (let i = 0; i < audio.length; i += chunk) await stream.push(audio.subarray(i, i + chunk));
  await stream.close();
  return found;
}

t.test('8 kHz VAD: boundaries on the phone line nearer those of the clean source than upsampling gives', { skip: noSharedData, timeout: 300_000 }, async (t) => {
  const rows = readManifest().filter((r) => ['angry', 'happy', 'sad', 'neutral'].includes(r.emotion));
  const corpora = [...new Set(rows.map((r) => r.corpus))].sort();
  const picked = corpora.flatMap((c) => rows.filter((r) => r.corpus === c).filter((_, i) => i % 97 === 0).slice(0, 6));
  const differences: Record<'native' | 'upsampled', number[]> = { native: [], upsampled: [] };
  const plugins = { native: await EmotionPlugin.create({ log: () => {} }), upsampled: await EmotionPlugin.create({ log: () => {}, vadRate: 16000 }) };
  t.teardown(async () => {
    for (const plugin of Object.values(plugins)) await plugin.close();
  });
  for (const row of picked) {
    const source = await decodeAudioFile(readFileSync(join(SHARED_DATA, row.path)), row.path);
    const wide = new Float32Array(source.samples.length + 2 * PAD_S * 16000);
    wide.set(source.samples, PAD_S * 16000);
    const line = alawmulaw.mulaw.encode(Int16Array.from(await resampleAll(wide, 16000, 8000), (v) => Math.round(Math.max(-1, Math.min(1, v)) * 32767)));
    const reference = await boundaries(plugins.native, 16000, wide, 'pcm_f32le');
    for (const name of ['native', 'upsampled'] as const) {
      const found = await boundaries(plugins[name], 8000, line, 'mulaw');
      if (found.length !== reference.length) differences[name].push(Infinity, Infinity);
      else found.forEach(([start, end], i) => differences[name].push(start - reference[i][0], end - reference[i][1]));
    }
  }
  const within = (d: number[]) => d.filter((x) => Math.abs(x) <= 50).length / d.length;
  const [native, upsampled] = [within(differences.native), within(differences.upsampled)];
  t.ok(native >= 0.8, `at 8 kHz, ${(100 * native).toFixed(0)}% of ${differences.native.length} boundaries within 50 ms of the clean source's`);
  t.ok(native >= upsampled, `upsampled first, ${(100 * upsampled).toFixed(0)}%`);
});
