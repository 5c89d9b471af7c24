import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import onnxProto from 'onnx-proto';
import { PNG } from 'pngjs';
import { fileSpectrogram } from '../src/stream/fileFeatures.js';
import { figureSize } from '../src/cli/attentionFigure.js';
import t from 'tap';
import { activityFromAttention } from '../src/model/activity.js';
import { EmotionModel } from '../src/model/emotionModel.js';
import { loadEmotionModel } from '../src/model/loadModel.js';
import { SPECTROGRAM } from '../src/stream/spectrogram.js';
import { makeParityFixture } from './helpers/parityFixture.js';
import { missingPython } from './helpers/python.js';

const run = promisify(execFile);
const quiet = { log: () => {} };

t.test('activity: attention mass per time column, relative to the uniform share, mapped onto input frames', async (t) => {
  // 2 frequency rows x 5 columns (uniform share 0.2 each): 0.9 in column 2, 0.1 in column 4.
  const data = new Float32Array([0, 0, 0.5, 0, 0.05, 0, 0, 0.4, 0, 0.05]);
  const activity = activityFromAttention({ freq: 2, time: 5, data }, { stride: 16, offset: 15 }, 100);
  t.equal(activity.length, 100);
  t.equal(activity[15 + 2 * 16], 1, 'column 2, over its uniform share, scores 1 (capped)');
  t.equal(activity[15 + 16], 0, 'the centre of the empty column 1 scores 0');
  t.ok(Math.abs(activity[15 + 4 * 16] - 0.5) < 1e-6, 'column 4 holds half its uniform share: 0.5');
  t.equal(activity[0], 0, 'frames before the first centre take column 0');
  t.ok(Math.abs(activity[15 + 3 * 16 + 8] - 0.25) < 1e-6, 'halfway between columns 3 (0) and 4 (0.5): linear interpolation');
  t.ok(activity.every((v) => v >= 0 && v <= 1));
  const uniform = activityFromAttention({ freq: 1, time: 4, data: new Float32Array(4).fill(0.25) }, { stride: 16, offset: 15 }, 80);
  t.ok(uniform.every((v) => Math.abs(v - 1) < 1e-6), 'uniform attention (lambda 0) scores 1 everywhere');
});

t.test('the model runtime', { skip: missingPython('torch', 'onnx') }, async (t) => {
  const dir = makeParityFixture('alexnet', [300]);
  const path = join(dir, 'model.onnx');
  const lines: string[] = [];
  const model = await loadEmotionModel(path, { log: (l) => lines.push(l) });
  t.teardown(() => model.close());
  const frames = (n: number, value = -5) => ({ frames: n, bins: SPECTROGRAM.bins, data: new Float32Array(n * SPECTROGRAM.bins).fill(value) });

  t.test('says where it runs, and runs on the CPU here', async (t) => {
    t.match(lines[0], /emotion model parity-alexnet-lrn .* runs on (cpu|cuda|webgpu)/);
    t.ok(['cpu', 'cuda', 'webgpu'].includes(model.provider));
  });

  t.test('reads its metadata from the file', async (t) => {
    t.same(model.metadata.labels, ['angry', 'happy', 'sad', 'neutral']);
    t.equal(model.metadata.encoder, 'alexnet');
    t.equal(model.metadata.attentionLambda, 0.3);
    t.equal(model.metadata.minFrames, 31);
    t.equal(model.metadata.timeStride, 16);
    t.match(model.metadata.extra, { exported_at: /^\d{4}-/ });
  });

  t.test('a prediction: label, probabilities, attention map, activity', async (t) => {
    const p = await model.predict(frames(300));
    t.ok(Math.abs(Object.values(p.probabilities).reduce((a, b) => a + b) - 1) < 1e-5);
    t.equal(p.label, Object.entries(p.probabilities).sort((a, b) => b[1] - a[1])[0][0]);
    t.same([p.attention.freq, p.attention.time], [11, 17]);
    t.ok(Math.abs(p.attention.data.reduce((a, b) => a + b) - 1) < 1e-4, 'alpha sums to 1');
    t.equal(p.activity.length, 300);
    t.ok(p.activity.every((v) => v >= 0 && v <= 1));
  });

  t.test('short inputs: padded by default, rejected on request, never an onnxruntime exception', async (t) => {
    const p = await model.predict(frames(5));
    t.ok(p.padded);
    t.equal(p.activity.length, 5);
    await t.rejects(model.predict(frames(0)), { name: 'ModelError', code: 'INPUT_TOO_SHORT', message: /0 frames; the model needs at least 31/ });
    const strict = await EmotionModel.fromBytes(readFileSync(path), 'strict', { ...quiet, shortInput: 'reject' });
    await t.rejects(strict.predict(frames(30)), { code: 'INPUT_TOO_SHORT', message: /30 frames/ });
    t.notOk((await strict.predict(frames(31))).padded);
    await strict.close();
  });

  t.test('invalid inputs', async (t) => {
    await t.rejects(model.predict({ frames: 40, bins: 100, data: new Float32Array(4000) }), { code: 'INPUT_INVALID', message: /200/ });
    await t.rejects(model.predict({ frames: 40, bins: 200, data: new Float32Array(10) }), { code: 'INPUT_INVALID' });
    const bad = frames(40);
    bad.data[205] = NaN;
    await t.rejects(model.predict(bad), { code: 'INPUT_INVALID', message: /frame 1, bin 5 is NaN/ });
  });

  t.test('model files that cannot be used', async (t) => {
    await t.rejects(loadEmotionModel(join(dir, 'missing.onnx'), quiet), { code: 'MODEL_NOT_FOUND', message: /missing\.onnx: no such file/ });
    await t.rejects(EmotionModel.fromBytes(Buffer.from('not a model'), 'junk.onnx', quiet), { code: /MODEL_CORRUPT|MODEL_METADATA/, message: /junk\.onnx/ });
    const bytes = readFileSync(path);
    await t.rejects(EmotionModel.fromBytes(bytes.subarray(0, bytes.length / 2), 'half.onnx', quiet), { code: /MODEL_CORRUPT|MODEL_METADATA/, message: /half\.onnx/ });
    const edit = (change: (props: Map<string, string>) => void) => {
      const proto = onnxProto.onnx.ModelProto.decode(bytes);
      const props = new Map(proto.metadataProps.map((p) => [p.key!, p.value!]));
      change(props);
      proto.metadataProps = [...props].map(([key, value]) => onnxProto.onnx.StringStringEntryProto.create({ key, value }));
      return onnxProto.onnx.ModelProto.encode(proto).finish();
    };
    const hop = edit((p) => p.set('feature_params', p.get('feature_params')!.replace('"hop_length": 160', '"hop_length": 256')));
    await t.rejects(EmotionModel.fromBytes(hop, 'hop.onnx', quiet), { code: 'FEATURES_MISMATCH', message: /hop_length = 256.*computes 160/ });
    await t.rejects(EmotionModel.fromBytes(edit((p) => p.delete('labels')), 'nolabels.onnx', quiet), { code: 'MODEL_METADATA', message: /'labels'/ });
    await t.rejects(EmotionModel.fromBytes(edit((p) => p.set('format_version', '9')), 'v9.onnx', quiet), { code: 'MODEL_METADATA', message: /format 9/ });
    await t.rejects(EmotionModel.fromBytes(edit((p) => p.set('temperature', '0')), 't0.onnx', quiet), { code: 'MODEL_METADATA', message: /'temperature' must be above 0/ });

    t.test('applies the calibration temperature of its metadata', async (t) => {
      const warm = await EmotionModel.fromBytes(edit((p) => p.set('temperature', '2')), 'warm.onnx', quiet);
      t.teardown(() => warm.close());
      t.equal(warm.metadata.temperature, 2);
      t.equal(model.metadata.temperature, 1, 'no entry: 1');
      const input = { frames: 200, bins: SPECTROGRAM.bins, data: Float32Array.from({ length: 200 * SPECTROGRAM.bins }, (_, i) => -8 + 6 * Math.sin(i * 0.37)) };
      const [plain, soft] = [await model.predict(input), await warm.predict(input)];
      const root = Object.values(plain.probabilities).map(Math.sqrt);
      const total = root.reduce((a, b) => a + b);
      Object.keys(plain.probabilities).forEach((label, c) => t.ok(Math.abs(soft.probabilities[label] - root[c] / total) < 1e-6, `${label}: p^(1/2), normalised`));
      t.ok(Math.max(...Object.values(soft.probabilities)) < Math.max(...Object.values(plain.probabilities)), 'T > 1 softens');
      t.equal(soft.label, plain.label, 'the label does not change');
    });
  });

  t.test('close() waits for inference in flight, then refuses work', async (t) => {
    const other = await EmotionModel.fromBytes(readFileSync(path), 'other', quiet);
    const pending = other.predict(frames(500));
    await other.close();
    t.equal((await pending).frames, 500, 'the inference in flight finished');
    await t.rejects(other.predict(frames(100)), { code: 'MODEL_CLOSED' });
  });

  t.test('ser predict scores files and folders, one JSON line each', async (t) => {
    const badFile = join(dir, 'bad.wav');
    writeFileSync(badFile, 'RIFF....WAVEjunk');
    const result = await run('node', ['dist/src/cli/ser.js', 'predict', 'examples/audio', badFile, '--model', path]).catch((e) => e);
    t.equal(result.code, 1, 'exit 1: one file failed');
    const lines = result.stdout.trim().split('\n').map((l: string) => JSON.parse(l));
    const calls = ['call-angry-8k-mulaw.wav', 'call-calm-8k-mulaw.wav', 'call-sad-8k-mulaw.wav', 'demo-call.flac'].map((f) => `examples/audio/ravdess/${f}`);
    t.same(lines.map((l: { file: string }) => l.file), ['examples/audio/call-8k-mulaw.wav', 'examples/audio/caller.wav', ...calls, badFile], 'the folder and its subfolder, sorted, then the file');
    t.match(lines[1], { file: 'examples/audio/caller.wav', label: /angry|happy|sad|neutral/, frames: 691, activity: { mean: Number, speech_ratio: Number } });
    t.match(lines.at(-1), { file: badFile, error: { code: 'CORRUPT_WAV' } });
    const missing = await run('node', ['dist/src/cli/ser.js', 'predict', 'examples/audio', '--model', join(dir, 'nope.onnx')]).catch((e) => e);
    t.equal(missing.code, 2);
    t.match(missing.stderr, /MODEL_NOT_FOUND|cannot read the emotion model .*nope\.onnx/);
  });

  t.test('ser attention draws the spectrogram, attention map and activity with axes, scales and a title, as PNG or SVG', async (t) => {
    const out = join(dir, 'demo.png');
    const { stderr } = await run('node', ['dist/src/cli/ser.js', 'attention', 'examples/audio/ravdess/demo-call.flac', '--model', path, '--out', out]);
    t.match(stderr, /4 utterances -> /, 'the VAD finds the four acted utterances');
    const png = PNG.sync.read(readFileSync(out));
    const { spectrogram } = await fileSpectrogram(readFileSync('examples/audio/ravdess/demo-call.flac'));
    t.same([png.width, png.height], Object.values(figureSize(spectrogram.frames)));
    const pixel = (x: number, y: number) => [...png.data.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 3)];
    const dark = (x0: number, y0: number, x1: number, y1: number) => {
      let n = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) n += pixel(x, y).every((c) => c < 128) ? 1 : 0;
      return n;
    };
    t.ok(dark(70, 5, 400, 50) > 200, 'a title is written');
    t.ok(dark(0, 60, 70, 260) > 100, 'the frequency axis has labels');
    t.ok(dark(70, png.height - 45, png.width - 120, png.height) > 200, 'the time axis has labels');
    const rows = new Set(Array.from({ length: 200 }, (_, y) => pixel(800, 60 + y).join()));
    t.ok(rows.size > 20, 'the spectrogram panel shows structure');

    const svg = join(dir, 'demo.svg');
    await run('node', ['dist/src/cli/ser.js', 'attention', 'examples/audio/ravdess/demo-call.flac', '--model', path, '--out', svg]);
    const text = readFileSync(svg, 'utf8');
    t.match(text, /^<\?xml[^>]*>\s*<svg /, 'an SVG document');
    t.ok((text.match(/<image /g) ?? []).length >= 2, 'the two heat maps as images');
    t.ok((text.match(/<path /g) ?? []).length > 50, 'axes and text as paths, readable without the font');
    const bad = await run('node', ['dist/src/cli/ser.js', 'attention', 'examples/audio/caller.wav', '--out', join(dir, 'x.jpg')]).catch((e) => e);
    t.equal(bad.code, 2, 'another format is a usage error');
  });
});
