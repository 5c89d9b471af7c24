import { Writable } from 'node:stream';
import { pino } from 'pino';
import t from 'tap';
import WebSocket from 'ws';
import { EmotionPlugin } from '../src/plugin/emotionPlugin.js';
import { EmotionServer } from '../src/server/emotionServer.js';
import { threeUtterancesMulaw } from './helpers/fixtures.js';
import { testModelPath } from './helpers/testModel.js';

const model = testModelPath();

/** A call on the project's protocol: start, 20 ms mu-law frames, stop; resolves when the server has closed it. */
async function call(url: string, streamId: string, messages: (ws: WebSocket) => void = () => {}): Promise<void> {
  const ws = new WebSocket(url);
  const closed = new Promise((resolve) => ws.on('close', resolve));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  messages(ws);
  ws.send(JSON.stringify({ type: 'start', sampleRate: 8000, encoding: 'mulaw', channels: 1, streamId }));
  const audio = threeUtterancesMulaw();
  for (let i = 0; i < audio.length; i += 160) ws.send(audio.subarray(i, i + 160));
  ws.send(JSON.stringify({ type: 'stop' }));
  await closed;
}

/** The value of one sample line of a Prometheus text exposition. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? NaN : Number(line.slice(series.length + 1));
}

t.test('operations: probes, Prometheus metrics and structured logs', { skip: model ? false : 'no model' }, async (t) => {
  const plugin = await EmotionPlugin.create({ model: model!.path, log: () => {} });
  const lines: Record<string, unknown>[] = [];
  const logs = new Writable({ write: (chunk, _encoding, done) => (lines.push(JSON.parse(String(chunk))), done()) });
  const server = await EmotionServer.listen({ plugin, port: 0, logger: pino({ level: 'info' }, logs) });
  const http = `http://127.0.0.1:${server.address.port}`;
  t.teardown(async () => {
    await server.close();
    await plugin.close();
  });

  t.same([(await fetch(`${http}/healthz`)).status, await (await fetch(`${http}/healthz`)).text()], [200, 'ok\n']);
  t.equal((await fetch(`${http}/readyz`)).status, 200);
  t.equal((await fetch(`${http}/other`)).status, 426, 'other plain requests: WebSocket only');

  await call(`ws://127.0.0.1:${server.address.port}/stream`, 'ops-1');
  await call(`ws://127.0.0.1:${server.address.port}/stream`, 'ops-2', (ws) => ws.send('{not json'));
  const response = await fetch(`${http}/metrics`);
  t.match(response.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  t.equal(sample(text, 'ser_utterances_scored_total'), 6, 'three utterances in each of the two calls');
  t.equal(sample(text, 'ser_final_event_latency_seconds_count'), 6);
  t.ok(sample(text, 'ser_inference_seconds_count') >= 6, 'every inference timed (interim ones too)');
  t.ok(sample(text, 'ser_errors_total{code="BAD_JSON"}') >= 1, 'errors by code');
  t.equal(sample(text, 'ser_streams_open{protocol="stream"}'), 0, 'both calls have ended');
  t.equal(sample(text, 'ser_inference_queue_depth'), 0);
  t.match(text, /^ser_nodejs_eventloop_lag_seconds /m, "Node's own metrics, event-loop lag among them");

  const started = lines.filter((l) => l.msg === 'stream started');
  const ended = lines.filter((l) => l.msg === 'stream ended');
  t.same(started.map((l) => [l.streamId, l.protocol]), [['ops-1', 'stream'], ['ops-2', 'stream']], 'a line per stream start, with id and protocol');
  t.same(ended.map((l) => [l.streamId, l.utterances]), [['ops-1', 3], ['ops-2', 3]], 'and per stream end, with its summary');
  t.ok(lines.some((l) => l.code === 'BAD_JSON' && l.protocol === 'stream' && l.level === 40), 'a warning per error');
});

t.test('metrics access: loopback without a token, the token when one is set, anyone when open', { skip: model ? false : 'no model' }, async (t) => {
  const plugin = await EmotionPlugin.create({ model: model!.path, log: () => {} });
  t.teardown(() => plugin.close());
  for (const [options, query, status] of [
    [{ authToken: 'secret' }, '', 403],
    [{ authToken: 'secret' }, '?token=secret', 200],
    [{ authToken: 'secret', metricsAccess: 'open' as const }, '', 200],
    [{}, '', 200],
  ] as const) {
    const server = await EmotionServer.listen({ plugin, port: 0, ...options });
    const { status: got } = await fetch(`http://127.0.0.1:${server.address.port}/metrics${query}`);
    t.equal(got, status, `${JSON.stringify(options)} ${query || '(no token)'}: ${status}`);
    t.equal((await fetch(`http://127.0.0.1:${server.address.port}/healthz`)).status, 200, 'probes need no token');
    await server.close();
  }
});

t.test('readiness: 503 once the plugin is closed', { skip: model ? false : 'no model' }, async (t) => {
  const plugin = await EmotionPlugin.create({ model: model!.path, log: () => {} });
  const server = await EmotionServer.listen({ plugin, port: 0 });
  t.teardown(() => server.close());
  await plugin.close();
  const response = await fetch(`http://127.0.0.1:${server.address.port}/readyz`);
  t.same([response.status, await response.text()], [503, 'not ready: the plugin is closed\n']);
});
