/**
 * Call-centre routing: a server that receives calls as Twilio Media Streams (point a call's <Stream url> at
 * ws://host:port/twilio) and decides "route to a senior agent" when a caller is angry in k of their last n
 * utterances, printing the decision and POSTing it to ROUTING_WEBHOOK if that is set.
 *
 * Run: npm run example:routing                       (simulates three bundled calls: an angry, a calm and a sad caller)
 *      npm run example:routing -- --serve --port 8080  (waits for real Twilio calls)
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import alawmulaw from 'alawmulaw';
import { EmotionPlugin, EmotionServer, decodeAudioFile, resampleAll } from '../src/index.js';
import { AngerRule } from './callCentre/angerRule.js';
import { playLikeTwilio } from './callCentre/twilioClient.js';
import { clipAt, demoCallClips, demoCallPath, type ActedClip } from './demoCalls.js';

const { values } = parseArgs({
  options: { serve: { type: 'boolean' }, port: { type: 'string' }, k: { type: 'string' }, n: { type: 'string' }, threshold: { type: 'string' }, fast: { type: 'boolean' } },
});
const rule = new AngerRule({ k: Number(values.k ?? 2), n: Number(values.n ?? 3), threshold: Number(values.threshold ?? 0.6) });
const plugin = await EmotionPlugin.create({ log: () => {} });
const server = await EmotionServer.listen({ plugin, port: Number(values.port ?? (values.serve ? 8080 : 0)) });
const webhook = process.env.ROUTING_WEBHOOK;

const acted = new Map<string, ActedClip[]>(); // the simulated calls' clips, by call id
const angryCounts = new Map<string, { angry: number; utterances: number; routed: boolean }>();

server.on('connection', (call) => console.log(`call ${call}: connected`));
server.on('closed', (call) => {
  const seen = angryCounts.get(call) ?? { angry: 0, utterances: 0, routed: false };
  const verdict = seen.routed ? 'routed to a senior agent' : `not routed: angry in ${seen.angry} of ${seen.utterances} utterances, the rule needs ${rule.options.k} of the last ${rule.options.n}`;
  rule.end(call);
  console.log(`call ${call}: ended, ${verdict}`);
});
server.on('event', async (e) => {
  if (e.type === 'error') return console.log(`call ${e.streamId}: error ${e.code}: ${e.message}`);
  if (e.type !== 'emotion' || !e.final) return;
  const angry = e.probabilities.angry ?? 0;
  const seen = angryCounts.get(e.streamId) ?? { angry: 0, utterances: 0, routed: false };
  angryCounts.set(e.streamId, { ...seen, angry: seen.angry + (angry >= rule.options.threshold ? 1 : 0), utterances: seen.utterances + 1 });
  const clip = clipAt(acted.get(e.streamId) ?? [], e.startMs, e.endMs);
  console.log(`call ${e.streamId}: utterance ${e.utteranceId} ${e.label} (angry ${angry.toFixed(2)})${clip ? `; acted: ${clip.acted}` : ''}`);
  if (!rule.observe(e.streamId, angry)) return;
  angryCounts.get(e.streamId)!.routed = true;
  const decision = { call: e.streamId, action: 'route_to_senior_agent', rule: rule.options, atMs: e.endMs };
  console.log(`call ${e.streamId}: ROUTE TO A SENIOR AGENT (angry in ${rule.options.k} of the last ${rule.options.n} utterances)`);
  if (webhook) {
    await fetch(webhook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(decision) }).catch((err: Error) =>
      console.log(`webhook failed: ${err.message}`),
    );
  }
});

const url = `ws://127.0.0.1:${server.address.port}/twilio`;
if (values.serve) {
  console.log(`waiting for Twilio Media Streams on ${url} (Ctrl-C to stop)`);
  await new Promise((resolve) => process.once('SIGINT', resolve));
} else {
  // Three simultaneous calls, sent as Twilio sends them: 20 ms mu-law frames in real time. Each is three RAVDESS clips
  // (CC BY-NC-SA 4.0, examples/audio/ravdess/LICENSE.md): a caller who turns angry, a calm one and a sad one.
  const clips = await demoCallClips();
  const calls = ['call-angry-8k-mulaw.wav', 'call-calm-8k-mulaw.wav', 'call-sad-8k-mulaw.wav'];
  await Promise.all(
    calls.map(async (name) => {
      const file = demoCallPath(name);
      const audio = await decodeAudioFile(await readFile(file), file);
      const pcm = await resampleAll(audio.samples, audio.sampleRate, 8000);
      const mulaw = alawmulaw.mulaw.encode(Int16Array.from(pcm, (v) => Math.max(-32768, Math.min(32767, Math.round(v * 32768)))));
      const id = `MZ-${name.replace('-8k-mulaw.wav', '')}`;
      acted.set(id, clips[name]);
      console.log(`call ${id}: ${clips[name].map((c) => c.acted).join(', ')} (RAVDESS actor ${clips[name][0].actor})`);
      await playLikeTwilio(url, mulaw, id, !values.fast);
    }),
  );
}
await server.close();
await plugin.close();
