import t from 'tap';
import { AngerRule } from '../examples/callCentre/angerRule.js';

t.test('escalates on k of the last n angry utterances, not on one', async (t) => {
  const rule = new AngerRule({ k: 2, n: 3, threshold: 0.6 });
  t.same([0.9, 0.1, 0.2].map((p) => rule.observe('a', p)), [false, false, false], 'one angry utterance is not enough');
  t.same([0.7, 0.1, 0.65].map((p) => rule.observe('a', p)), [false, false, true], 'the second angry one within 3 triggers');
  t.equal(rule.observe('a', 0.99), false, 'it triggers once per call');
  t.same([0.61, 0.62].map((p) => rule.observe('b', p)), [false, true], 'calls are independent');
  rule.end('a');
  t.same([0.9, 0.9].map((p) => rule.observe('a', p)), [false, true], 'a new call with the same id starts afresh');
  t.equal(new AngerRule({ k: 1, n: 1, threshold: 0.5 }).observe('c', 0.5), true, 'the threshold is inclusive');
  t.throws(() => new AngerRule({ k: 4, n: 3, threshold: 0.5 }), RangeError);
});
