/**
 * Soak: a server carrying N concurrent calls for a long time, with calls ending and new ones starting all the time
 * (each call: a 0-2 s lead-in, then 1 to 3 utterances of 1.5-3 s speech and 1-2 s silence, in real time, 8 kHz
 * mu-law over WebSocket). Every few seconds: the server's RSS, heap and event-loop lag; at the end, the RSS trend
 * (least-squares slope over the second half, after warm-up) and every utterance accounted for.
 * Prints Markdown. Run: npm run bench:soak [-- minutes streams] [--workers N] [--vad-thread main|worker] [--model FILE]   (default 10 minutes, 50 streams)
 */
import { Call, FRAME_MS, Ticker, percentile, serverSetup, startServer, type CallPlan } from './load/calls.js';

const { positionals, setup, pauses } = serverSetup(process.argv.slice(2));
const MINUTES = Number(positionals[0] ?? 10);
const STREAMS = Number(positionals[1] ?? 50);
const SAMPLE_MS = 5000;

const seconds = (lo: number, hi: number) => (Math.round(((lo + Math.random() * (hi - lo)) * 1000) / FRAME_MS) * FRAME_MS) / 1000;
const plan = (): CallPlan => ({
  pauses,
  leadInS: seconds(0, 2),
  utterances: Array.from({ length: 1 + Math.floor(Math.random() * 3) }, () => ({ speechS: seconds(1.5, 3), pauseS: seconds(1, 2) })),
});

const server = await startServer(setup);
await server.sample();
const ticker = new Ticker();
const finished: Call[] = [];
let opened = 0;
const deadline = performance.now() + MINUTES * 60_000;
const open = (): void => {
  const call = new Call(server.port, `soak-${opened++}`, plan());
  ticker.add(call);
  void call.done.then(() => {
    finished.push(call);
    if (performance.now() < deadline) open();
  });
};
for (let i = 0; i < STREAMS; i++) open();

const trace: { minute: number; rssMb: number; lagP99Ms: number; streams: number }[] = [];
const started = performance.now();
while (performance.now() < deadline) {
  await new Promise((r) => setTimeout(r, SAMPLE_MS));
  const s = await server.sample();
  trace.push({ minute: (performance.now() - started) / 60_000, rssMb: s.rssMb, lagP99Ms: s.loopLagP99Ms, streams: s.streams });
}
while (finished.length < opened) await new Promise((r) => setTimeout(r, 200));
ticker.stop();
await server.stop();

const late = trace.slice(Math.floor(trace.length / 2));
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const mx = mean(late.map((p) => p.minute));
const my = mean(late.map((p) => p.rssMb));
const slope = late.reduce((s, p) => s + (p.minute - mx) * (p.rssMb - my), 0) / late.reduce((s, p) => s + (p.minute - mx) ** 2, 0);
const planned = finished.reduce((n, c) => n + c.utterances, 0);
const speechEnds = finished.reduce((n, c) => n + c.speechEnds, 0);
const finals = finished.flatMap((c) => c.finals);
const errors = finished.flatMap((c) => c.errors);
const latencies = finals.flatMap((f) => (f.latencyMs === undefined ? [] : [f.latencyMs]));

console.log(`Soak: ${MINUTES} min, ${STREAMS} concurrent calls, ${finished.length} calls in all, pauses of ${pauses === 'noise' ? 'line noise' : 'digital silence'}\n`);
console.log('| minute | server RSS MB | event-loop lag p99 ms | open streams |\n|---|---|---|---|');
for (const p of trace.filter((_, i) => i % Math.max(1, Math.floor(trace.length / 12)) === 0 || _ === trace.at(-1))) {
  console.log(`| ${p.minute.toFixed(1)} | ${p.rssMb.toFixed(0)} | ${p.lagP99Ms.toFixed(0)} | ${p.streams} |`);
}
console.log(`\nRSS trend over the second half: ${slope >= 0 ? '+' : ''}${slope.toFixed(2)} MB/min (first sample ${trace[0].rssMb.toFixed(0)} MB, last ${trace.at(-1)!.rssMb.toFixed(0)} MB, max ${Math.max(...trace.map((p) => p.rssMb)).toFixed(0)} MB)`);
console.log(`Utterances: ${planned} spoken, ${speechEnds} speech_end, ${finals.length} final emotion events, ${errors.length} errors${errors.length ? ` (e.g. ${errors[0]})` : ''}`);
console.log(`Latency p50 / p95 / p99: ${percentile(latencies, 0.5).toFixed(0)} / ${percentile(latencies, 0.95).toFixed(0)} / ${percentile(latencies, 0.99).toFixed(0)} ms`);
