import t from 'tap';
import { MARGIN_DB, NoiseFloor, SETTLE, meanPower } from '../src/vad/noiseFloor.js';

const db = (x: number) => 10 ** (x / 10);

t.test('nothing is quiet before the network has heard SETTLE noise windows in a row', async (t) => {
  const floor = new NoiseFloor();
  for (let i = 0; i < SETTLE - 1; i++) floor.learn(1e-7, 0.02);
  t.notOk(floor.quiet(1e-7), `${SETTLE - 1} noise windows`);
  floor.learn(1e-7, 0.02);
  t.ok(floor.quiet(1e-7), `${SETTLE} noise windows`);
  floor.learn(1e-7, 0.3); // a window that might be speech starts the count again
  t.notOk(floor.quiet(1e-7), 'after a window that was not clearly noise');
});

t.test(`a window is quiet up to ${MARGIN_DB} dB above the floor`, async (t) => {
  const floor = new NoiseFloor();
  for (let i = 0; i < SETTLE; i++) floor.learn(1e-7, 0.02);
  t.ok(floor.quiet(1e-7 * db(MARGIN_DB - 0.1)));
  t.notOk(floor.quiet(1e-7 * db(MARGIN_DB + 0.1)));
  t.notOk(floor.quiet(1e-5), 'a syllable 20 dB over the line');
});

t.test('a floor raised by a burst of noise comes back down over the windows it skips', async (t) => {
  const floor = new NoiseFloor();
  for (let i = 0; i < SETTLE; i++) floor.learn(1e-7, 0.02);
  for (let i = 0; i < 3; i++) floor.learn(1e-5, 0.05); // a door: loud, not speech
  t.ok(floor.quiet(1e-7 * db(MARGIN_DB + 2)), 'right after the burst the floor stands high');
  for (let i = 0; i < 100; i++) floor.quiet(1e-7);
  t.notOk(floor.quiet(1e-7 * db(MARGIN_DB + 0.5)), 'then the line\'s own noise brings it back');
});

t.test('a line that gets louder is heard by the network again, and its floor follows', async (t) => {
  const floor = new NoiseFloor();
  for (let i = 0; i < SETTLE; i++) floor.learn(1e-7, 0.02);
  t.notOk(floor.quiet(1e-6), '10 dB louder');
  for (let i = 0; i < 40; i++) floor.learn(1e-6, 0.02);
  t.ok(floor.quiet(1e-6));
});

t.test('mean power of a window', async (t) => {
  t.equal(meanPower(Float32Array.from([0.5, -0.5, 0.5, -0.5])), 0.25);
});
