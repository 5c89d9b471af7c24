import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { decodeAudioFile } from '../src/stream/audioFile.js';
import { EmotionModel } from '../src/model/emotionModel.js';
import { KServeBackend } from '../src/model/kserveBackend.js';
import { EmotionPlugin } from '../src/plugin/emotionPlugin.js';
import type { EmotionEvent, ErrorEvent, PluginEvent } from '../src/plugin/events.js';
import { kserveProcess, missingKServe, type KServeProcess } from '../bench/kserveProcess.js';

// KServe's own model server (the Python package kserve, with onnxruntime) serving models/ser-default.onnx, and the
// plugin computing through KServeBackend against it: what a scale-out deployment runs, not a stand-in.
const MODEL = 'models/ser-default.onnx';
const CALL = 'examples/audio/ravdess/demo-call.flac';
const skip = missingKServe();
const quiet = { log: () => {} };

let server: KServeProcess;
t.before(async () => {
  if (!skip) server = await kserveProcess(MODEL);
});
t.teardown(async () => server?.stop());

/** Streams the demo call through a plugin on `model` in 20 ms chunks; `between` runs after each chunk. */
async function streamCall(model: EmotionModel, between?: (events: PluginEvent[]) => Promise<void>): Promise<PluginEvent[]> {
  const audio = await decodeAudioFile(readFileSync(CALL), CALL);
  const plugin = await EmotionPlugin.create({ model, ...quiet });
  const stream = await plugin.openStream({ sampleRate: audio.sampleRate, encoding: 'pcm_f32le' }, { id: 'kserve-call' });
  const events: PluginEvent[] = [];
  stream.on('*', (e) => events.push(e));
  const chunk = audio.sampleRate / 50;
  for (let i = 0; i < audio.samples.length; i += chunk) {
    await stream.push(audio.samples.subarray(i, i + chunk));
    await between?.(events);
  }
  await stream.close();
  await plugin.close();
  return events;
}

const finals = (events: PluginEvent[]) => events.filter((e): e is EmotionEvent => e.type === 'emotion' && e.final);

t.test('KServe model server: the same probabilities as onnxruntime in process, JSON and binary tensors', { skip }, async (t) => {
  const bytes = readFileSync(MODEL);
  const local = await EmotionModel.fromBytes(bytes, MODEL, { ...quiet, thread: 'main' });
  const expected = finals(await streamCall(local));
  await local.close();
  t.equal(expected.length, 4, 'four utterances in process');
  for (const encoding of ['json', 'binary'] as const) {
    const remote = await EmotionModel.fromBytes(bytes, MODEL, { ...quiet, backend: new KServeBackend({ url: server.url, model: 'ser', encoding }) });
    t.match(remote.provider, `KServe v2 ${server.url} (ser, ${encoding})`);
    const got = finals(await streamCall(remote));
    await remote.close();
    t.same(got.map((e) => e.utteranceId), expected.map((e) => e.utteranceId), `${encoding}: the same utterances`);
    const worst = Math.max(...got.flatMap((e, i) => Object.entries(e.probabilities).map(([k, p]) => Math.abs(p - expected[i].probabilities[k as keyof typeof e.probabilities]))));
    t.ok(worst < 1e-4, `${encoding}: probabilities within 1e-4 of in process (worst ${worst.toExponential(1)})`);
    t.same(got.map((e) => e.label), expected.map((e) => e.label), `${encoding}: the same labels`);
  }
});

/**
 * An outage in the middle of the call: `fail` once the first utterance is scored; when the next utterance has
 * ended, the stream waits (as a live call would go on talking) until its error event, then `recover`.
 */
function outage(fail: () => Promise<void> | void, recover: () => Promise<void> | void) {
  let phase: 'up' | 'down' | 'recovered' = 'up';
  let endsAtFailure = 0;
  const between = async (events: PluginEvent[]) => {
    const ends = events.filter((e) => e.type === 'speech_end').length;
    if (phase === 'up' && finals(events).length === 1) {
      await fail();
      phase = 'down';
      endsAtFailure = ends;
    } else if (phase === 'down' && ends > endsAtFailure) {
      for (let waited = 0; !events.some((e) => e.type === 'error') && waited < 30_000; waited += 50) await sleep(50);
      await recover();
      phase = 'recovered';
    }
  };
  return { between, phase: () => phase };
}

function checkOutage(t: Test, events: PluginEvent[], message: RegExp) {
  const errors = events.filter((e): e is ErrorEvent => e.type === 'error');
  t.ok(errors.length >= 1, `${errors.length} error event(s) during the outage`);
  t.match(errors, errors.map(() => ({ code: 'INFERENCE_FAILED', fatal: false, utteranceId: String, message })), 'each for its utterance, none fatal');
  const scored = finals(events).map((e) => e.utteranceId);
  t.same([...scored, ...errors.map((e) => e.utteranceId)].sort(), ['u1', 'u2', 'u3', 'u4'], 'every utterance is either scored or reported, none lost');
  t.ok(scored.length >= 2 && scored.at(-1) === 'u4', `scored again afterwards (${scored.join(', ')})`);
}

t.test('the server stopped in the middle of a call: an error event per utterance it missed, then scored again after a restart', { skip }, async (t) => {
  const model = await EmotionModel.fromBytes(readFileSync(MODEL), MODEL, { ...quiet, backend: new KServeBackend({ url: server.url, model: 'ser', encoding: 'binary' }) });
  const run = outage(() => server.stop(), () => server.start());
  const events = await streamCall(model, run.between);
  await model.close();
  t.equal(run.phase(), 'recovered', 'stopped after the first final event, restarted after an error');
  checkOutage(t, events, /fetch failed|ECONNREFUSED/);
});

t.test('a server that stops answering hits the backend timeout, reported the same way, and the stream goes on', { skip }, async (t) => {
  const model = await EmotionModel.fromBytes(readFileSync(MODEL), MODEL, { ...quiet, backend: new KServeBackend({ url: server.url, model: 'ser', timeoutMs: 1500 }) });
  const run = outage(() => server.freeze(), () => server.thaw());
  const events = await streamCall(model, run.between);
  server.thaw();
  await model.close();
  t.equal(run.phase(), 'recovered', 'frozen after the first final event, answering again after an error');
  checkOutage(t, events, /timeout|aborted/i);
});
