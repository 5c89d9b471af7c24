import { existsSync } from 'node:fs';
import { child, untilAnswers, type Child } from '../test/helpers/child.js';
import { freeTcpPort } from '../test/helpers/ports.js';

/** KServe's model server serving the shipped model (serving/kserve_model.py in serving/.venv, made by .ci/run). */
export const KSERVE_PYTHON = 'serving/.venv/bin/python';

export function missingKServe(): false | string {
  return existsSync(KSERVE_PYTHON) ? false : `${KSERVE_PYTHON} is missing (.ci/run makes it from serving/requirements.txt)`;
}

export interface KServeProcess {
  url: string;
  /** Starts the server (again) on the same ports and waits until the model is ready. */
  start(): Promise<void>;
  /** Kills the server and waits for it to exit. */
  stop(): Promise<void>;
  /** SIGSTOP / SIGCONT: the socket still accepts, nothing answers. */
  freeze(): void;
  thaw(): void;
  log(): string;
}

export async function kserveProcess(model = 'models/ser-default.onnx'): Promise<KServeProcess> {
  const [http, grpc] = [await freeTcpPort(), await freeTcpPort()];
  const url = `http://127.0.0.1:${http}`;
  let server: Child | undefined;
  const stop = async () => {
    const c = server?.process;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((resolve) => c.once('exit', resolve));
    c.kill('SIGCONT'); // a frozen server dies at once
    c.kill('SIGKILL');
    await exited;
  };
  const start = async () => {
    await stop();
    server = child(KSERVE_PYTHON, ['serving/kserve_model.py', '--model', model, '--http_port', String(http), '--grpc_port', String(grpc), '--workers', '1']);
    await untilAnswers(server, `${url}/v2/models/ser/ready`, 'the KServe server', 90_000, 250);
  };
  await start();
  return { url, start, stop, freeze: () => server?.process.kill('SIGSTOP'), thaw: () => server?.process.kill('SIGCONT'), log: () => server?.log() ?? '' };
}
