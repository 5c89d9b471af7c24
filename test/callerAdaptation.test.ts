import t from 'tap';
import { CallerAdaptation } from '../src/plugin/callerAdaptation.js';
import { EmotionPlugin } from '../src/plugin/emotionPlugin.js';
import type { EmotionEvent } from '../src/plugin/events.js';
import { decodeAudioFile } from '../src/stream/audioFile.js';
import { readFileSync } from 'node:fs';

const LABELS = ['angry', 'happy', 'sad', 'neutral'];
const p = (a: number, h: number, s: number, n: number) => ({ angry: a, happy: h, sad: s, neutral: n });

t.test("a caller's bias towards one class is removed in part, from earlier utterances only", async (t) => {
  const caller = new CallerAdaptation(LABELS);
  const first = p(0.4, 0.35, 0.15, 0.1);
  t.same(caller.adapt(0, first), { label: 'angry', probabilities: first }, 'the first utterance is unchanged');
  // A voice the model hears as angry: every utterance leans that way.
  for (const [i, q] of [p(0.6, 0.2, 0.1, 0.1), p(0.55, 0.15, 0.1, 0.2), p(0.5, 0.1, 0.3, 0.1)].entries()) caller.remember(i + 1, q);
  const next = caller.adapt(10, first);
  t.equal(next.label, 'happy', 'read against a history heard as angry, a narrow angry lead goes');
  t.ok(Math.abs(Object.values(next.probabilities).reduce((a, b) => a + b) - 1) < 1e-9, 'still probabilities');
  const full = caller.adapt(10, first, 1);
  t.ok(full.probabilities.angry < next.probabilities.angry, 'strength 1 removes more than 0.5');
  t.same(caller.adapt(1, first), { label: 'angry', probabilities: first }, 'utterance 1 has no history before it');
  t.not(caller.adapt(2, first).probabilities.angry, caller.adapt(10, first).probabilities.angry, 'utterance 2 sees utterance 1 only');
});

t.test('the history is the latest 10 finals, whatever order their scores come back in', async (t) => {
  const caller = new CallerAdaptation(LABELS);
  for (let i = 20; i >= 1; i--) caller.remember(i, i > 10 ? p(0.1, 0.7, 0.1, 0.1) : p(0.7, 0.1, 0.1, 0.1));
  const even = p(0.25, 0.25, 0.25, 0.25);
  t.equal(caller.adapt(21, even).label, 'angry', 'utterances 11-20 (heard as happy) make up the history, not 1-10');
});

const demo = await decodeAudioFile(readFileSync('examples/audio/ravdess/demo-call.flac'));

t.test("a stream with adaptation 'caller' corrects its finals by its earlier ones and keeps the model's own", async (t) => {
  const plugin = await EmotionPlugin.create();
  t.teardown(() => plugin.close());
  async function finals(options: { adaptation?: 'caller'; adaptationStrength?: number }) {
    const stream = await plugin.openStream({ sampleRate: demo.sampleRate }, options);
    const out: EmotionEvent[] = [];
    stream.on('emotion', (e) => e.final && out.push(e));
    for (let i = 0; i < demo.samples.length; i += 320) await stream.push(demo.samples.subarray(i, i + 320));
    await stream.close();
    return out;
  }
  const [plain, adapted] = [await finals({}), await finals({ adaptation: 'caller' })];
  t.equal(adapted.length, plain.length);
  t.same(adapted[0].probabilities, plain[0].probabilities, 'the first utterance as the model gave it');
  for (const [i, e] of adapted.entries()) {
    t.same(e.unadapted, plain[i].probabilities, `utterance ${i + 1} keeps the model's own probabilities`);
    t.equal(plain[i].unadapted, undefined);
  }
  const moved = adapted.slice(1).filter((e, i) => Math.abs(e.probabilities.angry - plain[i + 1].probabilities.angry) > 1e-4);
  t.equal(moved.length, adapted.length - 1, 'every later utterance is corrected');
  const stream = await plugin.openStream({ sampleRate: 16000 });
  t.throws(() => stream.update({ adaptation: 'speaker' as 'caller' }), { message: /'none' or 'caller', not 'speaker'/ });
  t.throws(() => stream.update({ adaptationStrength: 1.5 }), { message: /\(0, 1\], not 1.5/ });
  await stream.close();
});
