import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { packageRoot } from '../../src/packageRoot.js';

const PUBLIC = join(packageRoot(), 'examples', 'softphone', 'public');
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

/** Serves the softphone page (index.html, client.js) for the emotion server's plain HTTP requests. */
export async function servePage(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const name = new URL(request.url ?? '/', 'http://localhost').pathname.slice(1) || 'index.html';
  if (!/^[a-z]+\.(html|js)$/.test(name)) return void response.writeHead(404).end();
  let body: Buffer;
  try {
    body = await readFile(join(PUBLIC, name));
  } catch {
    return void response.writeHead(404).end();
  }
  response.writeHead(200, { 'content-type': TYPES[extname(name)] }).end(body);
}
