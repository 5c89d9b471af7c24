import { EmotionPlugin } from '../../src/plugin/emotionPlugin.js';
import { EmotionServer, type ServerOptions } from '../../src/server/emotionServer.js';

/** A plugin with the test model behind a server on a free loopback port, both closed when the test ends. */
export async function testServer(
  t: { teardown(fn: () => Promise<void>): void },
  modelPath: string,
  options: Omit<ServerOptions, 'plugin'> = {},
): Promise<EmotionServer> {
  const plugin = await EmotionPlugin.create({ model: modelPath, log: () => {} });
  const server = await EmotionServer.listen({ plugin, port: 0, ...options });
  t.teardown(async () => {
    await server.close();
    await plugin.close();
  });
  return server;
}
