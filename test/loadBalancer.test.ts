import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import WebSocket from 'ws';
import { threeUtterancesMulaw } from './helpers/fixtures.js';
import { child, untilAnswers, type Child } from './helpers/child.js';
import { freeTcpPort } from './helpers/ports.js';

// docs/scaling.md's deployment, run: two `ser serve` processes behind Debian's nginx proxying WebSockets, calls
// spread over both, and one backend killed in the middle of its calls.
const NGINX = '/usr/sbin/nginx';
const skip = existsSync(NGINX) ? false : `${NGINX} is missing (.ci/run installs Debian's nginx)`;

/** `ser serve` as docs/scaling.md runs it behind a balancer, here with room for two calls. */
async function serve(): Promise<Child & { port: number }> {
  const port = await freeTcpPort();
  const server = child(process.execPath, ['dist/src/cli/ser.js', 'serve', '--port', String(port), '--max-streams', '2', '--log-level', 'warn']);
  await untilAnswers(server, `http://127.0.0.1:${port}/readyz`, 'ser serve', 60_000);
  return { ...server, port };
}

/** nginx in the foreground with its own prefix: round robin over the backends, WebSocket upgrades passed through. */
async function nginx(backends: number[]): Promise<Child & { port: number }> {
  const port = await freeTcpPort();
  const dir = mkdtempSync(join(tmpdir(), 'ser-nginx-'));
  mkdirSync(join(dir, 'logs'));
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  upstream ser { ${backends.map((b) => `server 127.0.0.1:${b};`).join(' ')} }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://ser;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_read_timeout 1h;
      add_header X-Upstream $upstream_addr always;
    }
  }
}
`,
  );
  const proxy = child(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;']);
  await untilAnswers(proxy, `http://127.0.0.1:${port}/healthz`, 'nginx', 20_000, 100);
  return { ...proxy, port, stop: async () => (await proxy.stop(), rmSync(dir, { recursive: true, force: true })) };
}

interface Call {
  upstream: string;
  messages: { type: string; final?: boolean; code?: string }[];
  closed: Promise<number>;
  ws: WebSocket;
}

async function call(port: number, id: string): Promise<Call> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/stream`);
  const messages: Call['messages'] = [];
  const upstream = await new Promise<string>((resolve, reject) => {
    ws.once('upgrade', (response) => resolve(String(response.headers['x-upstream'])));
    ws.once('error', reject);
  });
  ws.on('message', (data) => messages.push(JSON.parse(String(data))));
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  ws.on('error', () => {}); // an abnormal close is reported by its code
  await new Promise((resolve) => (ws.readyState === WebSocket.OPEN ? resolve(null) : ws.once('open', resolve)));
  ws.send(JSON.stringify({ type: 'start', sampleRate: 8000, encoding: 'mulaw', channels: 1, streamId: id }));
  return { upstream, messages, closed, ws };
}

t.test('two ser serve backends behind nginx: full ones refuse with 1013, one killed mid-call ends its own calls, the others finish', { skip, timeout: 180_000 }, async (t) => {
  const backends = [await serve(), await serve()];
  const proxy = await nginx(backends.map((b) => b.port));
  t.teardown(async () => {
    await proxy.stop();
    for (const b of backends) await b.stop();
  });

  const calls = await Promise.all([0, 1, 2, 3].map((i) => call(proxy.port, `call-${i}`)));
  const by = (port: number) => calls.filter((c) => c.upstream === `127.0.0.1:${port}`);
  t.same(backends.map((b) => by(b.port).length), [2, 2], 'nginx spreads the four calls over both backends');
  const extra = await call(proxy.port, 'call-5');
  t.equal(await Promise.race([extra.closed, sleep(5000).then(() => 'still open')]), 1013, 'a fifth call finds its backend full (--max-streams 2) and is told to try again later');

  // 20 ms frames in real time, all calls at once; the first backend is killed 3 s into the calls.
  const audio = threeUtterancesMulaw();
  const [victim, survivor] = backends;
  for (let i = 0, at = 0; i < audio.length; i += 160, at += 20) {
    if (at === 3000) victim.process.kill('SIGKILL');
    for (const c of calls) if (c.ws.readyState === WebSocket.OPEN) c.ws.send(audio.subarray(i, i + 160));
    await sleep(20);
  }
  for (const c of calls) if (c.ws.readyState === WebSocket.OPEN) c.ws.send(JSON.stringify({ type: 'stop' }));
  const codes = await Promise.all(calls.map((c) => c.closed));

  for (const c of by(victim.port)) {
    const code = codes[calls.indexOf(c)];
    t.not(code, 1000, `a call on the killed backend ends without a normal close (code ${code})`);
    t.notOk(c.messages.some((m) => m.type === 'stopped'), 'and is never reported as stopped normally');
  }
  for (const c of by(survivor.port)) {
    t.equal(codes[calls.indexOf(c)], 1000, 'a call on the other backend closes normally');
    t.equal(c.messages.filter((m) => m.type === 'emotion' && m.final).length, 3, 'with a final emotion for each of its three utterances');
    t.notOk(c.messages.some((m) => m.type === 'error'), 'and no error');
  }
  const after = await call(proxy.port, 'after');
  // nginx may try the dead backend first; the connection refused, it passes the upgrade to the next one.
  t.match(after.upstream, new RegExp(`127\\.0\\.0\\.1:${survivor.port}$`), `a new call goes to the backend that is up (tried ${after.upstream})`);
  after.ws.close();
});
