import alawmulaw from 'alawmulaw';
import { readFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import WebSocket from 'ws';
import { EmotionPlugin } from '../src/plugin/emotionPlugin.js';
import type { PluginEvent, SpeechEndEvent } from '../src/plugin/events.js';
import { EmotionServer } from '../src/server/emotionServer.js';
import { decodeAudioFile } from '../src/stream/audioFile.js';
import { resampleAll } from '../src/stream/resampler.js';
import { testModelPath } from './helpers/testModel.js';

const model = testModelPath();
const RATE = 8000;
const calls = JSON.parse(readFileSync('examples/audio/ravdess/calls.json', 'utf8')) as Record<string, { startS: number; endS: number }[]>;

/**
 * A two-sided phone call from two different voices taking turns (RAVDESS actor 8, female, as the caller; actor 5,
 * male, as the agent): each side's clips at its own times, silence on that side while the other speaks.
 */
async function conversation(): Promise<{ caller: Float32Array; agent: Float32Array; turns: Record<'caller' | 'agent', [number, number][]> }> {
  const clip = async (file: string, which: number) => {
    const audio = await decodeAudioFile(readFileSync(`examples/audio/ravdess/${file}`));
    const pcm = await resampleAll(audio.samples, audio.sampleRate, RATE);
    const { startS, endS } = calls[file][which];
    return pcm.subarray(Math.round(startS * RATE), Math.round(endS * RATE));
  };
  const parts: ['caller' | 'agent', Float32Array][] = [
    ['caller', await clip('demo-call.flac', 0)],
    ['agent', await clip('call-angry-8k-mulaw.wav', 0)],
    ['caller', await clip('demo-call.flac', 2)],
    ['agent', await clip('call-angry-8k-mulaw.wav', 1)],
  ];
  const gap = RATE; // a second between turns
  const length = parts.reduce((n, [, p]) => n + p.length + gap, gap);
  const tracks = { caller: new Float32Array(length), agent: new Float32Array(length) };
  const turns: Record<'caller' | 'agent', [number, number][]> = { caller: [], agent: [] };
  let at = gap;
  for (const [side, samples] of parts) {
    tracks[side].set(samples, at);
    turns[side].push([(at / RATE) * 1000, ((at + samples.length) / RATE) * 1000]);
    at += samples.length + gap;
  }
  return { ...tracks, turns };
}

const mulaw = (x: Float32Array) => alawmulaw.mulaw.encode(Int16Array.from(x, (v) => Math.max(-32768, Math.min(32767, Math.round(v * 32768)))));

/** Each side's utterances lie in its own turns (allowing the VAD's pre-roll and hangover), none in the other's. */
function checkSides(t: Test, events: PluginEvent[], ids: Record<'caller' | 'agent', string>, turns: Record<'caller' | 'agent', [number, number][]>): void {
  for (const side of ['caller', 'agent'] as const) {
    const ends = events.filter((e): e is SpeechEndEvent => e.type === 'speech_end' && e.streamId === ids[side]);
    t.equal(ends.length, turns[side].length, `${side}: one utterance per turn`);
    for (const e of ends) {
      const own = turns[side].some(([from, to]) => e.startMs >= from - 300 && e.endMs <= to + 300);
      t.ok(own, `${side} utterance ${e.startMs}-${e.endMs} ms lies in one of its own turns`);
      t.equal(e.role, side, 'and carries its role');
    }
    const finals = events.filter((e) => e.type === 'emotion' && e.final && e.streamId === ids[side]);
    t.equal(finals.length, turns[side].length, `${side}: a final emotion per utterance`);
    t.equal(events.filter((e) => e.type === 'call_summary' && e.streamId === ids[side]).length, 1, `${side}: its own call summary`);
  }
}

t.test('both sides of a call, each its own stream', { skip: model ? false : 'no model' }, async (t) => {
  const plugin = await EmotionPlugin.create({ model: model!.path, log: () => {} });
  const server = await EmotionServer.listen({ plugin, port: 0 });
  const base = `ws://127.0.0.1:${server.address.port}`;
  t.teardown(async () => {
    await server.close();
    await plugin.close();
  });
  const { caller, agent, turns } = await conversation();

  t.test('Twilio with both tracks: inbound is the caller, outbound the agent', async (t) => {
    const events: PluginEvent[] = [];
    const listener = (e: PluginEvent) => events.push(e);
    server.on('event', listener);
    t.teardown(() => void server.off('event', listener));
    const ws = new WebSocket(`${base}/twilio`);
    const closed = new Promise((resolve) => ws.on('close', resolve));
    await new Promise((resolve) => ws.once('open', resolve));
    const start = { streamSid: 'MZ-both', tracks: ['inbound', 'outbound'], mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } };
    ws.send(JSON.stringify({ event: 'start', streamSid: 'MZ-both', start }));
    const [inbound, outbound] = [mulaw(caller), mulaw(agent)];
    for (let i = 0; i < inbound.length; i += 160) {
      for (const [track, bytes] of [['inbound', inbound], ['outbound', outbound]] as const) {
        ws.send(JSON.stringify({ event: 'media', streamSid: 'MZ-both', media: { track, payload: Buffer.from(bytes.subarray(i, i + 160)).toString('base64') } }));
      }
    }
    ws.send(JSON.stringify({ event: 'stop', streamSid: 'MZ-both' }));
    await closed;
    await new Promise((resolve) => setTimeout(resolve, 50));
    checkSides(t, events, { caller: 'MZ-both:caller', agent: 'MZ-both:agent' }, turns);
  });

  t.test("the project's protocol with named channels: interleaved stereo, one stream per channel", async (t) => {
    const ws = new WebSocket(`${base}/stream`);
    const events: PluginEvent[] = [];
    ws.on('message', (data) => events.push(JSON.parse(String(data))));
    const closed = new Promise((resolve) => ws.on('close', resolve));
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify({ type: 'start', sampleRate: RATE, encoding: 'pcm_s16le', channels: 2, streamId: 'call-9', roles: ['caller', 'agent'] }));
    const stereo = new Int16Array(caller.length * 2);
    for (let i = 0; i < caller.length; i++) {
      stereo[2 * i] = Math.round(caller[i] * 32767);
      stereo[2 * i + 1] = Math.round(agent[i] * 32767);
    }
    const bytes = new Uint8Array(stereo.buffer);
    for (let i = 0; i < bytes.length; i += 641) ws.send(bytes.subarray(i, i + 641)); // frames cut across messages
    ws.send(JSON.stringify({ type: 'stop' }));
    await closed;
    const started = events.filter((e) => (e.type as string) === 'started') as unknown as { streamId: string; role: string }[];
    t.same(started.map((e) => [e.streamId, e.role]), [['call-9:caller', 'caller'], ['call-9:agent', 'agent']]);
    checkSides(t, events, { caller: 'call-9:caller', agent: 'call-9:agent' }, turns);
  });

  t.test('roles must name each channel once', async (t) => {
    const ws = new WebSocket(`${base}/stream`);
    const messages: Record<string, unknown>[] = [];
    ws.on('message', (data) => messages.push(JSON.parse(String(data))));
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify({ type: 'start', sampleRate: RATE, encoding: 'mulaw', channels: 2, roles: ['caller', 'caller'] }));
    t.equal(await closed, 1008);
    t.match(messages[0], { type: 'error', code: 'BAD_START', message: /roles must name each of the 2 channels once/ });
  });
});
