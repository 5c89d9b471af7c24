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

t.test('the queue serves streams in turn: a fast sender waits behind itself, not in front of others', { skip: model ? false : 'no model' }, async (t) => {
  const emotion = await loadEmotionModel(model!.path, { log: () => {} });
  t.teardown(() => emotion.close());
  const queue = new InferenceQueue(emotion, { maxPending: 64 });
  const order: string[] = [];
  const submit = (source: string, n: number) => queue.submit(input(100), true, source).then(() => order.push(`${source}${n}`));
  const all = [...Array.from({ length: 8 }, (_, n) => submit('upload', n)), submit('call', 0), submit('other', 0), submit('call', 1)];
  await Promise.all(all);
  t.same(order.slice(0, 6), ['upload0', 'upload1', 'call0', 'other0', 'upload2', 'call1'], 'one request per stream per turn');
  t.same(order.filter((o) => o.startsWith('upload')), Array.from({ length: 8 }, (_, n) => `upload${n}`), 'each stream in its own order');
});
