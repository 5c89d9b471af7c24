import { readFileSync } from 'node:fs';
import t from 'tap';
import { CallSummary } from '../src/plugin/callSummary.js';
import { EmotionPlugin } from '../src/plugin/emotionPlugin.js';
import type { EmotionEvent, PluginEvent } from '../src/plugin/events.js';
import { decodeAudioFile } from '../src/stream/audioFile.js';

const emotion = (utteranceId: string, startMs: number, endMs: number, probabilities: Record<string, number>, final = true): EmotionEvent => ({
  version: 1,
  streamId: 's',
  type: 'emotion',
  utteranceId,
  final,
  startMs,
  endMs,
  label: Object.entries(probabilities).sort((a, b) => b[1] - a[1])[0][0],
  probabilities,
  activity: [],
  frameStartMs: startMs,
  speechRatio: 1,
  modelId: 'm',
  padded: false,
});

t.test('the summary weighs each utterance by its duration and ignores interim results', async (t) => {
  const summary = new CallSummary();
  summary.observe(emotion('u1', 0, 1000, { angry: 0.1, neutral: 0.9 }));
  summary.observe(emotion('u2', 2000, 5000, { angry: 0.9, neutral: 0.1 }, false)); // interim: not counted
  summary.observe(emotion('u2', 2000, 5000, { angry: 0.7, neutral: 0.3 }));
  summary.observe({ version: 1, streamId: 's', type: 'error', code: 'QUEUE_FULL', message: 'full', utteranceId: 'u3', fatal: false });
  const s = summary.summary(6000);
  t.equal(s.speechMs, 4000);
  t.equal(s.utterances, 2);
  t.equal(s.failedUtterances, 1);
  t.same(s.labels, { neutral: { utterances: 1, speechMs: 1000, share: 0.25 }, angry: { utterances: 1, speechMs: 3000, share: 0.75 } });
  t.same(s.meanProbabilities, { angry: 0.55, neutral: 0.45 }, '(0.1 * 1 s + 0.7 * 3 s) / 4 s');
  t.same(s.peakAngry, { probability: 0.7, utteranceId: 'u2', startMs: 2000, endMs: 5000 });
  t.same(s.lastLabels, ['neutral', 'angry']);
  const empty = new CallSummary().summary(1000);
  t.match(empty, { speechMs: 0, utterances: 0, labels: {}, meanProbabilities: {}, peakAngry: null, lastLabels: [] }, 'a call with no speech');
});

/** The bundled demo call through a plugin stream in 20 ms chunks, once for the tests below: its events and counts. */
async function streamDemoCall() {
  const audio = await decodeAudioFile(readFileSync('examples/audio/ravdess/demo-call.flac'));
  const plugin = await EmotionPlugin.create();
  try {
    const stream = await plugin.openStream({ sampleRate: audio.sampleRate });
    const events: PluginEvent[] = [];
    stream.on('*', (e) => events.push(e));
    for (let i = 0; i < audio.samples.length; i += 320) await stream.push(audio.samples.subarray(i, i + 320));
    await stream.close();
    return { audio, events, vadWindows: stream.vadWindows };
  } finally {
    await plugin.close();
  }
}
const demoCall = streamDemoCall();

t.test('a stream ends with its call summary, agreeing with its final emotions (the bundled demo call)', async (t) => {
  const { audio, events } = await demoCall;
  const last = events.at(-1)!;
  t.equal(last.type, 'call_summary', 'the last event');
  t.equal(events.filter((e) => e.type === 'call_summary').length, 1, 'and the only one');
  if (last.type !== 'call_summary') return;
  const finals = events.filter((e): e is EmotionEvent => e.type === 'emotion' && e.final);
  t.equal(last.utterances, finals.length);
  t.equal(last.durationMs, (audio.samples.length / audio.sampleRate) * 1000, 'the audio received');
  t.same(last.lastLabels, finals.slice(-3).map((e) => e.label));
  const angriest = finals.reduce((a, b) => (b.probabilities.angry > a.probabilities.angry ? b : a));
  t.equal(last.peakAngry?.utteranceId, angriest.utteranceId);
  t.equal(Object.values(last.labels).reduce((n, l) => n + l.utterances, 0), finals.length);
  t.equal(last.speechMs, finals.reduce((ms, e) => ms + e.endMs - e.startMs, 0));
});

t.test("the demo call's silent gaps (digital silence) need no VAD inference; its utterances are found all the same", async (t) => {
  const { events, vadWindows } = await demoCall;
  const { scored, skipped } = vadWindows;
  t.ok(skipped / (scored + skipped) > 0.15, `${skipped} of ${scored + skipped} windows skipped`);
  t.equal(events.filter((e) => e.type === 'speech_end').length, 4);
});
