import { join } from 'node:path';
import t from 'tap';
import { loadEmotionModel } from '../src/model/loadModel.js';
import { makeParityFixture } from './helpers/parityFixture.js';
import { readNpy } from './helpers/npy.js';
import { missingPython } from './helpers/python.js';

const LENGTHS = [12, 31, 47, 100, 300, 3000]; // below the minimum, the minimum, ..., 30 s
const TOLERANCE = 1e-4;

function worstDifference(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

for (const [encoder, norm, pooling] of [
  ['alexnet', 'lrn', 'attention'],
  ['alexnet', 'batch', 'attention'],
  ['alexnet', 'batch', 'attention_stats'],
  ['squeezenet1_1', 'lrn', 'attention'],
  ['squeezenet1_1', 'batch', 'attention'],
]) {
  t.test(`${encoder} (${norm}, ${pooling}): onnxruntime from TypeScript matches PyTorch to ${TOLERANCE}`, { skip: missingPython('torch', 'onnx') }, async (t) => {
    const dir = makeParityFixture(encoder, LENGTHS, norm, pooling);
    const model = await loadEmotionModel(join(dir, 'model.onnx'), { log: () => {} });
    t.teardown(() => model.close());
    t.equal(model.metadata.minFrames, 31);
    t.same(model.labels, ['angry', 'happy', 'sad', 'neutral']);
    const inputs = LENGTHS.map((frames) => {
      const x = readNpy(join(dir, `input_${frames}.npy`));
      t.same(x.shape, [frames, 200]);
      return { frames, bins: 200, data: x.data };
    });
    const alone = await Promise.all(inputs.map((x) => model.predict(x)));
    const batched = await model.predictBatch(inputs);
    for (const [i, frames] of LENGTHS.entries()) {
      const probabilities = readNpy(join(dir, `probabilities_${frames}.npy`));
      const attention = readNpy(join(dir, `attention_${frames}.npy`));
      for (const [how, result] of [['alone', alone[i]], ['in a padded batch', batched[i]]] as const) {
        const p = Float32Array.from(model.labels, (l) => result.probabilities[l]);
        const dp = worstDifference(p, probabilities.data);
        t.ok(dp < TOLERANCE, `${frames} frames ${how}: probabilities differ by ${dp.toExponential(1)}`);
        t.same([result.attention.freq, result.attention.time], attention.shape, `${frames} frames ${how}: attention shape`);
        const da = worstDifference(result.attention.data, attention.data);
        t.ok(da < TOLERANCE, `${frames} frames ${how}: attention maps differ by ${da.toExponential(1)}`);
        t.equal(result.padded, frames < 31);
        t.equal(result.activity.length, frames, 'one activity score per input frame');
      }
    }
  });
}
