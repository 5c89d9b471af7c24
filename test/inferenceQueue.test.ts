import t from 'tap';
import { loadEmotionModel } from '../src/model/loadModel.js';
import { InferenceQueue } from '../src/plugin/inferenceQueue.js';
import { SPECTROGRAM } from '../src/stream/spectrogram.js';
import { testModelPath } from './helpers/testModel.js';

const model = testModelPath();
/** 16 kHz audio of `frames` spectrogram frames (a quiet tone). */
const input = (frames: number) => Float32Array.from({ length: (frames - 1) * SPECTROGRAM.hopLength + SPECTROGRAM.windowLength }, (_, i) => 0.01 * Math.sin(i / 5));

t.test('the queue: bounded, interim requests give way, final ones are never dropped silently', { skip: model ? false : 'no model' }, async (t) => {
  const emotion = await loadEmotionModel(model!.path, { log: () => {} });
  t.teardown(() => emotion.close());
  const queue = new InferenceQueue(emotion, { maxPending: 2 });
  // Submitted at once: the first runs, two wait, the rest meet a full queue.
  const running = queue.submit(input(300), true);
  const interimA = queue.submit(input(100), false);
  const finalB = queue.submit(input(100), true);
  const finalC = queue.submit(input(100), true); // full: takes the waiting interim's place
  const interimD = queue.submit(input(100), false); // full: dropped
  const finalE = t.rejects(queue.submit(input(100), true), { name: 'QueueFullError', code: 'QUEUE_FULL', message: /2 utterances behind/ }, 'full of finals: rejected, never dropped silently');
  t.equal(queue.pending, 3);
  t.ok(await running, 'the running request completes');
  t.equal(await interimA, undefined, 'the waiting interim request gave way to a final one');
  t.ok(await finalB);
  t.ok(await finalC);
  t.equal(await interimD, undefined, 'an interim request meeting a full queue is dropped');
  await finalE;
  t.equal(queue.pending, 0);
});

t.test('the queue serves the utterance due first: a stream ahead of real time waits behind live ones and itself', { skip: model ? false : 'no model' }, async (t) => {
  const emotion = await loadEmotionModel(model!.path, { log: () => {} });
  t.teardown(() => emotion.close());
  const queue = new InferenceQueue(emotion, { maxPending: 64 });
  const order: string[] = [];
  const now = performance.now();
  const submit = (source: string, n: number, due: number) => queue.submit(input(100), true, source, due).then(() => order.push(`${source}${n}`));
  // The upload sent 8 utterances of 3 s at once: in real time they would have ended 3, 6, ... 24 s from now.
  const all = [
    ...Array.from({ length: 8 }, (_, n) => submit('upload', n, now + 3000 * (n + 1))),
    submit('call', 0, now),
    submit('other', 0, now + 1),
    submit('call', 1, now + 2),
  ];
  await Promise.all(all);
  t.same(order.slice(0, 4), ['upload0', 'call0', 'other0', 'call1'], 'after the one already running, the live utterances first, in the order they ended');
  t.same(order.filter((o) => o.startsWith('upload')), Array.from({ length: 8 }, (_, n) => `upload${n}`), 'each stream in its own order');
});

t.test('a full queue refuses the stream furthest ahead, not a stream with nothing waiting', { skip: model ? false : 'no model' }, async (t) => {
  const emotion = await loadEmotionModel(model!.path, { log: () => {} });
  t.teardown(() => emotion.close());
  const queue = new InferenceQueue(emotion, { maxPending: 2 });
  const running = queue.submit(input(300), true, 'upload');
  const upload1 = queue.submit(input(100), true, 'upload');
  const upload2 = t.rejects(queue.submit(input(100), true, 'upload'), { code: 'QUEUE_FULL' }, "the upload's newest waiting utterance makes room");
  const call = queue.submit(input(100), true, 'call'); // full: the upload has 2 waiting, the call none
  const upload3 = t.rejects(queue.submit(input(100), true, 'upload'), { code: 'QUEUE_FULL' }, 'the upload, furthest ahead, is refused its own new one');
  t.equal(queue.pending, 3);
  t.ok(await running);
  t.ok(await upload1);
  t.ok(await call, "the call's utterance is scored");
  await Promise.all([upload2, upload3]);
});
