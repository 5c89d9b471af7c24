/**
 * The main job on the embedded defaults: streams the bundled call recording through the plugin in real time (20 ms
 * chunks, as a telephony or WebRTC stream delivers them) with the shipped model, and prints the events as they come.
 * Run: npm run demo [-- file.wav|file.flac] [-- --fast]
 */
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { EmotionPlugin, decodeAudioFile, type PluginEvent } from '../src/index.js';

const args = process.argv.slice(2);
const fast = args.includes('--fast');
const path = args.find((a) => !a.startsWith('--')) ?? fileURLToPath(new URL('../../examples/audio/caller.wav', import.meta.url));
const audio = await decodeAudioFile(await readFile(path), path);
const plugin = await EmotionPlugin.create();
const stream = await plugin.openStream({ sampleRate: audio.sampleRate }, { id: 'demo', interimMs: 1000 });

const at = (ms: number) => `${(ms / 1000).toFixed(2).padStart(6)} s`;
const show = (e: PluginEvent): string => {
  switch (e.type) {
    case 'speech_start':
      return `${at(e.startMs)}  speech started (${e.utteranceId})`;
    case 'speech_end':
      return `${at(e.endMs)}  speech ended after ${(e.durationMs / 1000).toFixed(2)} s (${e.reason})`;
    case 'emotion': {
      const top = Object.entries(e.probabilities).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');
      const kind = e.final ? `FINAL, ${e.latencyMs} ms after the end` : 'interim';
      return `${at(e.endMs)}  ${e.label.toUpperCase()} (${top}); speech ratio ${e.speechRatio.toFixed(2)} [${kind}]`;
    }
    case 'error':
      return `error ${e.code}: ${e.message}`;
  }
};
stream.on('*', (e) => console.log(show(e)));

console.log(`${path}: ${(audio.samples.length / audio.sampleRate).toFixed(1)} s at ${audio.sampleRate} Hz, streamed ${fast ? 'as fast as possible' : 'in real time'}\n`);
const chunk = Math.round(audio.sampleRate / 50);
const started = performance.now();
for (let i = 0, n = 1; i < audio.samples.length; i += chunk, n++) {
  const processed = stream.push(audio.samples.subarray(i, i + chunk));
  await (fast ? processed : sleep(Math.max(0, started + n * 20 - performance.now())));
}
await stream.close();
await plugin.close();
