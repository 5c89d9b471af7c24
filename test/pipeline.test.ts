import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { EmotionPlugin } from '../src/plugin/emotionPlugin.js';
import type { EmotionStream } from '../src/plugin/emotionStream.js';
import type { EmotionEvent, PluginEvent, SpeechEndEvent } from '../src/plugin/events.js';
import { decodeAudioFile } from '../src/stream/audioFile.js';
import { resampleAll } from '../src/stream/resampler.js';
import { noise, randomChunks } from './helpers/signals.js';
import { SHARED_DATA, noSharedData, readManifest } from './helpers/sharedData.js';
import { THREE_UTTERANCES, threeUtterancesMulaw } from './helpers/fixtures.js';
import { testModelPath } from './helpers/testModel.js';

const model = testModelPath();
const FIXTURE = THREE_UTTERANCES;
/** Speech in the fixture: 1.5 s silences around espeak-ng sentences of 2.742, 2.108 and 1.776 s. */
const FIXTURE_SPEECH = [
  [1500, 4242],
  [5742, 7850],
  [9350, 11126],
];

/** Pushes `chunks`, closes, and returns every event. */
async function collect(stream: EmotionStream, chunks: Iterable<Int16Array | Float32Array | Uint8Array>): Promise<PluginEvent[]> {
  const events: PluginEvent[] = [];
  stream.on('*', (e) => events.push(e));
  for (const c of chunks) await stream.push(c);
  await stream.close();
  return events;
}

const ends = (events: PluginEvent[]) => events.filter((e): e is SpeechEndEvent => e.type === 'speech_end');
const finals = (events: PluginEvent[]) => events.filter((e): e is EmotionEvent => e.type === 'emotion' && e.final);
/** The 10 ms frames an event's utterance spans: its first frame starts at or after startMs, its last (40 ms) ends by endMs. */
const framesOf = (e: EmotionEvent) => Math.floor((e.endMs - 40) / 10) - Math.ceil(e.startMs / 10) + 1;

t.test('the live pipeline', { skip: model ? false : 'no model: needs models/ser-default.onnx or PyTorch to make one' }, async (t) => {
  const plugin = await EmotionPlugin.create({ model: model!.path, log: () => {} });
  t.teardown(() => plugin.close());

  t.test('telephone mu-law bytes: three utterances found near their true times, each with one final emotion', async (t) => {
    const stream = await plugin.openStream({ sampleRate: 8000, encoding: 'mulaw' }, { id: 'call-1' });
    const events = await collect(stream, randomChunks(threeUtterancesMulaw(), 1, 400));
    const utterances = ends(events);
    t.equal(utterances.length, 3, 'three utterances');
    utterances.forEach((u, i) => {
      t.ok(Math.abs(u.startMs - FIXTURE_SPEECH[i][0]) < 400, `utterance ${i + 1} starts at ${u.startMs} ms (speech from ${FIXTURE_SPEECH[i][0]})`);
      t.ok(Math.abs(u.endMs - FIXTURE_SPEECH[i][1]) < 400, `utterance ${i + 1} ends at ${u.endMs} ms (speech to ${FIXTURE_SPEECH[i][1]})`);
    });
    const results = finals(events);
    t.same(results.map((e) => e.utteranceId), utterances.map((u) => u.utteranceId), 'exactly one final emotion per utterance');
    for (const e of results) {
      t.match(e, { version: 1, streamId: 'call-1', label: /angry|happy|sad|neutral/, modelId: String, latencyMs: Number });
      const first = Math.ceil(e.startMs / 10);
      t.equal(e.frameStartMs, first * 10);
      t.equal(e.activity.length, framesOf(e), 'one activity score per 10 ms frame of the utterance');
      t.ok(e.speechRatio >= 0 && e.speechRatio <= 1);
    }
    t.same(JSON.parse(JSON.stringify(events)), events, 'events are plain JSON');
    t.equal(events.filter((e) => e.type === 'error').length, 0);
  });

  t.test('chunking does not change what is found', async (t) => {
    const bytes = threeUtterancesMulaw();
    const runs = [];
    for (const [seed, max] of [
      [2, 80],
      [3, 4000],
    ]) {
      const stream = await plugin.openStream({ sampleRate: 8000, encoding: 'mulaw' });
      runs.push(ends(await collect(stream, randomChunks(bytes, seed, max))).map((u) => [u.startMs, u.endMs]));
    }
    t.same(runs[0], runs[1]);
  });

  t.test('a bad chunk is an error event and the stream goes on; another stream is unaffected', async (t) => {
    const audio = await decodeAudioFile(readFileSync(FIXTURE));
    const good = await plugin.openStream({ sampleRate: 8000 }, { id: 'good' });
    const bad = await plugin.openStream({ sampleRate: 8000 }, { id: 'bad' });
    const chunks = randomChunks(audio.samples, 4, 800);
    const poisoned = chunks.map((c, i) => (i === 20 ? Float32Array.from(c, () => NaN) : c));
    const [goodEvents, badEvents] = await Promise.all([collect(good, chunks), collect(bad, poisoned)]);
    t.equal(ends(goodEvents).length, 3);
    const errors = badEvents.filter((e) => e.type === 'error');
    t.equal(errors.length, 1);
    t.match(errors[0], { code: 'BAD_AUDIO', fatal: false, message: /NaN/ });
    const odd = await plugin.openStream({ sampleRate: 8000 });
    const oddEvents = await collect(odd, [[0.1, 0.2] as unknown as Float32Array, 'noise' as unknown as Float32Array]);
    t.match(oddEvents, [{ code: 'BAD_AUDIO', message: /Array\]/ }, { code: 'BAD_AUDIO', message: /String/ }], 'what is not audio is named');
    t.equal(finals(badEvents).length, ends(badEvents).length, 'every utterance of the damaged stream is still scored');
  });

  t.test('closing mid-utterance finishes and scores it', async (t) => {
    const audio = await decodeAudioFile(readFileSync(FIXTURE));
    const stream = await plugin.openStream({ sampleRate: 8000 });
    const events = await collect(stream, [audio.samples.subarray(0, 8000 * 3)]); // stops inside the first sentence
    t.match(ends(events), [{ reason: 'stream_end' }]);
    t.equal(finals(events).length, 1);
  });

  t.test('interim estimates while speaking, marked as such, then the final one', async (t) => {
    const stream = await plugin.openStream({ sampleRate: 8000, encoding: 'mulaw' }, { interimMs: 500 });
    const events = await collect(stream, randomChunks(threeUtterancesMulaw(), 5, 320));
    const interims = events.filter((e) => e.type === 'emotion' && !e.final);
    t.ok(interims.length >= 3, `${interims.length} interim events`);
    t.notOk(interims.some((e) => 'latencyMs' in e));
    t.equal(finals(events).length, 3);
  });

  t.test('events as an async iterable and through pipe() from an async source', async (t) => {
    const stream = await plugin.openStream({ sampleRate: 8000, encoding: 'mulaw' });
    const seen: string[] = [];
    const reading = (async () => {
      for await (const e of stream) seen.push(e.type);
    })();
    async function* source() {
      yield* randomChunks(threeUtterancesMulaw(), 6, 1000);
    }
    await plugin.pipe(source(), stream);
    await reading;
    t.equal(seen.filter((s) => s === 'speech_end').length, 3);
    t.same(seen.slice(-2), ['emotion', 'call_summary'], 'the last utterance\'s emotion, then the call summary');
  });

  t.test('real speech from the corpora, with silences between utterances', { skip: noSharedData }, async (t) => {
    const rows = readManifest().filter((r) => r.corpus === 'emodb').slice(0, 4);
    const gap = new Float32Array(16000 * 1.5);
    const parts: Float32Array[] = [gap];
    const truth: [number, number][] = [];
    let at = gap.length;
    for (const r of rows) {
      const a = await decodeAudioFile(readFileSync(join(SHARED_DATA, r.path)));
      const x = await resampleAll(a.samples, a.sampleRate);
      truth.push([at / 16, (at + x.length) / 16]);
      parts.push(x, gap);
      at += x.length + gap.length;
    }
    const signal = new Float32Array(at);
    parts.reduce((o, p) => (signal.set(p, o), o + p.length), 0);
    signal.forEach((v, i) => (signal[i] = v + noise(1, i + 1, 1e-4)[0])); // a little noise floor, as a line has
    const stream = await plugin.openStream({ sampleRate: 16000 });
    const events = await collect(stream, randomChunks(signal, 7, 1600));
    const found = ends(events);
    t.equal(found.length, rows.length, `${rows.length} utterances`);
    found.forEach((u, i) => {
      t.ok(u.startMs > truth[i][0] - 450 && u.startMs < truth[i][0] + 300, `utterance ${i + 1}: start ${u.startMs} vs ${truth[i][0].toFixed(0)}`);
      t.ok(Math.abs(u.endMs - truth[i][1]) < 400, `utterance ${i + 1}: end ${u.endMs} vs ${truth[i][1].toFixed(0)}`);
    });
    t.equal(finals(events).length, rows.length);
    // One activity score per 10 ms frame of the utterance, pre-roll included (test/activity.test.ts checks what the
    // scores say about silence and speech).
    for (const e of finals(events)) {
      t.equal(e.activity.length, framesOf(e), `${e.utteranceId}: one score per frame`);
      t.ok(e.activity.every((v) => v >= 0 && v <= 1));
    }
  });
});
