import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { AudioFrame } from '@livekit/rtc-node';
import t from 'tap';
import agent from '../examples/livekitAgent.js';
import { EmotionReactions, type AgentParticipant, type Escalation } from '../examples/livekitAgent/emotionReactions.js';
import { EmotionPlugin } from '../src/plugin/emotionPlugin.js';
import { LiveKitEmotionAdapter } from '../src/plugin/livekitAdapter.js';
import { decodeAudioFile } from '../src/stream/audioFile.js';
import { resampleAll } from '../src/stream/resampler.js';
import { testModelPath } from './helpers/testModel.js';

const model = testModelPath();

/** The agent's participant as the room sees it: the attributes it sets and the messages it publishes. */
class RoomView implements AgentParticipant {
  attributes: Record<string, string>[] = [];
  messages: { topic?: string; body: unknown }[] = [];
  async setAttributes(attributes: Record<string, string>): Promise<void> {
    this.attributes.push(attributes);
  }
  async publishData(data: Uint8Array, options: { topic?: string }): Promise<void> {
    this.messages.push({ topic: options.topic, body: JSON.parse(new TextDecoder().decode(data)) });
  }
}

/** A caller as LiveKit delivers them: 10 ms AudioFrames of 48 kHz mono Int16, three utterances. */
async function callerFrames(): Promise<AudioFrame[]> {
  const audio = await decodeAudioFile(readFileSync('test/fixtures/three-utterances-8k-mulaw.wav'));
  const samples = await resampleAll(audio.samples, 8000, 48000);
  const frames: AudioFrame[] = [];
  for (let i = 0; i + 480 <= samples.length; i += 480) {
    frames.push(new AudioFrame(Int16Array.from(samples.subarray(i, i + 480), (v) => Math.round(v * 32767)), 48000, 1, 480));
  }
  return frames;
}

async function runCall(plugin: EmotionPlugin, threshold: number) {
  const room = new RoomView();
  const reactions = new EmotionReactions(room, { k: 2, n: 3, threshold }, () => {});
  const pending: Promise<void>[] = [];
  const adapter = new LiveKitEmotionAdapter(plugin, { publisher: room, onEvent: (e) => pending.push(reactions.onEvent(e)) });
  for (const frame of await callerFrames()) await adapter.pushFrame('caller-1', frame);
  await adapter.closeParticipant('caller-1');
  await Promise.all(pending);
  return room;
}

t.test('the LiveKit agent reacts to a caller heard through real AudioFrames', { skip: model ? false : 'no model' }, async (t) => {
  const plugin = await EmotionPlugin.create({ model: model!.path, log: () => {} });
  t.teardown(() => plugin.close());

  const room = await runCall(plugin, 0); // every utterance counts as angry: the second of three escalates
  const finals = room.messages.filter((m) => m.topic === 'emotion' && (m.body as { type: string; final?: boolean }).final);
  t.equal(finals.length, 3, 'three utterances scored and published on the emotion topic');
  t.equal(room.attributes.length, 3, 'one attribute update per final result');
  t.match(room.attributes[0], { 'emotion.caller-1': /^(angry|happy|sad|neutral) \d+%$/ });
  const escalations = room.messages.filter((m) => m.topic === 'escalation').map((m) => m.body as Escalation);
  t.equal(escalations.length, 1, 'escalated once, not again on the third utterance');
  t.match(escalations[0], { type: 'escalate', participant: 'caller-1', reason: /2 of the last 3/ });

  const calm = await runCall(plugin, 1.01); // no probability reaches the threshold
  t.equal(calm.messages.filter((m) => m.topic === 'escalation').length, 0, 'never escalated below the threshold');
  t.equal(calm.attributes.length, 3);
});

t.test('the agent module is a LiveKit Agents agent whose worker process loads the model', { skip: model ? false : 'no model' }, async (t) => {
  t.type(agent.entry, 'function');
  const proc = { userData: {} as Record<string, unknown> };
  await agent.prewarm!(proc as never);
  t.ok(proc.userData.plugin instanceof EmotionPlugin, 'prewarm puts one plugin in the process');
  await (proc.userData.plugin as EmotionPlugin).close();
});

t.test('the example runs as a LiveKit Agents worker command', async (t) => {
  // npm test builds before it runs the tests; the worker's CLI needs no server to describe itself.
  const { stdout } = await promisify(execFile)(process.execPath, ['dist/examples/livekitAgent.js', '--help']);
  t.match(stdout, /start \[options\]\s+Start the worker/);
});
