/**
 * Load: N concurrent WebSocket streams on loopback, each sending real speech in real time as a telephony stream
 * (8 kHz mu-law, 20 ms frames), all through one server process (bench/load/loadServer). Each stream: a random 0-6 s
 * lead-in of silence (so utterances do not all end together), then 5 utterances of 3 s speech and 3 s silence. For
 * each N: the server's CPU and memory, its event-loop lag, the latency of each final emotion event (from the moment
 * the audio that completes the VAD's 500 ms end-of-speech hangover was sent to the event's arrival), and the count of
 * utterances sent against speech_end and final emotion events received. "inference" is each inference call's own
 * time (from the model's call to its result, in its thread), so that server-side latency less it is the queue's wait.
 * Prints Markdown. Run: npm run bench:load [-- 1,10,50,100,200] [--workers N] [--vad-thread main|worker] [--model FILE] [--pauses silence|noise]
 */
import { Call, FRAME_MS, Ticker, percentile, serverSetup, startServer } from './load/calls.js';

const UTTERANCES = 5;
const { positionals, setup, pauses } = serverSetup(process.argv.slice(2));
const COUNTS = (positionals[0] ?? '1,10,50,100,150,200').split(',').map(Number);

async function run(count: number): Promise<string> {
  const server = await startServer(setup);
  await server.sample(); // counters start with the calls
  const clientCpu = process.cpuUsage();
  const ticker = new Ticker();
  const calls = Array.from({ length: count }, (_, i) => {
    const leadInS = (Math.round((Math.random() * 6000) / FRAME_MS) * FRAME_MS) / 1000;
    const call = new Call(server.port, `call-${i}`, { leadInS, pauses, utterances: Array.from({ length: UTTERANCES }, () => ({ speechS: 3, pauseS: 3 })) });
    ticker.add(call);
    return call;
  });
  const samples: Awaited<ReturnType<typeof server.sample>>[] = [];
  const sampler = setInterval(async () => samples.push(await server.sample()), 2000);
  await Promise.all(calls.map((c) => c.done));
  ticker.stop();
  clearInterval(sampler);
  samples.push(await server.sample());
  const client = process.cpuUsage(clientCpu);
  await server.stop();

  const cpuMs = samples.reduce((s, x) => s + x.cpuMs, 0);
  const wallMs = samples.reduce((s, x) => s + x.wallMs, 0);
  const finals = calls.flatMap((c) => c.finals);
  const latencies = finals.flatMap((f) => (f.latencyMs === undefined ? [] : [f.latencyMs]));
  const speechEnds = calls.reduce((s, c) => s + c.speechEnds, 0);
  const errors = calls.flatMap((c) => c.errors);
  if (errors.length) console.error(`N=${count}: ${errors.length} errors, e.g. ${errors[0]}`);
  const inference = samples.flatMap((s) => s.inferenceMs);
  const f = (v: number) => v.toFixed(0);
  return `| ${count} | ${f((100 * cpuMs) / wallMs)}% | ${f(Math.max(...samples.map((s) => s.rssMb)))} | ${f(Math.max(...samples.map((s) => s.loopLagP99Ms)))} | ${f(percentile(latencies, 0.5))} / ${f(percentile(latencies, 0.95))} / ${f(percentile(latencies, 0.99))} | ${f(percentile(finals.map((x) => x.serverLatencyMs), 0.95))} | ${f(percentile(inference, 0.5))} / ${f(percentile(inference, 0.95))} | ${count * UTTERANCES} / ${speechEnds} / ${finals.length} / ${errors.length} | ${f((100 * (client.user + client.system)) / 1000 / wallMs)}% |`;
}

console.log(`Load: N streams of 8 kHz mu-law speech in real time over WebSocket on loopback, ${UTTERANCES} utterances of 3 s each, pauses of ${pauses === 'noise' ? 'line noise' : 'digital silence'}; server ${JSON.stringify(setup)}\n`);
console.log('| streams | server CPU (of one core) | server RSS MB (max) | event-loop lag p99 ms (worst 2 s) | latency p50 / p95 / p99 ms | server-side p95 ms | inference p50 / p95 ms | utterances sent / speech_end / final / errors | client CPU |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const count of COUNTS) console.log(await run(count));
