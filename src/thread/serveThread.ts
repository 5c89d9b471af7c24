import { parentPort } from 'node:worker_threads';

/** What a served thread holds: it answers calls, and is closed once when the client closes it. */
export interface ThreadService<Request, Result, Ready> {
  ready: Ready;
  /** The result and the buffers of it to transfer (they must be the thread's own to give). */
  handle(request: Request): Promise<{ result: Result; transfer: ArrayBuffer[] }>;
  close(): Promise<void>;
}

/**
 * The worker-thread side of ThreadClient: opens the service, says it is ready (or why it failed), then answers
 * each { id, request } with { id, result } or { id, error }, until { close: true }.
 */
export async function serveThread<Request, Result, Ready>(open: () => Promise<ThreadService<Request, Result, Ready>>): Promise<void> {
  const port = parentPort!;
  let service: ThreadService<Request, Result, Ready>;
  try {
    service = await open();
  } catch (err) {
    port.postMessage({ failed: (err as Error).message });
    return;
  }
  port.on('message', async (message: { id: number; request: Request } | { close: true }) => {
    if ('close' in message) {
      await service.close();
      port.close();
      return;
    }
    try {
      const { result, transfer } = await service.handle(message.request);
      port.postMessage({ id: message.id, result }, transfer);
    } catch (err) {
      port.postMessage({ id: message.id, error: (err as Error).message });
    }
  });
  port.postMessage({ ready: service.ready });
}
