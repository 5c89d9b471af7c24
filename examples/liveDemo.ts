/**
 * The main job on the embedded defaults: starts the WebSocket server with the shipped model, streams the bundled
 * demo call (one actor saying the same sentence neutral, happy, sad and angry; RAVDESS) to it in real time (20 ms
 * binary frames of the project's protocol, as a voice platform would), and prints the events as they come back over
 * the socket, each final emotion beside what the actor was asked to act.
 * Run: npm run demo [-- file.wav|file.flac] [-- --fast]
 */
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { EmotionPlugin, EmotionServer, decodeAudioFile, type PluginEvent } from '../src/index.js';
import { clipAt, demoCallClips, demoCallPath } from './demoCalls.js';

const args = process.argv.slice(2);
const fast = args.includes('--fast');
const given = args.find((a) => !a.startsWith('--'));
const path = given ?? demoCallPath('demo-call.flac');
const clips = given ? [] : (await demoCallClips())['demo-call.flac'];
const audio = await decodeAudioFile(await readFile(path), path);
const plugin = await EmotionPlugin.create({ stream: { interimMs: 1000 } });
const server = await EmotionServer.listen({ plugin, port: 0 });
const url = `ws://127.0.0.1:${server.address.port}/stream`;

const at = (ms: number) => `${(ms / 1000).toFixed(2).padStart(6)} s`;
const show = (e: PluginEvent | { type: 'started' | 'stopped'; streamId: string }): string => {
  switch (e.type) {
    case 'started':
    case 'stopped':
      return `         stream ${e.streamId} ${e.type}`;
    case 'speech_start':
      return `${at(e.startMs)}  speech started (${e.utteranceId})`;
    case 'speech_end':
      return `${at(e.endMs)}  speech ended after ${(e.durationMs / 1000).toFixed(2)} s (${e.reason})`;
    case 'emotion': {
      const top = Object.entries(e.probabilities).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');
      const kind = e.final ? `FINAL, ${e.latencyMs} ms after the end` : 'interim';
      const clip = e.final ? clipAt(clips, e.startMs, e.endMs) : undefined;
      const acted = clip ? `; acted: ${clip.acted} (${clip.intensity})` : '';
      return `${at(e.endMs)}  ${e.label.toUpperCase()} (${top}); speech ratio ${e.speechRatio.toFixed(2)} [${kind}]${acted}`;
    }
    case 'error':
      return `error ${e.code}: ${e.message}`;
    case 'call_summary': {
      const shares = Object.entries(e.labels).map(([label, l]) => `${label} ${(l.share * 100).toFixed(0)}%`).join(', ');
      const peak = e.peakAngry ? `; angriest ${e.peakAngry.probability.toFixed(2)} at ${at(e.peakAngry.startMs).trim()}` : '';
      return `         call: ${(e.speechMs / 1000).toFixed(1)} s of speech in ${(e.durationMs / 1000).toFixed(1)} s, ${e.utterances} utterances (${shares})${peak}; ended ${e.lastLabels.join(', ')}`;
    }
  }
};

console.log(`${path}: ${(audio.samples.length / audio.sampleRate).toFixed(1)} s at ${audio.sampleRate} Hz -> ${url}, ${fast ? 'as fast as possible' : 'in real time'}`);
if (clips.length > 0) {
  console.log(`RAVDESS actor ${clips[0].actor}, one sentence acted ${clips.map((c) => c.acted).join(', ')} (CC BY-NC-SA 4.0, examples/audio/ravdess/LICENSE.md)`);
}
console.log();
const ws = new WebSocket(url);
ws.on('message', (data) => console.log(show(JSON.parse(data.toString()))));
const closed = new Promise((resolve) => ws.once('close', resolve));
await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
ws.send(JSON.stringify({ type: 'start', sampleRate: audio.sampleRate, encoding: 'pcm_f32le', channels: 1, streamId: 'demo' }));
const chunk = Math.round(audio.sampleRate / 50);
const started = performance.now();
for (let i = 0, n = 1; i < audio.samples.length; i += chunk, n++) {
  ws.send(audio.samples.slice(i, i + chunk));
  if (!fast) await sleep(Math.max(0, started + n * 20 - performance.now()));
}
ws.send(JSON.stringify({ type: 'stop' }));
await closed;
await server.close();
await plugin.close();
