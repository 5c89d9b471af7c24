import t from 'tap';
import WebSocket from 'ws';
import type { PluginEvent } from '../src/plugin/events.js';
import { prng } from './helpers/signals.js';
import { threeUtterancesMulaw } from './helpers/fixtures.js';
import { testModelPath } from './helpers/testModel.js';
import { testServer } from './helpers/testServer.js';

const model = testModelPath();
const MAX_PAYLOAD = 4096;

/** One malformed conversation: a path and the messages sent on it. */
function badConversation(random: () => number): { path: string; messages: (string | Buffer)[] } {
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
  const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)];
  const start = (fields: Record<string, unknown>) => JSON.stringify({ type: 'start', sampleRate: 16000, encoding: 'pcm_s16le', ...fields });
  const nan = Buffer.from(new Float32Array(320).fill(Number.NaN).buffer);
  const json = JSON.stringify({ type: 'start', sampleRate: 8000, encoding: 'mulaw' });
  const scenarios: (() => { path: string; messages: (string | Buffer)[] })[] = [
    () => ({ path: '/stream', messages: Array.from({ length: 20 }, () => bytes(1 + Math.floor(random() * 400))) }), // audio before start
    () => ({ path: '/stream', messages: Array.from({ length: 20 }, () => json.slice(0, Math.floor(random() * json.length))) }), // truncated JSON
    () => ({
      path: '/stream',
      messages: [pick([start({ sampleRate: 'fast' }), start({ sampleRate: -1 }), start({ sampleRate: 1e308 }), start({ sampleRate: null }), start({ encoding: 'mp3' }), start({ channels: 0 }), start({ channels: 1e6 }), '{"type":[]}', '[]', 'null', '"start"', '{"type":"start"}', '{"type":"dance"}'])],
    }),
    () => ({ path: '/stream', messages: [start({ encoding: 'pcm_f32le' }), ...Array.from({ length: 20 }, () => nan)] }), // NaN audio
    () => ({ path: '/stream', messages: [start({}), ...Array.from({ length: 20 }, () => bytes(1 + 2 * Math.floor(random() * 200)))] }), // odd-length and noise frames
    () => ({ path: '/stream', messages: [start({}), bytes(MAX_PAYLOAD + 1 + Math.floor(random() * 10000))] }), // oversize frame
    () => ({ path: '/stream', messages: [start({}), start({})] }), // started twice
    () => ({ path: '/stream', messages: [JSON.stringify({ event: 'start', streamSid: 'MZ1', start: { mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } } })] }), // Twilio on /stream
    () => ({ path: '/twilio', messages: [json, bytes(160), JSON.stringify({ event: 'media', media: { payload: '***' } })] }), // own protocol on /twilio
    () => ({ path: '/twilio', messages: [JSON.stringify({ event: 'start', streamSid: 'MZ2', start: { mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 16000, channels: 1 } } })] }),
    () => ({ path: '/twilio', messages: Array.from({ length: 20 }, () => JSON.stringify({ event: 'media', streamSid: 'MZ3', media: { payload: bytes(50).toString('latin1') } })) }),
    () => ({ path: '/webrtc', messages: [bytes(100), '{"type":"candidate","candidate":{}}', '{"type":"offer"}', '{"type":"offer","sdp":42}'] }), // never a real offer
    () => ({ path: pick(['/', '/nope', '/stream/../twilio']), messages: [json] }),
  ];
  return pick(scenarios)();
}

async function converse(url: string, messages: (string | Buffer)[]): Promise<void> {
  const ws = new WebSocket(url);
  ws.on('message', () => {});
  const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
  const opened = await new Promise<boolean>((resolve) => ws.once('open', () => resolve(true)).once('error', () => resolve(false)));
  if (!opened) return; // refused at the upgrade (unknown path): nothing to send
  for (const m of messages) if (ws.readyState === WebSocket.OPEN) ws.send(m);
  setTimeout(() => ws.close(), 200);
  await closed;
}

async function goodCall(url: string, id: string): Promise<Record<string, unknown>[]> {
  const ws = new WebSocket(url);
  const messages: Record<string, unknown>[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(data.toString())));
  const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
  await new Promise((resolve) => ws.once('open', resolve));
  ws.send(JSON.stringify({ type: 'start', sampleRate: 8000, encoding: 'mulaw', streamId: id }));
  const audio = threeUtterancesMulaw();
  for (let i = 0; i < audio.length; i += 160) {
    ws.send(audio.subarray(i, i + 160));
    if (i % 16000 === 0) await new Promise((r) => setImmediate(r)); // let the fuzzers in between
  }
  ws.send(JSON.stringify({ type: 'stop' }));
  await closed;
  return messages;
}

t.test('thousands of malformed messages beside well-formed calls', { skip: model ? false : 'no model' }, async (t) => {
  const server = await testServer(t, model!.path, { maxPayload: MAX_PAYLOAD, startTimeoutMs: 1000 });
  const base = `ws://127.0.0.1:${server.address.port}`;
  const errors: PluginEvent[] = [];
  server.on('event', (e) => e.type === 'error' && errors.push(e));

  const random = prng(2024);
  let sent = 0;
  const fuzz = async () => {
    for (let i = 0; i < 30; i++) {
      const { path, messages } = badConversation(random);
      sent += messages.length;
      await converse(base + path, messages);
    }
  };
  const [good] = await Promise.all([Promise.all(['good-1', 'good-2', 'good-3'].map((id) => goodCall(`${base}/stream`, id))), ...Array.from({ length: 8 }, fuzz)]);

  t.ok(sent > 1000, `${sent} malformed messages sent`);
  t.ok(errors.length > 100, `${errors.length} error events reported for them`);
  for (const messages of good) {
    t.equal(messages.filter((m) => m.type === 'speech_end').length, 3, 'every utterance of a good call ended');
    t.equal(messages.filter((m) => m.type === 'emotion' && m.final).length, 3, 'and was scored');
    t.equal(messages.filter((m) => m.type === 'error').length, 0, 'with no error of its own');
  }
  t.equal(server.streams, 0, 'every stream, good or bad, is closed and forgotten');
  const after = await goodCall(`${base}/stream`, 'after');
  t.equal(after.filter((m) => m.type === 'emotion' && m.final).length, 3, 'the server still serves a new call');
});

t.test('abrupt disconnects mid-utterance: each stream is finished and its utterance scored for the server', { skip: model ? false : 'no model' }, async (t) => {
  const server = await testServer(t, model!.path);
  const finals = new Map<string, number>();
  server.on('event', (e) => e.type === 'emotion' && e.final && finals.set(e.streamId, (finals.get(e.streamId) ?? 0) + 1));
  const closed = new Set<string>();
  server.on('closed', (id) => closed.add(id));
  const audio = threeUtterancesMulaw();
  const cut = 6.5 * 8000; // 6.5 s: inside the second utterance (5.6-7.6 s)
  await Promise.all(
    ['cut-1', 'cut-2', 'cut-3'].map(async (id) => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.address.port}/stream`);
      await new Promise((resolve) => ws.once('open', resolve));
      const started = new Promise((resolve) => ws.once('message', resolve));
      ws.send(JSON.stringify({ type: 'start', sampleRate: 8000, encoding: 'mulaw', streamId: id }));
      await started;
      for (let i = 0; i < cut; i += 160) ws.send(audio.subarray(i, i + 160));
      // No close handshake: the TCP connection drops as soon as the audio is written, while the server is still
      // working through it.
      while (ws.bufferedAmount > 0) await new Promise((r) => setTimeout(r, 5));
      ws.terminate();
    }),
  );
  while (closed.size < 3) await new Promise((r) => setTimeout(r, 50));
  t.equal(server.streams, 0);
  for (const id of ['cut-1', 'cut-2', 'cut-3']) t.equal(finals.get(id), 2, `${id}: the first utterance and the one cut short were both scored`);
});
