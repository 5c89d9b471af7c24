import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { EmotionPlugin } from '../plugin/emotionPlugin.js';
import { EmotionServer, isLoopback } from '../server/emotionServer.js';
import { modelOptionSpec, modelOptionsUsage, openModel } from './modelOptions.js';
import { UsageError } from './usageError.js';

export const serveUsage = `ser serve [--port 8080] [--host 127.0.0.1] [--token secret] [--max-streams 200] [--log-level info]
          [--open-metrics] [--model file.onnx]

  Listens on 127.0.0.1 unless --host names another address (0.0.0.0 or :: for every interface; without --token
  that prints a warning). --max-streams caps the streams open at once (default 200); a connection over it is
  closed with 1013 (try again later), which a load balancer or client retries on another server.
  The network runs in two inference threads where the machine has two cores or more: with many calls, utterances
  that end together are then scored side by side instead of waiting (BENCHMARKS.md, Load).

  Endpoints (WebSocket; with --token, each needs ?token=... or an Authorization: Bearer header):
    ws://host:port/stream    the project's protocol: JSON start {sampleRate, encoding, channels, streamId}, binary
                             audio frames, JSON stop; every event comes back as JSON
    ws://host:port/twilio    Twilio Media Streams (8 kHz mu-law, base64 media messages)
    ws://host:port/vonage    Vonage Voice API WebSocket audio (16-bit linear PCM)
    ws://host:port/jambonz   jambonz listen/stream audio (16-bit linear PCM)
    ws://host:port/webrtc    WebRTC signalling: send an SDP offer, get the answer; the peer's audio track is the stream
  Plain HTTP, for operations:
    GET /healthz             200 while the process answers
    GET /readyz              200 when the model and VAD are loaded and the inference queue has room, else 503
    GET /metrics             Prometheus metrics; from this machine or with the token, or from anywhere with
                             --open-metrics
  Every event of every stream is also printed on stdout as a JSON line; logs (JSON lines, a line per stream start
  and end and per error) go to stderr at --log-level (fatal, error, warn, info, debug or silent). Ctrl-C finishes the
  streams in flight.
${modelOptionsUsage('2, or 1 on a single core')}`;

export async function serveCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ...modelOptionSpec,
      port: { type: 'string' },
      host: { type: 'string' },
      token: { type: 'string' },
      'log-level': { type: 'string' },
      'open-metrics': { type: 'boolean' },
      'max-streams': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(serveUsage);
    return 0;
  }
  const port = Number(values.port ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0 to 65535, not '${values.port}'`);
  const maxStreams = values['max-streams'] === undefined ? undefined : Number(values['max-streams']);
  if (maxStreams !== undefined && (!Number.isInteger(maxStreams) || maxStreams < 1)) throw new UsageError(`--max-streams must be a positive integer, not '${values['max-streams']}'`);
  const level = values['log-level'] ?? 'info';
  if (!LEVELS.includes(level)) throw new UsageError(`--log-level must be one of ${LEVELS.join(', ')}, not '${level}'`);
  const logger = pino({ level }, pino.destination(2));
  const model = await openModel(values, Math.min(2, availableParallelism()));
  const plugin = await EmotionPlugin.create({ model });
  const host = values.host ?? '127.0.0.1';
  if (!isLoopback(host) && values.token === undefined) {
    console.error(`warning: listening on ${host} without --token: anyone who can reach this address can stream audio to it`);
  }
  const server = await EmotionServer.listen({
    plugin,
    port,
    host,
    authToken: values.token,
    logger,
    maxStreams,
    metricsAccess: values['open-metrics'] ? 'open' : 'loopback-or-token',
  });
  server.on('event', (e) => console.log(JSON.stringify(e)));
  const base = `ws://${urlHost(server.address.address)}:${server.address.port}`;
  console.error(`listening on ${base}/stream (also /twilio, /vonage, /jambonz, /webrtc)`);
  await new Promise<void>((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
  console.error('shutting down: finishing the streams in flight');
  await server.close();
  await plugin.close();
  await model.close();
  return 0;
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'silent'];


/** A host for a URL a person can paste: IPv6 in brackets, and a wildcard address as the loopback one. */
function urlHost(address: string): string {
  if (address === '0.0.0.0') return '127.0.0.1';
  if (address === '::') return '[::1]';
  return address.includes(':') ? `[${address}]` : address;
}
