import t from 'tap';
import { Progress } from '../src/cli/progress.js';

function terminal(isTTY = true) {
  const written: string[] = [];
  return { isTTY, written, write: (s: string) => written.push(s) };
}

t.test('progress: count, rate and time left, redrawn at most every 250 ms, cleared before results', async (t) => {
  const out = terminal();
  let now = 0;
  const progress = new Progress(10, 'files', out, true, () => now);
  now = 1000;
  progress.tick(); // 1 file in 1 s
  t.same(out.written, ['\r\x1b[K1/10 files, 1.0/s, 0:09 left']);
  now = 1100;
  progress.tick();
  t.equal(out.written.length, 1, 'not redrawn within 250 ms');
  progress.clear();
  t.equal(out.written.at(-1), '\r\x1b[K', 'cleared for a result line');
  now = 1150;
  progress.tick();
  t.equal(out.written.at(-1), '\r\x1b[K3/10 files, 2.6/s, 0:03 left', 'drawn again after a clear');
  now = 4000;
  for (let i = 3; i < 10; i++) progress.tick();
  t.equal(out.written.at(-1), '\r\x1b[K10/10 files, 2.5/s, 0:00 left', 'the last item is always drawn');
  progress.clear();
  progress.clear();
  t.equal(out.written.filter((w) => w === '\r\x1b[K').length, 2, 'a clear with nothing drawn writes nothing');
});

t.test('progress: silent when not a terminal or when turned off', async (t) => {
  for (const [out, enabled] of [
    [terminal(false), undefined],
    [terminal(true), false],
  ] as const) {
    const progress = new Progress(3, 'files', out, enabled ?? out.isTTY);
    progress.tick();
    progress.clear();
    t.same(out.written, []);
  }
});
