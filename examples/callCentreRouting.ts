/**
 * Call-centre routing: a server that receives calls as Twilio Media Streams (point a call's <Stream url> at
 * ws://host:port/twilio) and decides "route to a senior agent" when a caller is angry in k of their last n
 * utterances, printing the decision and POSTing it to ROUTING_WEBHOOK if that is set.
 *
 * Run: npm run example:routing                       (simulates three calls from the bundled recording)
 *      npm run example:routing -- --serve --port 8080  (waits for real Twilio calls)
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import alawmulaw from 'alawmulaw';
import { EmotionPlugin, EmotionServer, decodeAudioFile, resampleAll } from '../src/index.js';
import { AngerRule } from './callCentre/angerRule.js';
import { playLikeTwilio } from './callCentre/twilioClient.js';

const { values } = parseArgs({
  options: { serve: { type: 'boolean' }, port: { type: 'string' }, k: { type: 'string' }, n: { type: 'string' }, threshold: { type: 'string' }, calls: { type: 'string' }, fast: { type: 'boolean' } },
});
const rule = new AngerRule({ k: Number(values.k ?? 2), n: Number(values.n ?? 3), threshold: Number(values.threshold ?? 0.6) });
const plugin = await EmotionPlugin.create({ log: () => {} });
const server = await EmotionServer.listen({ plugin, port: Number(values.port ?? (values.serve ? 8080 : 0)) });
const webhook = process.env.ROUTING_WEBHOOK;

server.on('connection', (call) => console.log(`call ${call}: connected`));
server.on('closed', (call) => {
  rule.end(call);
  console.log(`call ${call}: ended`);
});
server.on('event', async (e) => {
  if (e.type === 'error') return console.log(`call ${e.streamId}: error ${e.code}: ${e.message}`);
  if (e.type !== 'emotion' || !e.final) return;
  const angry = e.probabilities.angry ?? 0;
  console.log(`call ${e.streamId}: utterance ${e.utteranceId} ${e.label} (angry ${angry.toFixed(2)})`);
  if (!rule.observe(e.streamId, angry)) return;
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
  // Three simultaneous calls of the bundled recording, sent as Twilio sends them: 20 ms mu-law frames in real time.
  const file = fileURLToPath(new URL('../../examples/audio/call-8k-mulaw.wav', import.meta.url));
  const audio = await decodeAudioFile(await readFile(file), file);
  const pcm = await resampleAll(audio.samples, audio.sampleRate, 8000);
  const mulaw = alawmulaw.mulaw.encode(Int16Array.from(pcm, (v) => Math.max(-32768, Math.min(32767, Math.round(v * 32768)))));
  const calls = Number(values.calls ?? 3);
  await Promise.all(Array.from({ length: calls }, (_, i) => playLikeTwilio(url, mulaw, `MZ-call-${i + 1}`, !values.fast)));
}
await server.close();
await plugin.close();
