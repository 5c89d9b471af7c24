import t from 'tap';
import { EmotionPlugin } from '../src/plugin/emotionPlugin.js';
import type { PluginEvent } from '../src/plugin/events.js';
import { threeUtterancesMulaw } from './helpers/fixtures.js';
import { testModelPath } from './helpers/testModel.js';

const model = testModelPath();

// An upload sends a long recording at once. Its utterances must queue behind its own pushes, not fill the shared
// inference queue so that a live call's utterance meets QUEUE_FULL.
t.test('a stream sent faster than real time waits for its own scores instead of filling the queue in front of a live call', { skip: model ? false : 'no model' }, async (t) => {
  const plugin = await EmotionPlugin.create({ model: model!.path, log: () => {}, queue: { maxPending: 4 } });
  t.teardown(() => plugin.close());
  const events: Record<string, PluginEvent[]> = { upload: [], call: [] };
  const open = async (id: string) => {
    const stream = await plugin.openStream({ sampleRate: 8000, encoding: 'mulaw' }, { id });
    stream.on('*', (e) => events[id].push(e));
    return stream;
  };
  const upload = await open('upload');
  const call = await open('call');
  // The upload's utterances between their speech_end and their result.
  let inFlight = 0;
  let most = 0;
  const track = (e: PluginEvent) => {
    if (e.type === 'speech_end') most = Math.max(most, ++inFlight);
    if ((e.type === 'emotion' && e.final) || e.type === 'error') inFlight--;
  };
  upload.on('*', track);
  const recording = threeUtterancesMulaw();
  // Each push awaited, as the server does: as fast as the stream takes it.
  const send = async (stream: typeof call, audio: Buffer) => {
    for (let i = 0; i < audio.length; i += 160) await stream.push(audio.subarray(i, i + 160));
  };
  const uploaded = send(upload, Buffer.concat(Array.from({ length: 6 }, () => recording))); // 18 utterances
  await send(call, recording);
  await Promise.all([call.close(), uploaded.then(() => upload.close())]);

  const finals = (id: string) => events[id].filter((e) => e.type === 'emotion' && e.final).length;
  const errors = (id: string) => events[id].filter((e) => e.type === 'error');
  t.same(errors('call'), [], 'the live call meets no full queue');
  t.equal(finals('call'), 3, 'each of its utterances is scored');
  t.same(errors('upload'), [], 'nor does the upload: it was braked, not refused');
  t.equal(finals('upload'), 18, 'each of its utterances is scored');
  t.ok(most <= 2, `the upload had at most 2 utterances waiting for the network at once (${most})`);
});
