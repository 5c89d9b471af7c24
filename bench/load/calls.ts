/**
 * Simulated callers for the load and soak benchmarks: each sends real speech as a telephony stream (8 kHz mu-law,
 * 20 ms frames, the project's /stream protocol) in real time over a WebSocket and collects its events; and the
 * server under test, in a child process of its own (loadServer.ts).
 */
import { fork } from 'node:child_process';
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import alawmulaw from 'alawmulaw';
import WebSocket from 'ws';
import type { PluginEvent } from '../../src/plugin/events.js';
import { decodeAudioFile } from '../../src/stream/audioFile.js';
import { resampleAll } from '../../src/stream/resampler.js';
import { DEFAULT_SEGMENTER_OPTIONS } from '../../src/vad/utteranceSegmenter.js';
import type { ServerSample } from './loadServer.js';

export const FRAME_MS = 20;
const RATE = 8000;
const FRAME_BYTES = (RATE * FRAME_MS) / 1000;

const caller = await decodeAudioFile(readFileSync('examples/audio/caller.wav'));
/** Continuous speech: the sample's first sentences (2.3 s without a pause as long as the VAD's hangover), looped. */
const voiced = (await resampleAll(caller.samples, caller.sampleRate, RATE)).subarray(0, RATE * 2.3);

/** A call's script: silence first, then utterances, each followed by its pause (seconds, whole 20 ms frames). */
export interface CallPlan {
  leadInS: number;
  utterances: { speechS: number; pauseS: number }[];
  /** 'silence' (default): digital silence between utterances; 'noise': an open line, +-10 steps of uniform noise
   *  (about -73 dBFS) under everything, as the pipeline benchmark's. */
  pauses?: Pauses;
}

export type Pauses = 'silence' | 'noise';

const frames = (s: number) => Math.round((s * 1000) / FRAME_MS);

export function callAudio(plan: CallPlan): Buffer {
  const total = frames(plan.leadInS) + plan.utterances.reduce((n, u) => n + frames(u.speechS) + frames(u.pauseS), 0);
  const pcm = new Int16Array(total * FRAME_BYTES);
  let at = frames(plan.leadInS) * FRAME_BYTES;
  for (const u of plan.utterances) {
    const length = frames(u.speechS) * FRAME_BYTES;
    for (let i = 0; i < length; i++) pcm[at + i] = Math.round(voiced[i % voiced.length] * 32767);
    at += length + frames(u.pauseS) * FRAME_BYTES;
  }
  if (plan.pauses === 'noise') for (let i = 0; i < pcm.length; i++) pcm[i] += Math.round((Math.random() - 0.5) * 20);
  return Buffer.from(alawmulaw.mulaw.encode(pcm));
}

export interface Final {
  /** From sending the audio that completes the VAD's end-of-speech hangover to the event's arrival. */
  latencyMs?: number;
  serverLatencyMs: number;
}

/** One caller: connects, sends its audio in real time when ticked, collects its events. */
export class Call {
  readonly audio: Buffer;
  readonly frames: number;
  readonly sentAt: Float64Array;
  readonly utterances: number;
  sent = 0;
  startedAt = 0;
  finals: Final[] = [];
  speechEnds = 0;
  errors: string[] = [];
  readonly done: Promise<void>;
  private readonly ws: WebSocket;

  constructor(port: number, id: string, plan: CallPlan) {
    this.audio = callAudio(plan);
    this.utterances = plan.utterances.length;
    this.frames = Math.ceil(this.audio.length / FRAME_BYTES);
    this.sentAt = new Float64Array(this.frames);
    this.ws = new WebSocket(`ws://127.0.0.1:${port}/stream`, { perMessageDeflate: false });
    this.done = new Promise((resolve) => this.ws.on('close', () => resolve()));
    this.ws.on('open', () => this.ws.send(JSON.stringify({ type: 'start', sampleRate: RATE, encoding: 'mulaw', streamId: id })));
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

  /** Sends every frame due by now, then `stop`; true while audio is left. */
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

/** Ticks every call it holds every 5 ms; a call leaves when its audio is sent. */
export class Ticker {
  private readonly calls = new Set<Call>();
  private readonly timer = setInterval(() => {
    const now = performance.now();
    for (const call of this.calls) if (!call.tick(now)) this.calls.delete(call);
  }, 5);

  add(call: Call): void {
    this.calls.add(call);
  }

  get active(): number {
    return this.calls.size;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export interface ServerUnderTest {
  port: number;
  sample(): Promise<ServerSample>;
  stop(): Promise<void>;
  /** Ends the server at once, streams unfinished (a benchmark that has its figures). */
  kill(): Promise<void>;
}

/** How the server under test runs its plugin (loadServer.ts): the benchmarks' --workers and --vad-thread. */
export interface ServerSetup {
  workers?: number;
  vadThread?: 'main' | 'worker';
  /** The emotion model's file (default: the shipped model), so that two models compare in one session. */
  model?: string;
}

/** The benchmark's own arguments after its positional ones: --workers N, --vad-thread main|worker, --model FILE, and
 *  the calls' --pauses silence|noise. */
export function serverSetup(args: string[]): { positionals: string[]; setup: ServerSetup; pauses: Pauses } {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { workers: { type: 'string' }, 'vad-thread': { type: 'string' }, model: { type: 'string' }, pauses: { type: 'string' } } });
  const thread = values['vad-thread'];
  if (thread !== undefined && thread !== 'main' && thread !== 'worker') throw new Error(`--vad-thread is main or worker, not '${thread}'`);
  const pauses = values.pauses ?? 'silence';
  if (pauses !== 'silence' && pauses !== 'noise') throw new Error(`--pauses is silence or noise, not '${pauses}'`);
  const workers = values.workers === undefined ? undefined : Number(values.workers);
  return { positionals, setup: { workers, vadThread: thread, model: values.model }, pauses };
}

/** Starts loadServer.js in a child process. SER_LOAD_PROFILE=dir writes its CPU profiles there (node --cpu-prof). */
export async function startServer(setup: ServerSetup = {}): Promise<ServerUnderTest> {
  const profile = process.env.SER_LOAD_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.SER_LOAD_PROFILE}`] : [];
  const args = [JSON.stringify(setup)];
  const child = fork(fileURLToPath(new URL('./loadServer.js', import.meta.url)), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: profile });
  const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
  return {
    port,
    sample: () =>
      new Promise<ServerSample>((resolve) => {
        child.once('message', (m: { sample: ServerSample }) => resolve(m.sample));
        child.send('sample');
      }),
    stop: async () => {
      child.send('stop');
      await new Promise((resolve) => child.once('exit', resolve));
    },
    kill: async () => {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}
