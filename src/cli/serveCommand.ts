import { parseArgs } from 'node:util';
import { EmotionPlugin } from '../plugin/emotionPlugin.js';
import { EmotionServer } from '../server/emotionServer.js';
import { modelOptionSpec, modelOptionsUsage, openModel } from './modelOptions.js';
import { UsageError } from './usageError.js';

export const serveUsage = `ser serve [--port 8080] [--host 127.0.0.1] [--token secret] [--model file.onnx]

  WebSocket server: ws://host:port/stream speaks the project's protocol (JSON start {sampleRate, encoding, channels},
  binary audio, JSON events back, JSON stop); ws://host:port/twilio takes Twilio Media Streams (events are printed as
  JSON lines). --token requires ?token=... or an Authorization: Bearer header. Ctrl-C finishes the streams in flight.
${modelOptionsUsage}`;

export async function serveCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { ...modelOptionSpec, port: { type: 'string' }, host: { type: 'string' }, token: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(serveUsage);
    return 0;
  }
  const port = Number(values.port ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0 to 65535, not '${values.port}'`);
  const model = await openModel(values);
  const plugin = await EmotionPlugin.create({ model });
  const server = await EmotionServer.listen({ plugin, port, host: values.host, authToken: values.token });
  server.on('event', (e) => console.log(JSON.stringify(e)));
  console.error(`listening on ws://${server.address.address}:${server.address.port}/stream and /twilio`);
  await new Promise<void>((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
  console.error('shutting down: finishing the streams in flight');
  await server.close();
  await plugin.close();
  await model.close();
  return 0;
}
