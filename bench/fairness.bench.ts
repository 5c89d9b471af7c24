/**
 * Fairness: one caller in real time (8 kHz mu-law, 5 utterances of 3 s speech and 3 s silence) alone, then beside K
 * clients that push audio as fast as the server takes it (10 minutes of speech each, sent at once, the socket's
 * backpressure the only brake). For each K: the real-time caller's final-event latency (from sending the audio that
 * completes the end-of-speech hangover to the event's arrival), how long its 32 s of audio took to send and be
 * answered, and the audio the fast clients got through, in multiples of real time.
 * Prints Markdown. Run: npm run build && node dist/bench/fairness.bench.js [0,12,30]
 */
import WebSocket from 'ws';
import { Call, Ticker, callAudio, percentile, startServer } from './load/calls.js';

const COUNTS = (process.argv[2] ?? '0,12,30').split(',').map(Number);
const FAST_SPEECH = Array.from({ length: 100 }, () => ({ speechS: 3, pauseS: 3 })); // 10 minutes

/** A client that sends its whole recording at once and counts the speech_end events that come back. */
class FastSender {
  speechEnds = 0;
  private readonly ws: WebSocket;
  constructor(port: number, id: string, audio: Buffer) {
    this.ws = new WebSocket(`ws://127.0.0.1:${port}/stream`, { perMessageDeflate: false });
    this.ws.on('open', () => {
      this.ws.send(JSON.stringify({ type: 'start', sampleRate: 8000, encoding: 'mulaw', streamId: id }));
      for (let i = 0; i < audio.length; i += 160) this.ws.send(audio.subarray(i, i + 160));
    });
    this.ws.on('message', (data) => JSON.parse(data.toString()).type === 'speech_end' && this.speechEnds++);
    this.ws.on('error', () => {});
  }
  close(): void {
    this.ws.terminate();
  }
}

async function run(count: number): Promise<string> {
  const server = await startServer();
  const audio = callAudio({ leadInS: 0, utterances: FAST_SPEECH });
  const fast = Array.from({ length: count }, (_, i) => new FastSender(server.port, `fast-${i}`, audio));
  await new Promise((r) => setTimeout(r, 1000)); // the fast clients are under way
  const ticker = new Ticker();
  const call = new Call(server.port, 'live', { leadInS: 1, utterances: Array.from({ length: 5 }, () => ({ speechS: 3, pauseS: 3 })) });
  ticker.add(call);
  const started = performance.now();
  await call.done;
  const seconds = (performance.now() - started) / 1000;
  ticker.stop();
  const throughput = fast.reduce((n, f) => n + f.speechEnds, 0) * 6 / seconds; // each utterance is 6 s of audio
  fast.forEach((f) => f.close());
  await server.kill();
  const latencies = call.finals.flatMap((f) => (f.latencyMs === undefined ? [] : [f.latencyMs]));
  const f = (v: number) => v.toFixed(0);
  return `| ${count} | ${f(percentile(latencies, 0.5))} / ${f(percentile(latencies, 0.95))} | ${call.finals.length} of 5 / ${call.errors.length} | ${seconds.toFixed(1)} s | ${count ? `${throughput.toFixed(0)}x` : '-'} |`;
}

console.log('Fairness: one real-time caller (31 s of audio, 5 utterances) beside K clients pushing as fast as they can\n');
console.log('| fast clients | live caller latency p50 / p95 ms | finals / errors | live call took | fast clients\' audio through, x real time (all together) |');
console.log('|---|---|---|---|---|');
for (const count of COUNTS) console.log(await run(count));
