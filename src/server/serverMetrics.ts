import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EmotionPlugin } from '../plugin/emotionPlugin.js';
import type { PluginEvent } from '../plugin/events.js';

/** What the metrics read from the server when scraped. */
export interface MetricsSource {
  plugin: EmotionPlugin;
  /** Connections open now by protocol, and how many of them carry a started stream. */
  connectionsByProtocol(): Map<string, { connections: number; streams: number }>;
}

/**
 * The server's Prometheus metrics, in a registry of its own (several servers in one process do not collide): streams
 * and connections by protocol, utterances scored, final-event latency and inference time, the inference queue, errors
 * by code, and Node's own process metrics (event-loop lag among them).
 */
export class ServerMetrics {
  readonly registry = new Registry();
  private readonly utterances: Counter;
  private readonly errors: Counter<'code'>;
  private readonly latency: Histogram;
  private readonly stopInferenceTiming: () => void;

  constructor(source: MetricsSource) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'ser_' });
    new Gauge({
      name: 'ser_connections',
      help: 'WebSocket connections open now, by protocol',
      labelNames: ['protocol'],
      registers,
      collect() {
        this.reset();
        for (const [protocol, { connections }] of source.connectionsByProtocol()) this.set({ protocol }, connections);
      },
    });
    new Gauge({
      name: 'ser_streams_open',
      help: 'Streams started and not yet finished, by protocol',
      labelNames: ['protocol'],
      registers,
      collect() {
        this.reset();
        for (const [protocol, { streams }] of source.connectionsByProtocol()) this.set({ protocol }, streams);
      },
    });
    new Gauge({
      name: 'ser_inference_queue_depth',
      help: 'Utterances waiting for or in inference',
      registers,
      collect() {
        this.set(source.plugin.inferenceQueue.pending);
      },
    });
    this.utterances = new Counter({ name: 'ser_utterances_scored_total', help: 'Utterances that got their final emotion', registers });
    this.errors = new Counter({ name: 'ser_errors_total', help: 'Error events, by code', labelNames: ['code'], registers });
    this.latency = new Histogram({
      name: 'ser_final_event_latency_seconds',
      help: "From the VAD's end-of-utterance decision to the final emotion event",
      buckets: [0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10],
      registers,
    });
    const inference = new Histogram({
      name: 'ser_inference_seconds',
      help: 'Time of one emotion-model inference',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.stopInferenceTiming = source.plugin.onInference((seconds) => inference.observe(seconds));
  }

  /** Every event of every stream, and every protocol error, passes here. */
  observe(event: PluginEvent): void {
    if (event.type === 'emotion' && event.final) {
      this.utterances.inc();
      if (event.latencyMs !== undefined) this.latency.observe(event.latencyMs / 1000);
    } else if (event.type === 'error') this.errors.inc({ code: event.code });
  }

  close(): void {
    this.stopInferenceTiming();
  }
}
