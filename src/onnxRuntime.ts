import type ort from 'onnxruntime-node';
import { OnnxRuntimeMissingError } from './onnxRuntimeMissingError.js';

/** onnxruntime-node's API, as its default export gives it. */
export type OnnxRuntime = typeof ort;

let loaded: OnnxRuntime | undefined;

/** onnxruntime-node, imported on first use so that its absence gets our error instead of Node's. */
export async function loadOnnxRuntime(): Promise<OnnxRuntime> {
  if (loaded) return loaded;
  // onnxruntime's telemetry, which it gathers when it creates its environment, runs a backtracking regular expression
  // over the process's command line: one of some tens of kB (`ser predict` given a few hundred files) overflows the
  // stack and the process dies of SIGSEGV. The plugin has no use for it, so it is off unless the host sets it.
  process.env.ORT_DISABLE_TELEMETRY ??= '1';
  try {
    loaded = (await import('onnxruntime-node')).default;
    return loaded;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && /onnxruntime-node/.test(String(err))) {
      throw new OnnxRuntimeMissingError(
        'ONNXRUNTIME_MISSING',
        'onnxruntime-node is not installed: npm leaves this optional dependency out when its install script fails, which it ' +
          'does where NuGet is out of reach (it fetches CUDA libraries there). Add "allowScripts": { "onnxruntime-node": false } ' +
          "to your package.json and run npm install again (npm 11; with an older npm: ONNXRUNTIME_NODE_INSTALL=skip npm install). " +
          'The CPU build ships in its npm package; the README says how to add CUDA later.',
        { cause: err },
      );
    }
    throw err;
  }
}
