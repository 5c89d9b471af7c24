import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const clips = JSON.parse(readFileSync(join(ROOT, 'examples/audio/ravdess/calls.json'), 'utf8'))['demo-call.flac'] as { acted: string }[];

// What a consumer gets from the registry: the packed tarball, installed into a new project that has none of this
// repository's settings, type-checked as ESM TypeScript under both module resolutions a consumer may use, and run.
t.test('the packed package installs into a new project, type-checks and scores speech', { timeout: 600_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ser-consumer-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const { stdout: packed } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT });
  const [{ filename, files }] = JSON.parse(packed) as { filename: string; files: { path: string }[] }[];
  const paths = new Set(files.map((f) => f.path));
  t.ok(paths.has('LICENSE') && paths.has('models/ser-default.onnx') && paths.has('models/MODEL_CARD.md'), 'licence and model ship');
  const maps = [...paths].filter((p) => p.endsWith('.js.map'));
  const unresolved = maps.flatMap((m) => {
    const { sources } = JSON.parse(readFileSync(join(ROOT, m), 'utf8')) as { sources: string[] };
    return sources.map((s) => join(m, '..', s)).filter((s) => !paths.has(s));
  });
  t.same(unresolved, [], `every source map's sources ship (${maps.length} maps)`);
  t.notOk([...paths].some((p) => p.startsWith('test/') || p.startsWith('training/') || p.startsWith('examples/')), 'no tests, training or demo audio');

  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'consumer',
      private: true,
      type: 'module',
      dependencies: { 'ser-voice-plugin': `file:./${filename}`, '@types/node': '20.19.43' },
      // The one setting the README asks of a consumer: onnxruntime-node's install script fetches CUDA libraries
      // from NuGet, which fails where only the npm registry is reachable; the CPU build ships in its npm package.
      allowScripts: { 'onnxruntime-node': false },
    }),
  );
  const install = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: dir, env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: '' } });
  t.notMatch(install.stderr, /ERR!|npm error/, 'npm install succeeds with none of this repository\'s settings');
  t.ok(readdirSync(join(dir, 'node_modules', 'onnxruntime-node', 'bin')).length > 0, 'with the CPU build of onnxruntime');

  copyFileSync(join(ROOT, 'test/fixtures/consumer/consumer.ts'), join(dir, 'consumer.ts'));
  const tsconfig = (module: string, moduleResolution: string, outDir?: string) =>
    JSON.stringify({ compilerOptions: { target: 'ES2022', module, moduleResolution, strict: true, skipLibCheck: false, types: ['node'], ...(outDir ? { outDir } : { noEmit: true }) }, files: ['consumer.ts'] });
  writeFileSync(join(dir, 'tsconfig.bundler.json'), tsconfig('esnext', 'bundler'));
  writeFileSync(join(dir, 'tsconfig.json'), tsconfig('node16', 'node16', 'out'));
  for (const config of ['tsconfig.bundler.json', 'tsconfig.json']) {
    const errors = await run('node', [TSC, '-p', config], { cwd: dir }).then(
      () => '',
      (e: { stdout?: string; stderr?: string }) => `${e.stdout ?? ''}${e.stderr ?? ''}` || 'tsc failed',
    );
    t.equal(errors, '', `${config}: no type errors`);
  }

  const { stdout } = await run('node', ['out/consumer.js', join(ROOT, 'examples/audio/ravdess/demo-call.flac')], { cwd: dir });
  const finals = JSON.parse(stdout.trim().split('\n').at(-1)!) as { label: string }[];
  t.same(
    finals.map((f) => f.label),
    clips.map((c) => c.acted),
    'one final emotion per utterance of the demo call, each what its actor acted',
  );
});
