import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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

  const manifest = (settings: object) =>
    JSON.stringify({
      name: 'consumer',
      private: true,
      type: 'module',
      dependencies: { 'ser-voice-plugin': `file:./${filename}`, '@types/node': '20.19.43' },
      ...settings,
    });
  const install = (env: NodeJS.ProcessEnv = {}) =>
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: dir, env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: '', ...env } });
  const demoCall = join(ROOT, 'examples/audio/ravdess/demo-call.flac');

  // Without the README's setting, where NuGet is out of reach (made certain here by a proxy that refuses every
  // connection), onnxruntime-node's install script fails: npm leaves that optional dependency out and the install
  // succeeds, the types still check, and the first use names the setting that fixes it.
  writeFileSync(join(dir, 'package.json'), manifest({}));
  const bare = await install({ GLOBAL_AGENT_HTTPS_PROXY: 'http://127.0.0.1:9', GLOBAL_AGENT_HTTP_PROXY: 'http://127.0.0.1:9' });
  t.notMatch(bare.stderr, /ERR!|npm error/, 'npm install succeeds without the setting');
  t.notOk(existsSync(join(dir, 'node_modules', 'onnxruntime-node')), 'onnxruntime-node is left out');

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
    t.equal(errors, '', `${config}: no type errors, with or without onnxruntime-node`);
  }
  const missing = await run('node', ['out/consumer.js', demoCall], { cwd: dir }).then(
    () => '',
    (e: { stderr?: string }) => e.stderr ?? '',
  );
  t.match(missing, /OnnxRuntimeMissingError/, 'the first use fails with our typed error');
  t.match(missing, '"allowScripts": { "onnxruntime-node": false }', 'which names the setting');

  // With the setting: the script is skipped and the CPU build in onnxruntime-node's npm package runs.
  writeFileSync(join(dir, 'package.json'), manifest({ allowScripts: { 'onnxruntime-node': false } }));
  const set = await install();
  t.notMatch(set.stderr, /ERR!|npm error/, 'npm install succeeds with the setting');
  t.ok(readdirSync(join(dir, 'node_modules', 'onnxruntime-node', 'bin')).length > 0, 'with the CPU build of onnxruntime');

  const { stdout } = await run('node', ['out/consumer.js', demoCall], { cwd: dir });
  const finals = JSON.parse(stdout.trim().split('\n').at(-1)!) as { label: string }[];
  t.same(
    finals.map((f) => f.label),
    clips.map((c) => c.acted),
    'one final emotion per utterance of the demo call, each what its actor acted',
  );
});
