import { readFileSync } from 'node:fs';
import { AudioFrame } from '@livekit/rtc-node';
import t from 'tap';
import { EmotionPlugin } from '../src/plugin/emotionPlugin.js';
import type { PluginEvent } from '../src/plugin/events.js';
import { LiveKitEmotionAdapter } from '../src/plugin/livekitAdapter.js';
import { decodeAudioFile } from '../src/stream/audioFile.js';
import { resampleAll } from '../src/stream/resampler.js';
import { testModelPath } from './helpers/testModel.js';

const model = testModelPath();

t.test('LiveKit adapter: real AudioFrame objects in, events out and on the data channel', { skip: model ? false : 'no model' }, async (t) => {
  const plugin = await EmotionPlugin.create({ model: model!.path, log: () => {} });
  t.teardown(() => plugin.close());
  const published: { topic?: string; event: PluginEvent }[] = [];
  const publisher = {
    async publishData(data: Uint8Array, options: { topic?: string }) {
      published.push({ topic: options.topic, event: JSON.parse(new TextDecoder().decode(data)) });
    },
  };
  const adapter = new LiveKitEmotionAdapter(plugin, { publisher });

  // What LiveKit delivers: 10 ms frames of 48 kHz interleaved Int16 (here stereo, the same signal in both channels).
  const audio = await decodeAudioFile(readFileSync('test/fixtures/three-utterances-8k-mulaw.wav'));
  const mono48k = await resampleAll(audio.samples, 8000, 48000);
  const perFrame = 480;
  for (let i = 0; i + perFrame <= mono48k.length; i += perFrame) {
    const data = new Int16Array(perFrame * 2);
    for (let j = 0; j < perFrame; j++) data[2 * j] = data[2 * j + 1] = Math.round(mono48k[i + j] * 32767);
    await adapter.pushFrame('caller', new AudioFrame(data, 48000, 2, perFrame));
  }
  await adapter.pushFrame('caller', new AudioFrame(new Int16Array(160), 16000, 1, 160)); // a frame in another format
  await adapter.closeParticipant('caller');

  const events = published.map((p) => p.event);
  t.ok(published.every((p) => p.topic === 'emotion'));
  t.equal(events.filter((e) => e.type === 'speech_end').length, 3, 'three utterances');
  t.equal(events.filter((e) => e.type === 'emotion' && e.final).length, 3, 'each scored once');
  t.ok(events.every((e) => e.streamId === 'caller'));
  t.match(events.find((e) => e.type === 'error'), { code: 'SOURCE_FAILED', message: /16000 Hz x 1 differs/ });
  await adapter.close();
});
