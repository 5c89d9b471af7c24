import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
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
  let child: ChildProcess | undefined;
  let log = '';
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((resolve) => c.once('exit', resolve));
    c.kill('SIGCONT');
    c.kill('SIGKILL');
    await exited;
  };
  const start = async () => {
    await stop();
    const c = spawn(KSERVE_PYTHON, ['serving/kserve_model.py', '--model', model, '--http_port', String(http), '--grpc_port', String(grpc), '--workers', '1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = c;
    const keep = (chunk: Buffer) => (log = (log + chunk.toString()).slice(-20_000));
    c.stdout!.on('data', keep);
    c.stderr!.on('data', keep);
    for (let waited = 0; ; waited += 250) {
      if (c.exitCode !== null) throw new Error(`the KServe server exited (${c.exitCode}):\n${log}`);
      const ready = await fetch(`${url}/v2/models/ser/ready`).then((r) => r.ok, () => false);
      if (ready) return;
      if (waited > 90_000) throw new Error(`the KServe server was not ready in 90 s:\n${log}`);
      await sleep(250);
    }
  };
  await start();
  return { url, start, stop, freeze: () => child?.kill('SIGSTOP'), thaw: () => child?.kill('SIGCONT'), log: () => log };
}
