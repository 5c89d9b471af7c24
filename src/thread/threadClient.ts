import { Worker } from 'node:worker_threads';

/** What a thread started by ThreadClient sends back: once ready (or failed to open), then one reply per call. */
export type ThreadReply<Ready, Result> = { ready: Ready } | { failed: string } | { id: number; result: Result } | { id: number; error: string };

/** A module beside `moduleUrl` by name: the compiled JavaScript, or TypeScript when run from source. */
export function siblingModule(moduleUrl: string, name: string): URL {
  const extension = moduleUrl.endsWith('.ts') ? 'ts' : 'js';
  return new URL(`./${name}.${extension}`, moduleUrl);
}

/**
 * Calls into a worker thread that serves them (serveThread): each call is posted with the buffers it transfers and
 * answered by id, so calls may overlap. If the thread fails or exits, every pending and later call rejects with why.
 */
export class ThreadClient<Request, Result> {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (r: Result) => void; reject: (e: Error) => void }>();
  private failure?: Error;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly worker: Worker,
    private readonly name: string,
  ) {
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (reply: ThreadReply<unknown, Result>) => {
      if (!('id' in reply)) return;
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if ('error' in reply) waiting?.reject(new Error(reply.error));
      else waiting?.resolve(reply.result);
    });
    const fail = (err: Error) => {
      this.failure ??= err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the ${name} thread exited (code ${code})`)));
  }

  /** Starts the thread and waits for it to be ready; a thread that fails to open is ended and its reason thrown. */
  static async start<Request, Result, Ready>(url: URL, name: string, workerData: unknown): Promise<{ client: ThreadClient<Request, Result>; ready: Ready }> {
    const worker = new Worker(url, { workerData });
    const ready = await new Promise<Ready>((resolve, reject) => {
      worker.once('message', (reply: ThreadReply<Ready, Result>) => ('ready' in reply ? resolve(reply.ready) : reject(new Error('failed' in reply ? reply.failed : 'unexpected reply'))));
      worker.once('error', reject);
    }).catch(async (err) => {
      await worker.terminate();
      throw err;
    });
    return { client: new ThreadClient<Request, Result>(worker, name), ready };
  }

  /** `transfer`: the request's buffers, handed to the thread (unusable here afterwards) instead of copied. */
  call(request: Request, transfer: ArrayBuffer[] = []): Promise<Result> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, request }, transfer);
    });
  }

  /** Asks the thread to release what it holds and end; resolves when it has exited. */
  async close(): Promise<void> {
    if (!this.failure) this.worker.postMessage({ close: true });
    await this.exited;
  }
}
