import { spawn, type ChildProcess } from 'node:child_process';

/** A child process whose output is kept (the last 50 kB) for the test's diagnostics. */
export interface Child {
  process: ChildProcess;
  log(): string;
  stop(): Promise<void>;
}

export function child(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Child {
  const c = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let log = '';
  const keep = (chunk: Buffer) => (log = (log + chunk.toString()).slice(-50_000));
  c.stdout!.on('data', keep);
  c.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
  return {
    process: c,
    log: () => log,
    stop: async () => {
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
      const killer = setTimeout(() => c.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/**
 * Waits until `url` answers with a 2xx status, asking every `everyMs`; throws, with the child's log, if the child
 * exits first or `timeoutMs` passes. `what` names the child in the message.
 */
export async function untilAnswers(c: Pick<Child, 'process' | 'log'>, url: string, what: string, timeoutMs: number, everyMs = 200): Promise<void> {
  for (let waited = 0; ; waited += everyMs) {
    if (c.process.exitCode !== null || c.process.signalCode !== null) throw new Error(`${what} exited (${c.process.exitCode ?? c.process.signalCode}):\n${c.log()}`);
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    if (waited > timeoutMs) throw new Error(`${what} did not answer ${url} in ${timeoutMs / 1000} s:\n${c.log()}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
