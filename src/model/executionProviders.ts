import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import type ort from 'onnxruntime-node';
import { loadOnnxRuntime, type OnnxRuntime } from '../onnxRuntime.js';
import type { Device, SessionOptions } from './sessionOptions.js';

const CANDIDATES: Record<Device, readonly ('cuda' | 'webgpu' | 'cpu')[]> = {
  auto: ['cuda', 'webgpu', 'cpu'],
  cuda: ['cuda'],
  webgpu: ['webgpu'],
  cpu: ['cpu'],
};

export interface OpenedSession {
  runtime: OnnxRuntime;
  session: ort.InferenceSession;
  provider: 'cuda' | 'webgpu' | 'cpu';
  /** Why each provider tried before it was not used. */
  skipped: { provider: string; reason: string }[];
}

const LINUX_LIBRARY_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib'];

/** Why `provider` certainly cannot load here, or undefined if it may. */
function missingLibraries(provider: 'cuda' | 'webgpu' | 'cpu'): string | undefined {
  if (provider === 'cuda') {
    const bin = join(dirname(createRequire(import.meta.url).resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', platform(), arch());
    const library = platform() === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
    if (!existsSync(join(bin, library))) return `the CUDA provider is not installed (${library}; see README)`;
  }
  if (provider === 'webgpu' && platform() === 'linux') {
    const dirs = [...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), ...LINUX_LIBRARY_DIRS];
    if (!dirs.some((d) => existsSync(join(d, 'libvulkan.so.1')))) return 'no Vulkan loader (libvulkan.so.1) found';
  }
  return undefined;
}

export async function openSession(model: Uint8Array, options: SessionOptions = {}): Promise<OpenedSession> {
  const device = options.device ?? 'auto';
  const candidates = CANDIDATES[device];
  if (!candidates) throw new RangeError(`device '${String(device)}' is not one of ${Object.keys(CANDIDATES).join(', ')}`);
  const runtime = await loadOnnxRuntime();
  const create = (provider: string) =>
    runtime.InferenceSession.create(model, {
      executionProviders: [provider],
      intraOpNumThreads: options.threads ?? 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      // A failed GPU probe is reported in `skipped`; keep onnxruntime's own log of it quiet.
      logSeverityLevel: provider === 'cpu' ? 2 : 4,
    });
  const skipped: OpenedSession['skipped'] = [];
  for (const provider of candidates.slice(0, -1)) {
    const missing = device === 'auto' ? missingLibraries(provider) : undefined;
    if (missing) {
      skipped.push({ provider, reason: missing });
      continue;
    }
    try {
      return { runtime, session: await create(provider), provider, skipped };
    } catch (err) {
      skipped.push({ provider, reason: (err as Error).message.split('\n')[0] });
    }
  }
  const last = candidates[candidates.length - 1];
  return { runtime, session: await create(last), provider: last, skipped };
}
