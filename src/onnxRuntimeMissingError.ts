import { CodedError } from './stream/errors.js';

/**
 * onnxruntime-node is absent. It is an optional dependency: where its install script cannot reach NuGet for the CUDA
 * libraries (only the npm registry reachable), the script fails and npm leaves the package out rather than failing
 * the whole install, so the first model or VAD load reports it here with the setting that installs it.
 */
export class OnnxRuntimeMissingError extends CodedError<'ONNXRUNTIME_MISSING'> {}
