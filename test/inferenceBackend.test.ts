import { readFileSync } from 'node:fs';
import t from 'tap';
import { EmotionModel } from '../src/model/emotionModel.js';
import { OrtSessionBackend, type InferenceBackend, type ModelInputs } from '../src/model/inferenceBackend.js';
import { logSpectrogram } from '../src/stream/spectrogram.js';
import { decodeAudioFile } from '../src/stream/audioFile.js';
import { resampleAll } from '../src/stream/resampler.js';
import { threeUtterancesMulaw } from './helpers/fixtures.js';
import { testModelPath } from './helpers/testModel.js';

const model = testModelPath();
const quiet = { log: () => {} };

async function speech() {
  const audio = await decodeAudioFile(readFileSync('examples/audio/caller.wav'));
  const samples = await resampleAll(audio.samples, audio.sampleRate);
  return [logSpectrogram(samples.subarray(0, 16000 * 2)), logSpectrogram(samples.subarray(16000, 16000 * 4.5))];
}

t.test('the worker thread and the calling thread compute the same results', { skip: model ? false : 'no model' }, async (t) => {
  const bytes = readFileSync(model!.path);
  const inWorker = await EmotionModel.fromBytes(bytes, 'm', { ...quiet, thread: 'worker' });
  const inMain = await EmotionModel.fromBytes(bytes, 'm', { ...quiet, thread: 'main' });
  t.teardown(async () => {
    await inWorker.close();
    await inMain.close();
  });
  const inputs = await speech();
  const [a, b] = await Promise.all([inWorker.predictBatch(inputs), inMain.predictBatch(inputs)]);
  for (let i = 0; i < inputs.length; i++) {
    t.equal(a[i].label, b[i].label);
    for (const label of inWorker.labels) t.ok(Math.abs(a[i].probabilities[label] - b[i].probabilities[label]) < 1e-6, `${label} agrees`);
    t.same(Array.from(a[i].activity), Array.from(b[i].activity));
  }
  // Concurrent calls on the worker each get their own answer.
  const many = await Promise.all(inputs.flatMap((x) => [inWorker.predict(x), inWorker.predict(x)]));
  t.same(many.map((p) => p.label), [a[0].label, a[0].label, a[1].label, a[1].label]);
});

t.test('audio scored where the network runs gives what its spectrogram gives in the calling thread', { skip: model ? false : 'no model' }, async (t) => {
  const bytes = readFileSync(model!.path);
  const decoded = await decodeAudioFile(readFileSync('examples/audio/caller.wav'));
  const samples = await resampleAll(decoded.samples, decoded.sampleRate);
  // Two utterances of different lengths in one batch, and one shorter than the network's minimum (padded).
  const audio = [samples.subarray(0, 16000 * 2), samples.subarray(16000, 16000 * 4.5), samples.subarray(3000, 3000 + 4000)];
  const main = await EmotionModel.fromBytes(bytes, 'm', { ...quiet, thread: 'main' });
  t.teardown(() => main.close());
  const expected = await main.predictBatch(audio.map((a) => logSpectrogram(a)));
  t.ok(expected[2].padded, 'the short one is padded');
  for (const options of [{ thread: 'main' as const }, { workers: 1 }, { workers: 2 }]) {
    const m = await EmotionModel.fromBytes(bytes, 'm', { ...quiet, ...options });
    const got = await m.predictAudioBatch(audio);
    const single = await m.predictAudio(audio[1]);
    await m.close();
    got.forEach((p, i) => {
      const e = expected[i];
      t.same([p.label, p.frames, p.padded], [e.label, e.frames, e.padded], `${JSON.stringify(options)} input ${i}`);
      t.ok(m.labels.every((l) => Math.abs(p.probabilities[l] - e.probabilities[l]) < 1e-6), `${JSON.stringify(options)} input ${i}: probabilities agree`);
      t.same(Array.from(p.activity), Array.from(e.activity));
    });
    t.ok(m.labels.every((l) => Math.abs(single.probabilities[l] - expected[1].probabilities[l]) < 1e-6), 'alone as in a batch');
  }
  t.ok(audio[0].length === 32000 && audio[0][100] === samples[100], "the caller's arrays are not transferred away");
  await t.rejects(main.predictAudio(new Float32Array(600)), { code: 'INPUT_TOO_SHORT', message: /0 frames/ });
  await t.rejects(main.predictAudio(Float32Array.of(0, NaN, ...new Float32Array(8000))), { code: 'INPUT_INVALID', message: /sample 1 is NaN/ });
});

t.test('a pool of inference threads computes what one thread does, side by side', { skip: model ? false : 'no model' }, async (t) => {
  const bytes = readFileSync(model!.path);
  const lines: string[] = [];
  const pool = await EmotionModel.fromBytes(bytes, 'm', { log: (l) => lines.push(l), workers: 2 });
  const one = await EmotionModel.fromBytes(bytes, 'm', { ...quiet, workers: 1 });
  t.teardown(async () => {
    await pool.close();
    await one.close();
  });
  t.same([pool.parallelism, one.parallelism], [2, 1]);
  t.match(lines[0], /in 2 worker threads/);
  const inputs = await speech();
  const expected = await one.predictBatch(inputs);
  // Four at once over the two threads: each answer is its own input's.
  const many = await Promise.all(inputs.flatMap((x) => [pool.predict(x), pool.predict(x)]));
  many.forEach((p, i) => {
    const e = expected[Math.floor(i / 2)];
    t.equal(p.label, e.label);
    t.ok(pool.labels.every((l) => Math.abs(p.probabilities[l] - e.probabilities[l]) < 1e-6), `result ${i} agrees with one thread's`);
  });
  for (const workers of [0, 1.5, -1]) await t.rejects(EmotionModel.fromBytes(bytes, 'm', { ...quiet, workers }), { name: 'RangeError', message: /workers must be a positive integer/ });
});

t.test('a custom backend runs the network; its failures are INFERENCE_FAILED and the model goes on', { skip: model ? false : 'no model' }, async (t) => {
  const bytes = readFileSync(model!.path);
  const ort = await OrtSessionBackend.open(bytes);
  let calls = 0;
  let failNext = false;
  // Stands where an inference server would: same inputs and outputs, somewhere else.
  const remote: InferenceBackend = {
    provider: 'remote (test)',
    skipped: [],
    async run(inputs: ModelInputs) {
      calls++;
      if (failNext) {
        failNext = false;
        throw new Error('server unavailable');
      }
      return ort.run(inputs);
    },
    close: () => ort.close(),
  };
  const m = await EmotionModel.fromBytes(bytes, 'm', { ...quiet, backend: remote });
  t.equal(m.provider, 'remote (test)');
  const [x] = await speech();
  const ok = await m.predict(x);
  t.ok(ok.label);
  failNext = true;
  await t.rejects(m.predict(x), { code: 'INFERENCE_FAILED', message: /server unavailable/ });
  t.same((await m.predict(x)).probabilities, ok.probabilities, 'the next call works again');
  t.equal(calls, 4, 'warm-up and three predictions');
  await m.close();
  await t.rejects(m.predict(x), { code: 'MODEL_CLOSED' });
});

/**
 * A reference server for the KServe v2 REST protocol (the JSON form Triton accepts), computing with onnxruntime
 * here: what the client must interoperate with, without an inference server installed.
 */
async function kserveServer(bytes: Uint8Array) {
  const { createServer } = await import('node:http');
  const backend = await OrtSessionBackend.open(bytes);
  let requests = 0;
  const server = createServer(async (req, res) => {
    requests++;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.url !== '/v2/models/ser/infer' || req.method !== 'POST') return void res.writeHead(404).end(JSON.stringify({ error: `no model at ${req.url}` }));
    const body = JSON.parse(Buffer.concat(chunks).toString()) as { inputs: { name: string; shape: number[]; data: number[] }[] };
    const input = (name: string) => body.inputs.find((i) => i.name === name)!;
    const features = input('features');
    const out = await backend.run({
      features: Float32Array.from(features.data),
      dims: features.shape as [number, number, number],
      lengths: BigInt64Array.from(input('lengths').data, (v) => BigInt(v)),
    });
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        model_name: 'ser',
        outputs: [
          { name: 'probabilities', datatype: 'FP32', shape: [features.shape[0], out.probabilities.length / features.shape[0]], data: Array.from(out.probabilities) },
          { name: 'attention', datatype: 'FP32', shape: out.attentionDims, data: Array.from(out.attention) },
          { name: 'attention_lengths', datatype: 'INT64', shape: [features.shape[0]], data: Array.from(out.attentionLengths, Number) },
        ],
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: async () => {
      await new Promise((r) => server.close(r));
      await backend.close();
    },
  };
}

t.test('an inference server over the KServe v2 protocol scores as onnxruntime does here', { skip: model ? false : 'no model' }, async (t) => {
  const { KServeBackend } = await import('../src/model/kserveBackend.js');
  const bytes = readFileSync(model!.path);
  const server = await kserveServer(bytes);
  const remote = await EmotionModel.fromBytes(bytes, 'm', { ...quiet, backend: new KServeBackend({ url: server.url, model: 'ser' }) });
  const local = await EmotionModel.fromBytes(bytes, 'm', { ...quiet, thread: 'main' });
  t.teardown(async () => {
    await remote.close();
    await local.close();
    await server.close();
  });
  t.match(remote.provider, /KServe v2 http:\/\/127\.0\.0\.1:\d+ \(ser, json\)/);
  const inputs = await speech();
  const [a, b] = await Promise.all([remote.predictBatch(inputs), local.predictBatch(inputs)]);
  for (let i = 0; i < inputs.length; i++) {
    t.equal(a[i].label, b[i].label);
    t.same(a[i].attention.time, b[i].attention.time);
    for (const label of local.labels) t.ok(Math.abs(a[i].probabilities[label] - b[i].probabilities[label]) < 1e-6, `${label} agrees`);
  }
  t.ok(server.requests() >= 2, 'warm-up and the batch went to the server');
  const wrong = await EmotionModel.fromBytes(bytes, 'm', { ...quiet, backend: new KServeBackend({ url: server.url, model: 'ser', version: '9' }) }).catch((e) => e);
  t.match(wrong, { code: 'INFERENCE_FAILED', message: /HTTP 404/ }, 'a model the server does not have fails clearly at load (warm-up)');
});

t.test('a stream whose inference fails reports it for that utterance and goes on', { skip: model ? false : 'no model' }, async (t) => {
  const { EmotionPlugin } = await import('../src/plugin/emotionPlugin.js');
  const bytes = readFileSync(model!.path);
  const ort = await OrtSessionBackend.open(bytes);
  let calls = 0;
  const flaky: InferenceBackend = {
    provider: 'flaky (test)',
    skipped: [],
    run: (inputs) => (++calls === 3 ? Promise.reject(new Error('lost the GPU')) : ort.run(inputs)), // warm-up, u1, then u2 fails
    close: () => ort.close(),
  };
  const flakyModel = await EmotionModel.fromBytes(bytes, 'm', { ...quiet, backend: flaky });
  const plugin = await EmotionPlugin.create({ model: flakyModel, log: () => {} });
  t.teardown(async () => {
    await plugin.close();
    await flakyModel.close();
  });
  const stream = await plugin.openStream({ sampleRate: 8000, encoding: 'mulaw' }, { id: 'flaky-call' });
  const events: { type: string; final?: boolean; code?: string; utteranceId?: string; fatal?: boolean }[] = [];
  stream.on('*', (e) => events.push(e));
  const audio = threeUtterancesMulaw();
  for (let i = 0; i < audio.length; i += 160) await stream.push(audio.subarray(i, i + 160));
  await stream.close();
  t.match(events.filter((e) => e.type === 'error'), [{ code: 'INFERENCE_FAILED', utteranceId: 'u2', fatal: false }]);
  t.same(events.filter((e) => e.type === 'emotion' && e.final).map((e) => e.utteranceId), ['u1', 'u3'], 'the others are scored');
});

t.test('the binary tensor codec reads outputs after the JSON header, takes JSON ones too, and names a short body', async (t) => {
  const { kserveBinaryCodec } = await import('../src/model/kserveBinaryCodec.js');
  const probabilities = Float32Array.from([0.1, 0.2, 0.3, 0.4]);
  const attention = Float32Array.from({ length: 11 * 3 }, (_, i) => i / 33);
  const header = Buffer.from(
    JSON.stringify({
      outputs: [
        { name: 'attention', datatype: 'FP32', shape: [1, 11, 3], parameters: { binary_data_size: attention.byteLength } },
        { name: 'attention_lengths', datatype: 'INT64', shape: [1], data: [3] },
        { name: 'probabilities', datatype: 'FP32', shape: [1, 4], parameters: { binary_data_size: probabilities.byteLength } },
      ],
    }),
  );
  const body = Buffer.concat([header, Buffer.from(attention.buffer), Buffer.from(probabilities.buffer)]);
  const headers = (length: number) => (name: string) => (name === 'inference-header-content-length' ? String(length) : null);
  const out = kserveBinaryCodec.decode(body, headers(header.length));
  t.same(Array.from(out.probabilities), Array.from(probabilities), 'binary outputs in the order the JSON lists them');
  t.same(Array.from(out.attention), Array.from(attention));
  t.same(out.attentionDims, [1, 11, 3]);
  t.same(Array.from(out.attentionLengths), [3n], 'an output sent as JSON is read as JSON');
  t.throws(() => kserveBinaryCodec.decode(body.subarray(0, body.length - 4), headers(header.length)), /output 'probabilities' overruns its body/);
  t.throws(() => kserveBinaryCodec.decode(body, headers(body.length + 1)), /inference-header-content-length \(\d+\) does not fit/);
  const request = kserveBinaryCodec.encode({ features: Float32Array.from([1, 2]), dims: [1, 1, 2], lengths: BigInt64Array.from([1n]) });
  const length = Number(request.headers['inference-header-content-length']);
  const json = JSON.parse(Buffer.from(request.body as Uint8Array).subarray(0, length).toString()) as { inputs: { parameters: { binary_data_size: number } }[] };
  t.same(json.inputs.map((i) => i.parameters.binary_data_size), [8, 8], 'each input names its byte length');
  t.equal((request.body as Uint8Array).length, length + 16, 'and its bytes follow the header');
});
