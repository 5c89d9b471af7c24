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
