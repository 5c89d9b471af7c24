/**
 * Load: N concurrent WebSocket streams on loopback, each sending real speech in real time as a telephony stream
 * (8 kHz mu-law, 20 ms frames, the project's /stream protocol), all through one server process (bench/load/loadServer).
 * Each stream: a random 0-6 s lead-in of silence (so utterances do not all end together), then 5 utterances of 3 s
 * speech and 3 s silence. For each N: the server's CPU and memory, its event-loop lag, the latency of each final
 * emotion event (from the moment the audio that completes the VAD's 500 ms end-of-speech hangover was sent to the
 * event's arrival), and the count of utterances sent against speech_end and final emotion events received.
 * Prints Markdown. Run: npm run bench:load [-- 1,10,50,100,200]
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import alawmulaw from 'alawmulaw';
import WebSocket from 'ws';
import type { PluginEvent } from '../src/plugin/events.js';
import { decodeAudioFile } from '../src/stream/audioFile.js';
import { resampleAll } from '../src/stream/resampler.js';
import { DEFAULT_SEGMENTER_OPTIONS } from '../src/vad/utteranceSegmenter.js';
import type { ServerSample } from './load/loadServer.js';

const FRAME_MS = 20;
const RATE = 8000;
const FRAME_BYTES = (RATE * FRAME_MS) / 1000;
const UTTERANCES = 5;
const SPEECH_S = 3;
const PAUSE_S = 3;
const LEAD_IN_MAX_S = 6;
const COUNTS = (process.argv[2] ?? '1,10,50,100,200').split(',').map(Number);

const caller = await decodeAudioFile(readFileSync('examples/audio/caller.wav'));
/** Continuous speech: the sample's first sentences (2.3 s without a pause as long as the VAD's hangover), looped. */
const voiced = (await resampleAll(caller.samples, caller.sampleRate, RATE)).subarray(0, RATE * 2.3);

function callAudio(leadInS: number): Buffer {
  const pcm = new Int16Array(Math.round(RATE * (leadInS + UTTERANCES * (SPEECH_S + PAUSE_S))));
  for (let u = 0; u < UTTERANCES; u++) {
    const start = Math.round(RATE * (leadInS + u * (SPEECH_S + PAUSE_S)));
    for (let i = 0; i < RATE * SPEECH_S; i++) pcm[start + i] = Math.round(voiced[i % voiced.length] * 32767);
  }
  return Buffer.from(alawmulaw.mulaw.encode(pcm));
}

interface Final {
  latencyMs?: number;
  serverLatencyMs: number;
}

/** One caller: connects, sends its audio in real time when ticked, collects its events. */
class Call {
  readonly audio: Buffer;
  readonly frames: number;
  readonly sentAt: Float64Array;
  sent = 0;
  startedAt = 0;
  finals: Final[] = [];
  speechEnds = 0;
  errors: string[] = [];
  readonly done: Promise<void>;
  private ws: WebSocket;

  constructor(port: number, id: number) {
    this.audio = callAudio(Math.round((Math.random() * LEAD_IN_MAX_S * 1000) / FRAME_MS) * (FRAME_MS / 1000));
    this.frames = Math.ceil(this.audio.length / FRAME_BYTES);
    this.sentAt = new Float64Array(this.frames);
    this.ws = new WebSocket(`ws://127.0.0.1:${port}/stream`, { perMessageDeflate: false });
    this.done = new Promise((resolve) => this.ws.on('close', () => resolve()));
    this.ws.on('open', () => this.ws.send(JSON.stringify({ type: 'start', sampleRate: RATE, encoding: 'mulaw', streamId: `call-${id}` })));
    this.ws.on('message', (data) => this.event(JSON.parse(data.toString()) as PluginEvent | { type: 'started' | 'stopped' }));
    this.ws.on('error', (err) => this.errors.push(`socket: ${err.message}`));
  }

  private event(e: PluginEvent | { type: 'started' | 'stopped' }): void {
    const now = performance.now();
    if (e.type === 'started') this.startedAt = now;
    else if (e.type === 'speech_end') this.speechEnds++;
    else if (e.type === 'error') this.errors.push(`${e.code}: ${e.message}`);
    else if (e.type === 'emotion' && e.final) {
      // The end decision needs the hangover's audio: the frame holding endMs + minSilenceMs.
      const frame = Math.ceil((e.endMs + DEFAULT_SEGMENTER_OPTIONS.minSilenceMs) / FRAME_MS) - 1;
      this.finals.push({ latencyMs: frame < this.sent ? now - this.sentAt[frame] : undefined, serverLatencyMs: e.latencyMs ?? 0 });
    }
  }

  /** Sends every frame due by now; true while audio is left. */
  tick(now: number): boolean {
    if (!this.startedAt || this.ws.readyState !== WebSocket.OPEN) return this.sent < this.frames && this.ws.readyState <= WebSocket.OPEN;
    const due = Math.min(this.frames, Math.floor((now - this.startedAt) / FRAME_MS) + 1);
    for (; this.sent < due; this.sent++) {
      this.sentAt[this.sent] = now;
      this.ws.send(this.audio.subarray(this.sent * FRAME_BYTES, (this.sent + 1) * FRAME_BYTES));
    }
    if (this.sent < this.frames) return true;
    this.ws.send(JSON.stringify({ type: 'stop' }));
    return false;
  }
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

async function run(count: number): Promise<string> {
  // SER_LOAD_PROFILE=dir writes the server's CPU profile there (node --cpu-prof), to see what limits it.
  const profile = process.env.SER_LOAD_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.SER_LOAD_PROFILE}`] : [];
  const server = fork(fileURLToPath(new URL('./load/loadServer.js', import.meta.url)), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: profile });
  const port = await new Promise<number>((resolve) => server.once('message', (m: { port: number }) => resolve(m.port)));
  const sample = () =>
    new Promise<ServerSample>((resolve) => {
      server.once('message', (m: { sample: ServerSample }) => resolve(m.sample));
      server.send('sample');
    });

  await sample(); // counters start with the calls
  const clientCpu = process.cpuUsage();
  const calls = Array.from({ length: count }, (_, i) => new Call(port, i));
  const samples: ServerSample[] = [];
  const sampler = setInterval(async () => samples.push(await sample()), 2000);
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = performance.now();
      let active = 0;
      for (const call of calls) if (call.tick(now)) active++;
      if (active === 0) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
  await Promise.all(calls.map((c) => c.done));
  clearInterval(sampler);
  samples.push(await sample());
  const client = process.cpuUsage(clientCpu);
  server.send('stop');
  await new Promise((resolve) => server.once('exit', resolve));

  const cpuMs = samples.reduce((s, x) => s + x.cpuMs, 0);
  const wallMs = samples.reduce((s, x) => s + x.wallMs, 0);
  const finals = calls.flatMap((c) => c.finals);
  const latencies = finals.flatMap((f) => (f.latencyMs === undefined ? [] : [f.latencyMs]));
  const serverLatencies = finals.map((f) => f.serverLatencyMs);
  const speechEnds = calls.reduce((s, c) => s + c.speechEnds, 0);
  const errors = calls.flatMap((c) => c.errors);
  if (errors.length) console.error(`N=${count}: ${errors.length} errors, e.g. ${errors.slice(0, 3).join('; ')}`);
  const fmt = (v: number) => v.toFixed(0);
  return `| ${count} | ${fmt((100 * cpuMs) / wallMs)}% | ${fmt(Math.max(...samples.map((s) => s.rssMb)))} | ${fmt(Math.max(...samples.map((s) => s.loopLagP99Ms)))} | ${fmt(percentile(latencies, 0.5))} / ${fmt(percentile(latencies, 0.95))} / ${fmt(percentile(latencies, 0.99))} | ${fmt(percentile(serverLatencies, 0.95))} | ${count * UTTERANCES} / ${speechEnds} / ${finals.length} / ${errors.length} | ${fmt((100 * (client.user + client.system)) / 1000 / wallMs)}% |`;
}

console.log(`Load: N streams of 8 kHz mu-law speech in real time over WebSocket on loopback, ${UTTERANCES} utterances of ${SPEECH_S} s each\n`);
console.log('| streams | server CPU (of one core) | server RSS MB (max) | event-loop lag p99 ms (worst 2 s) | latency p50 / p95 / p99 ms | server-side p95 ms | utterances sent / speech_end / final / errors | client CPU |');
console.log('|---|---|---|---|---|---|---|---|');
for (const count of COUNTS) console.log(await run(count));
