import { execFile, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { ENDPOINTS } from '../src/server/protocols/index.js';
import { fileSpectrogram } from '../src/stream/fileFeatures.js';
import { SHARED_DATA, noSharedData, readManifest } from './helpers/sharedData.js';
import { bytesEqual } from './helpers/signals.js';
import { PYTHON, missingPython } from './helpers/python.js';
import { readNpy } from './helpers/npy.js';

const SER = 'dist/src/cli/ser.js';
const SAMPLE = 'examples/audio/caller.wav';
const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'ser-cli-'));

async function ser(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', [SER, ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

t.test('ser --help lists the commands', async (t) => {
  const { code, stdout } = await ser('--help');
  t.equal(code, 0);
  t.match(stdout, /ser spectrogram <audio file>/);
});

t.test('npx ser runs the built command, as the README has it (the bin must be executable)', async (t) => {
  const { stdout } = await run('npx', ['--no-install', 'ser', '--help']);
  t.match(stdout, /ser spectrogram <audio file>/);
});

t.test('ser spectrogram writes the [frames, 200] float32 log spectrogram as .npy', async (t) => {
  const out = join(dir, 'caller.npy');
  const { code, stderr } = await ser('spectrogram', SAMPLE, '--out', out);
  t.equal(code, 0, stderr);
  t.match(stderr, /22050 Hz/);
  const npy = readNpy(out);
  const expected = await fileSpectrogram(readFileSync(SAMPLE));
  t.equal(npy.descr, '<f4');
  t.same(npy.shape, [expected.spectrogram.frames, 200]);
  t.ok(expected.spectrogram.frames > 600, 'about 7 s of frames');
  t.ok(bytesEqual(npy.data, expected.spectrogram.data), 'the file holds exactly the front end frames');
});

t.test('ser spectrogram on a corpus FLAC, read back by numpy', { skip: noSharedData }, async (t) => {
  const row = readManifest().find((r) => r.corpus === 'ravdess')!;
  const out = join(dir, 'ravdess.npy');
  const { code, stderr } = await ser('spectrogram', join(SHARED_DATA, row.path), '--out', out);
  t.equal(code, 0, stderr);
  const { spectrogram } = await fileSpectrogram(readFileSync(join(SHARED_DATA, row.path)));
  const frames = spectrogram.frames;
  t.ok(Math.abs(frames - row.duration_s * 100) < 5, `${row.path}: ${frames} frames for ${row.duration_s} s`);
  const npy = readNpy(out);
  t.same(npy.shape, [frames, 200]);
  t.ok(bytesEqual(npy.data, spectrogram.data));
  if (missingPython('numpy')) return;
  const { stdout } = await run(PYTHON, ['-c', `import numpy as np; a = np.load('${out}'); print(a.dtype, a.shape, bool(np.isfinite(a).all()))`]);
  t.equal(stdout.trim(), `float32 (${frames}, 200) True`, 'numpy reads it back');
});

t.test('ser serve listens on loopback unless told otherwise, prints a URL to paste, and warns when open without a token', async (t) => {
  const serve = async (...args: string[]) => {
    const child = spawn('node', [SER, 'serve', '--port', '0', ...args]);
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (d) => (stderr += d) && /listening on/.test(stderr) && resolve());
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
    });
    child.kill('SIGINT');
    await new Promise((resolve) => child.once('exit', resolve));
    return stderr;
  };
  const plain = await serve();
  t.match(plain, /listening on ws:\/\/127\.0\.0\.1:\d+\/stream /);
  t.notMatch(plain, /warning/);
  if (availableParallelism() >= 2) t.match(plain, /runs on cpu in 2 worker threads/, 'two inference threads by default');
  t.match(await serve('--workers', '1'), /runs on cpu in a worker thread/);
  const open = await serve('--host', '0.0.0.0');
  t.match(open, /warning: listening on 0\.0\.0\.0 without --token/);
  t.match(open, /listening on ws:\/\/127\.0\.0\.1:\d+\/stream /, 'a URL a person can paste');
});

t.test('ser predict gives every bad path its error line and scores the rest, each file once', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'ser-paths-'));
  const folder = join(root, 'calls');
  mkdirSync(join(folder, 'inner'), { recursive: true });
  copyFileSync(SAMPLE, join(folder, 'inner', 'good.wav'));
  symlinkSync('..', join(folder, 'inner', 'up')); // two links back to a parent: walked once
  symlinkSync('.', join(folder, 'inner', 'here')); // a self-loop
  symlinkSync('loop-b.wav', join(root, 'loop-a.wav'));
  symlinkSync('loop-a.wav', join(root, 'loop-b.wav'));
  await run('mkfifo', [join(folder, 'fifo.wav')]);
  const sparse = join(root, 'huge.wav');
  writeFileSync(sparse, 'RIFF\xff\xff\xff\x7fWAVE');
  truncateSync(sparse, 300 * 2 ** 20); // 300 MiB, nothing written
  const { code, stdout } = await ser('predict', join(root, 'missing.wav'), join(root, 'loop-a.wav'), folder, sparse, '/dev/zero', SAMPLE);
  t.equal(code, 1);
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
  const byFile = Object.fromEntries(lines.map((l) => [l.file, l.error?.code ?? l.label]));
  const good = join(folder, 'inner', 'good.wav');
  t.same(Object.keys(byFile).sort(), [join(root, 'missing.wav'), join(root, 'loop-a.wav'), join(folder, 'fifo.wav'), good, sparse, '/dev/zero', SAMPLE].sort());
  t.equal(lines.length, 7, 'one line per path, the good file scored once');
  t.match(byFile, {
    [join(root, 'missing.wav')]: 'FILE_NOT_FOUND',
    [join(root, 'loop-a.wav')]: 'UNREADABLE_PATH',
    [join(folder, 'fifo.wav')]: 'NOT_A_FILE',
    [good]: /^(angry|happy|sad|neutral)$/,
    [sparse]: 'FILE_TOO_LARGE',
    '/dev/zero': 'NOT_A_FILE',
    [SAMPLE]: /^(angry|happy|sad|neutral)$/,
  });
});

t.test('ser predict takes a command line of thousands of files (onnxruntime once died of SIGSEGV on a long one)', async (t) => {
  const { code, stdout, stderr } = await ser('predict', '--quiet', ...Array(2000).fill(SAMPLE)); // about 50 kB
  t.equal(code, 0, stderr);
  t.equal(stdout.trim().split('\n').length, 1, 'one line: the file once');
});

t.test('usage errors exit 2 and point at the help; ser alone is one', async (t) => {
  const empty = mkdtempSync(join(dir, 'empty-'));
  const cases: [string[], RegExp][] = [
    [[], /Usage: ser <command>/],
    [['predict', '--bogus', SAMPLE], /ser predict: Unknown option '--bogus'[\s\S]*Run 'ser predict --help' for its usage\./],
    [['predict', empty], /ser predict: no \.wav or \.flac file in .*empty-[\s\S]*Run 'ser predict --help'/],
    [['spectrogram'], /ser spectrogram: expected one audio file, got 0\nRun 'ser spectrogram --help' for its usage\./],
    [['frobnicate'], /ser: unknown command 'frobnicate'\nRun 'ser --help' for the commands\./],
    [['serve', '--max-streams', '0'], /ser serve: --max-streams must be a positive integer, not '0'/],
    [['serve', '--workers', 'two'], /ser serve: --workers must be a positive integer, not 'two'/],
    [['predict', '--threads', '0', SAMPLE], /ser predict: --threads must be a positive integer, not '0'/],
    [['stream', '--adaptation', 'speaker', SAMPLE], /ser stream: --adaptation is none or caller, not 'speaker'/],
  ];
  for (const [args, message] of cases) {
    const { code, stdout, stderr } = await ser(...args);
    t.equal(code, 2, `ser ${args.join(' ')}: exit 2`);
    t.match(stderr, message);
    t.equal(stdout, '', 'nothing on stdout');
  }
  const header = join(empty, 'manifest.csv');
  writeFileSync(header, 'path,corpus\n');
  t.match(await ser('features', header, '--out', join(empty, 'out')), { code: 2, stderr: /lists no files/ });
});

t.test('ser serve --help lists every endpoint the server answers', async (t) => {
  const { code, stdout } = await ser('serve', '--help');
  t.equal(code, 0);
  for (const path of Object.keys(ENDPOINTS)) t.match(stdout, new RegExp(`ws://host:port${path}\\s`), path);
  t.match(stdout, /--workers n .*\(default 2, or 1 on a single core\)/, 'the default it really has');
});

t.test('bad command lines and bad files exit 2 with a message, not a stack trace', async (t) => {
  const garbage = join(dir, 'garbage.wav');
  writeFileSync(garbage, Buffer.from('this is not audio at all, just text'));
  const fifo = join(dir, 'fifo.wav');
  await run('mkfifo', [fifo]);
  const cases: [string[], RegExp][] = [
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['spectrogram'], /expected one audio file, got 0/],
    [['spectrogram', '--bogus', SAMPLE], /bogus/],
    [['spectrogram', join(dir, 'missing.flac')], /missing\.flac: no such file/],
    [['spectrogram', '/dev/zero'], /\/dev\/zero: not a regular file/],
    [['spectrogram', fifo], /fifo\.wav: not a regular file/], // refused, not waited on
    [['spectrogram', SAMPLE, '--max-file-mb', '4096'], /--max-file-mb can be at most 2047/],
    [['spectrogram', SAMPLE, '--max-file-mb', '0.1'], /caller\.wav: 0\.3 MiB, over the limit of 0\.1 MiB \(raise it with --max-file-mb\)/],
    [['spectrogram', garbage], /garbage\.wav/],
    [['serve', '--port', '0', '--model', join(dir, 'missing.onnx')], /cannot read the emotion model .*missing\.onnx: no such file/],
    [['serve', '--port', '0', '--model', garbage], /garbage\.wav is not a readable ONNX model/],
  ];
  for (const [args, message] of cases) {
    const { code, stderr } = await ser(...args);
    t.equal(code, 2, `ser ${args.join(' ')}: exit 2`);
    t.match(stderr, message);
    t.notMatch(stderr, /\n\s+at /, 'no stack trace');
  }
});
