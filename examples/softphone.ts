/**
 * Softphone sentiment overlay: serves a web page that captures the microphone, sends it to the emotion server over
 * WebRTC, and shows the live emotion, its confidence and the attention-based speech activity as the person speaks.
 * Run: npm run example:softphone, then open http://127.0.0.1:8080/ (Chrome or Firefox) and press "Start call".
 */
import { EmotionPlugin, EmotionServer } from '../src/index.js';
import { servePage } from './softphone/staticPages.js';

const plugin = await EmotionPlugin.create({ stream: { interimMs: 1000 } });
const server = await EmotionServer.listen({ plugin, port: Number(process.env.PORT ?? 8080), onRequest: servePage });
console.log(`softphone page on http://127.0.0.1:${server.address.port}/ (Ctrl-C to stop)`);
await new Promise((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
await server.close();
await plugin.close();
