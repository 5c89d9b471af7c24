import { existsSync } from 'node:fs';
import { child, untilAnswers, type Child } from './child.js';
import { freeTcpPort, freeUdpPort } from './ports.js';

/** Where scripts/livekit-server.sh builds LiveKit's server (.ci/run runs it). */
export const LIVEKIT_SERVER = 'cache/livekit-server/v1.13.5/livekit-server';
/** `--dev` mode's fixed key and secret. */
export const DEV_KEY = { key: 'devkey', secret: 'secret' };

export function missingLiveKit(): false | string {
  return existsSync(LIVEKIT_SERVER) ? false : `${LIVEKIT_SERVER} is missing: scripts/livekit-server.sh builds it (.ci/run does)`;
}

/** `livekit-server --dev` on loopback, on free ports; resolves once its HTTP port answers. */
export async function livekitServer(): Promise<Child & { url: string }> {
  const [http, tcp, udp] = [await freeTcpPort(), await freeTcpPort(), await freeUdpPort()];
  // The server offers a job only to a worker whose reported CPU load is below agents.target_load (default 0.7). A
  // test machine's load says nothing about the agent, so the test server offers jobs at any load.
  const config = `port: ${http}\nrtc:\n  tcp_port: ${tcp}\n  udp_port: ${udp}\n  use_external_ip: false\nagents:\n  target_load: 1.5\n`;
  const server = child(LIVEKIT_SERVER, ['--dev', '--bind', '127.0.0.1', '--node-ip', '127.0.0.1', '--config-body', config]);
  await untilAnswers(server, `http://127.0.0.1:${http}/`, 'livekit-server', 30_000);
  return { ...server, url: `ws://127.0.0.1:${http}` };
}
