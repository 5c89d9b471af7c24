/**
 * The server side of the load benchmark, in its own process so that its CPU time, memory and event-loop lag are its
 * own: the shipped model (or setup.model), one EmotionServer on a free loopback port. Parent messages: 'sample'
 * (answers with the resource counters since the last sample) and 'stop'. Its argument: the plugin's setup
 * (ServerSetup) as JSON.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { EmotionPlugin } from '../../src/plugin/emotionPlugin.js';
import { EmotionServer } from '../../src/server/emotionServer.js';
import type { ServerSetup } from './calls.js';

export interface ServerSample {
  cpuMs: number;
  wallMs: number;
  rssMb: number;
  loopLagP99Ms: number;
  loopLagMaxMs: number;
  streams: number;
  /** Milliseconds each inference call took since the last sample (from the model's call to its result). */
  inferenceMs: number[];
}

const setup = JSON.parse(process.argv[2] ?? '{}') as ServerSetup;
const plugin = await EmotionPlugin.create({ log: () => {}, model: setup.model, workers: setup.workers, vadThread: setup.vadThread });
// Every simulated caller connects from 127.0.0.1, up to 300 at once: the per-address bound is lifted with the others.
const server = await EmotionServer.listen({ plugin, port: 0, maxStreams: 10_000, maxPendingPerAddress: 10_000, maxPayload: 64 * 1024 });
const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();
let inferenceMs: number[] = [];
plugin.onInference((seconds) => inferenceMs.push(1000 * seconds));
let cpu = process.cpuUsage();
let wall = performance.now();

process.on('message', async (message: string) => {
  if (message === 'sample') {
    const used = process.cpuUsage(cpu);
    const sample: ServerSample = {
      cpuMs: (used.user + used.system) / 1000,
      wallMs: performance.now() - wall,
      rssMb: process.memoryUsage.rss() / 2 ** 20,
      loopLagP99Ms: lag.percentile(99) / 1e6,
      loopLagMaxMs: lag.max / 1e6,
      streams: server.streams,
      inferenceMs,
    };
    inferenceMs = [];
    cpu = process.cpuUsage();
    wall = performance.now();
    lag.reset();
    process.send!({ sample });
  } else if (message === 'stop') {
    await server.close();
    await plugin.close();
    process.exit(0);
  }
});
process.send!({ port: server.address.port });
