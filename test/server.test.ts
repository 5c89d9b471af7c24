import alawmulaw from 'alawmulaw';
import { connect as tcpConnect } from 'node:net';
import t from 'tap';
import WebSocket from 'ws';
import { EmotionPlugin } from '../src/plugin/emotionPlugin.js';
import type { PluginEvent } from '../src/plugin/events.js';
import { EmotionServer } from '../src/server/emotionServer.js';
import { resampleAll } from '../src/stream/resampler.js';
import { threeUtterancesMulaw } from './helpers/fixtures.js';
import { testModelPath } from './helpers/testModel.js';

const model = testModelPath();

interface Client {
  ws: WebSocket;
  messages: Record<string, unknown>[];
  closed: Promise<{ code: number; reason: string }>;
}

async function connect(url: string, headers: Record<string, string> = {}, localAddress?: string): Promise<Client> {
  const ws = new WebSocket(url, { headers, localAddress });
  const messages: Record<string, unknown>[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(data.toString())));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return { ws, messages, closed };
}

/** Sends audio in 20 ms frames (160 mu-law bytes) as fast as the socket takes them. */
function sendFrames(ws: WebSocket, bytes: Buffer, wrap: (frame: Buffer) => string | Buffer = (f) => f): void {
  for (let i = 0; i < bytes.length; i += 160) ws.send(wrap(bytes.subarray(i, i + 160)));
}

t.test('the WebSocket server', { skip: model ? false : 'no model' }, async (t) => {
  const plugin = await EmotionPlugin.create({ model: model!.path, log: () => {} });
  const server = await EmotionServer.listen({ plugin, port: 0, authToken: 'secret', maxPayload: 4096, startTimeoutMs: 2000 });
  const base = `ws://127.0.0.1:${server.address.port}`;
  const serverEvents: PluginEvent[] = [];
  server.on('event', (e) => serverEvents.push(e));
  t.teardown(async () => {
    await server.close();
    await plugin.close();
  });

  t.test('own protocol: start, binary audio, events back, stop', async (t) => {
    const c = await connect(`${base}/stream?token=secret`);
    c.ws.send(JSON.stringify({ type: 'start', sampleRate: 8000, encoding: 'mulaw', channels: 1, streamId: 'agent-7' }));
    sendFrames(c.ws, threeUtterancesMulaw());
    c.ws.send(JSON.stringify({ type: 'stop' }));
    const { code } = await c.closed;
    t.equal(code, 1000);
    const types = c.messages.map((m) => m.type);
    t.equal(types[0], 'started');
    t.equal(types.at(-1), 'stopped');
    t.equal(types.filter((x) => x === 'speech_end').length, 3);
    const finals = c.messages.filter((m) => m.type === 'emotion' && m.final);
    t.equal(finals.length, 3, 'one final emotion per utterance');
    t.ok(finals.every((m) => m.streamId === 'agent-7'));
  });

  t.test('Twilio Media Streams: the call is scored and events reach the server listeners', async (t) => {
    const before = serverEvents.length;
    const c = await connect(`${base}/twilio`, { authorization: 'Bearer secret' });
    c.ws.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
    c.ws.send(
      JSON.stringify({
        event: 'start',
        sequenceNumber: '1',
        streamSid: 'MZ0123',
        start: { streamSid: 'MZ0123', callSid: 'CA9', tracks: ['inbound'], mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } },
      }),
    );
    let chunk = 0;
    sendFrames(c.ws, threeUtterancesMulaw(), (f) => JSON.stringify({ event: 'media', streamSid: 'MZ0123', media: { track: 'inbound', chunk: String(++chunk), timestamp: String(chunk * 20), payload: f.toString('base64') } }));
    c.ws.send(JSON.stringify({ event: 'stop', streamSid: 'MZ0123', stop: { callSid: 'CA9' } }));
    t.equal((await c.closed).code, 1000);
    const events = serverEvents.slice(before).filter((e) => e.streamId === 'MZ0123');
    t.equal(events.filter((e) => e.type === 'emotion' && e.final).length, 3);
    t.equal(c.messages.length, 0, 'nothing is sent back to Twilio');
  });

  t.test('a live call\'s id cannot be taken by a second connection, and ids are length-limited', async (t) => {
    const start = (sid: string) => JSON.stringify({ event: 'start', streamSid: sid, start: { mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } } });
    const victim = await connect(`${base}/twilio?token=secret`);
    victim.ws.send(start('MZvictim'));
    await new Promise<void>((resolve) => server.once('connection', () => resolve()));
    const before = serverEvents.length;
    const thief = await connect(`${base}/twilio?token=secret`);
    thief.ws.send(start('MZvictim'));
    sendFrames(thief.ws, threeUtterancesMulaw().subarray(0, 16000), (f) => JSON.stringify({ event: 'media', media: { payload: f.toString('base64') } }));
    t.match(await thief.closed, { code: 1008 });
    t.match(serverEvents.slice(before), [{ type: 'error', code: 'DUPLICATE_STREAM_ID', streamId: '' }]);
    const long = await connect(`${base}/twilio?token=secret`);
    long.ws.send(start('M'.repeat(3000))); // within this server's 4 KiB message limit
    t.match(await long.closed, { code: 1008 });
    t.match(serverEvents.at(-1), { code: 'BAD_START', message: /1 to 128 characters/ });
    victim.ws.send(JSON.stringify({ event: 'stop' }));
    await victim.closed;
    const again = await connect(`${base}/twilio?token=secret`);
    again.ws.send(start('MZvictim'));
    await new Promise<void>((resolve) => server.once('connection', (id) => id === 'MZvictim' && resolve()));
    again.ws.send(JSON.stringify({ event: 'stop' }));
    t.equal((await again.closed).code, 1000, 'the id is free again once its call has ended');
  });

  t.test('binary L16 streams (Vonage, Jambonz): first a metadata message, then 16-bit PCM', async (t) => {
    const samples8k = Int16Array.from(threeUtterancesMulaw(), (b) => alawmulaw.mulaw.decodeSample(b));
    const pcm8k = Buffer.from(samples8k.buffer);
    const up = await resampleAll(Float32Array.from(samples8k, (v) => v / 32768), 8000, 16000);
    const pcm16k = Buffer.from(Int16Array.from(up, (v) => Math.round(v * 32767)).buffer);
    const calls = [
      { path: '/vonage', first: { event: 'websocket:connected', 'content-type': 'audio/l16;rate=16000', uuid: 'vonage-call-1' }, audio: pcm16k, frame: 640, id: 'vonage-call-1' },
      { path: '/jambonz', first: { callSid: 'jambonz-call-1', sampleRate: 8000, mixType: 'mono', from: '+15551230000' }, audio: pcm8k, frame: 320, id: 'jambonz-call-1' },
    ];
    for (const call of calls) {
      const before = serverEvents.length;
      const finished = new Promise<void>((resolve) => server.on('closed', (id) => id === call.id && resolve()));
      const c = await connect(`${base}${call.path}?token=secret`);
      c.ws.send(JSON.stringify(call.first));
      for (let i = 0; i < call.audio.length; i += call.frame) c.ws.send(call.audio.subarray(i, i + call.frame));
      c.ws.send(JSON.stringify({ event: 'websocket:dtmf', digit: '5' })); // a notification mid-call: ignored
      c.ws.close(1000); // the call hangs up: the stream is finished and its last utterance scored
      await finished;
      const finals = serverEvents.slice(before).filter((e) => e.type === 'emotion' && e.final && e.streamId === call.id);
      t.equal(finals.length, 3, `${call.path}: three utterances scored, under the call's own id`);
      t.equal(c.messages.length, 0, `${call.path}: nothing sent back on the socket`);
    }
    const bad = await connect(`${base}/vonage?token=secret`);
    bad.ws.send(JSON.stringify({ event: 'websocket:connected', 'content-type': 'audio/pcmu;rate=8000' }));
    t.match(await bad.closed, { code: 1008 });
    const early = await connect(`${base}/jambonz?token=secret`);
    early.ws.send(Buffer.alloc(320));
    t.match(await early.closed, { code: 1002 });
  });

  t.test('refused before any audio: no token, wrong path', async (t) => {
    for (const [url, status, headers] of [
      [`${base}/stream`, 401, {}],
      [`${base}/stream?token=wrong`, 401, {}],
      [`${base}/elsewhere?token=secret`, 404, {}],
      [`${base}/elsewhere`, 401, {}], // paths cannot be probed without the token
      [`${base}/stream`, 401, { authorization: 'secret' }], // the Bearer scheme is required
      [`${base}/stream`, 401, { authorization: 'Bearer secretly' }],
    ] as const) {
      const error = await new Promise<Error>((resolve) => new WebSocket(url, { headers }).once('error', resolve));
      t.match(error.message, new RegExp(String(status)), `${url} ${JSON.stringify(headers)}`);
    }
    const bearer = await connect(`${base}/stream`, { authorization: 'Bearer secret' });
    bearer.ws.close();
  });

  t.test('a refused client that keeps sending is disconnected, not left half-open', async (t) => {
    const socket = tcpConnect(server.address.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let answer = '';
    socket.on('data', (d) => (answer += d.toString()));
    socket.on('error', () => {});
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.write('GET /stream HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
    const chatter = setInterval(() => socket.writable && socket.write('more bytes after the refusal'), 20);
    await closed;
    clearInterval(chatter);
    t.match(answer, /^HTTP\/1.1 401 Unauthorized/);
  });

  t.test('bad input: clear errors, meaningful close codes, the server and other streams unharmed', async (t) => {
    const good = await connect(`${base}/stream?token=secret`);
    good.ws.send(JSON.stringify({ type: 'start', sampleRate: 8000, encoding: 'mulaw' }));

    const c1 = await connect(`${base}/stream?token=secret`);
    c1.ws.send('{not json');
    c1.ws.send(JSON.stringify({ type: 'dance' }));
    c1.ws.send(Buffer.from([1, 2, 3]));
    t.match(await c1.closed, { code: 1002 });
    t.match(c1.messages, [{ code: 'BAD_JSON' }, { code: 'UNKNOWN_MESSAGE', fatal: false }, { code: 'AUDIO_BEFORE_START', fatal: true }]);

    const c2 = await connect(`${base}/stream?token=secret`);
    c2.ws.send(JSON.stringify({ type: 'start', sampleRate: 12345.5, encoding: 'mulaw' }));
    t.match(await c2.closed, { code: 1008 });
    t.match(c2.messages[0], { code: 'BAD_START', message: /12345.5/ });

    const quoted = await connect(`${base}/stream?token=secret`);
    quoted.ws.send(JSON.stringify({ type: 'start', sampleRate: '16000', encoding: 'pcm_s16le' }));
    t.match(await quoted.closed, { code: 1008 });
    t.match(quoted.messages[0], { code: 'BAD_START', message: 'sampleRate must be a JSON number, not "16000"' });

    const c3 = await connect(`${base}/stream?token=secret`);
    c3.ws.send(JSON.stringify({ type: 'start', sampleRate: 16000, encoding: 'pcm_s16le' }));
    c3.ws.send(Buffer.alloc(8192)); // over maxPayload
    t.match(await c3.closed, { code: 1009 });

    const c4 = await connect(`${base}/twilio?token=secret`);
    c4.ws.send(JSON.stringify({ event: 'start', streamSid: 'MZ1', start: { mediaFormat: { encoding: 'audio/l16', sampleRate: 16000 } } }));
    t.match(await c4.closed, { code: 1008 });

    const c5 = await connect(`${base}/stream?token=secret`); // says nothing
    t.match(await c5.closed, { code: 1008, reason: 'no start message' });

    sendFrames(good.ws, threeUtterancesMulaw());
    good.ws.send(JSON.stringify({ type: 'stop' }));
    t.equal((await good.closed).code, 1000);
    t.equal(good.messages.filter((m) => m.type === 'emotion' && m.final).length, 3, 'the good stream got all its events');
  });

  t.test('connections that have not started are bounded, and only start ends the start deadline', async (t) => {
    const limited = await EmotionServer.listen({ plugin, port: 0, startTimeoutMs: 400, maxPending: 3, maxPendingPerAddress: 2 });
    t.teardown(() => limited.close());
    const url = `ws://127.0.0.1:${limited.address.port}/stream`;
    const refusal = (localAddress: string) => new Promise<Error>((resolve) => new WebSocket(url, { localAddress }).once('error', resolve));
    const a = [await connect(url), await connect(url)];
    t.match((await refusal('127.0.0.1')).message, /429/, 'a third pending connection from one address');
    const other = await connect(url, {}, '127.0.0.2');
    t.match((await refusal('127.0.0.3')).message, /503/, 'a fourth pending connection in all');
    a[0].ws.send(JSON.stringify({ type: 'start', sampleRate: 8000, encoding: 'mulaw' }));
    await new Promise<void>((resolve) => limited.once('connection', () => resolve()));
    const again = await connect(url); // a started stream no longer counts as pending
    // Chatter before start does not extend the deadline: the start timeout closes these as it would a silent one.
    const chatter = setInterval(() => [a[1], other, again].forEach((c) => c.ws.readyState === WebSocket.OPEN && c.ws.send('{"type":"ping"}')), 100);
    for (const c of [a[1], other, again]) t.match(await c.closed, { code: 1008, reason: 'no start message' });
    clearInterval(chatter);
    a[0].ws.send(JSON.stringify({ type: 'stop' }));
    t.equal((await a[0].closed).code, 1000, 'the started stream was unaffected');
  });

  t.test('graceful shutdown finishes the utterance in flight', async (t) => {
    const other = await EmotionServer.listen({ plugin, port: 0 });
    const c = await connect(`ws://127.0.0.1:${other.address.port}/stream`);
    c.ws.send(JSON.stringify({ type: 'start', sampleRate: 8000, encoding: 'mulaw' }));
    sendFrames(c.ws, threeUtterancesMulaw().subarray(0, 8000 * 3)); // into the first sentence
    await new Promise((r) => setTimeout(r, 300));
    await other.close();
    t.equal((await c.closed).code, 1001);
    t.equal(c.messages.filter((m) => m.type === 'emotion' && m.final).length, 1, 'the utterance in progress was scored and sent');
  });
});

t.test('starts that arrive together cannot pass maxStreams before any of them is open', { skip: model ? false : 'no model' }, async (t) => {
  const plugin = await EmotionPlugin.create({ model: model!.path, log: () => {} });
  // Opening a stream takes a while here (as the first one of a process does, loading the resampler's WebAssembly):
  // a limit counted only over streams already open lets every start that arrives meanwhile through.
  const slow = Object.assign(Object.create(plugin) as EmotionPlugin, {
    openStream: async (...args: Parameters<EmotionPlugin['openStream']>) => {
      await new Promise((r) => setTimeout(r, 100));
      return plugin.openStream(...args);
    },
  });
  const server = await EmotionServer.listen({ plugin: slow, port: 0, maxStreams: 3 });
  t.teardown(async () => {
    await server.close();
    await plugin.close();
  });
  const clients = await Promise.all(Array.from({ length: 6 }, () => connect(`ws://127.0.0.1:${server.address.port}/stream`)));
  for (const c of clients) c.ws.send(JSON.stringify({ type: 'start', sampleRate: 8000, encoding: 'mulaw' }));
  const outcome = await Promise.all(
    clients.map(async (c) => {
      for (let waited = 0; waited < 5000; waited += 20) {
        if (c.messages.some((m) => m.type === 'started')) return 'started';
        if (c.ws.readyState === WebSocket.CLOSED) return (await c.closed).code;
        await new Promise((r) => setTimeout(r, 20));
      }
      return 'no answer';
    }),
  );
  t.same(outcome.filter((o) => o === 'started').length, 3, 'three streams open');
  t.same(outcome.filter((o) => o === 1013).length, 3, 'the other three are told to try again later');
  for (const c of clients) c.ws.close();
});
