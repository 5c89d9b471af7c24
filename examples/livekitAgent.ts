/**
 * Voice-bot framework: a LiveKit Agents for Node agent that listens to every caller in a room, publishes their live
 * emotion events on the room's data channel (topic `emotion`), shows each caller's latest emotion as an attribute of
 * the agent, and publishes an `escalate` message (topic `escalation`) when a caller is angry in 2 of their last 3
 * utterances.
 *
 * Run against a LiveKit server (LiveKit Cloud or `livekit-server --dev`):
 *   LIVEKIT_URL=wss://... LIVEKIT_API_KEY=... LIVEKIT_API_SECRET=... npm run example:livekit -- dev
 * The agent joins each new room. `dev` takes every job; `start`, for production, stops taking jobs while the
 * machine's CPU load is above 70% (LiveKit Agents' default load threshold), so that the rooms it has keep up.
 */
import { fileURLToPath } from 'node:url';
import { AutoSubscribe, ServerOptions, cli, defineAgent, type JobContext, type JobProcess } from '@livekit/agents';
import { RoomEvent, TrackKind, type RemoteParticipant, type RemoteTrack } from '@livekit/rtc-node';
import { EmotionPlugin } from '../src/index.js';
import { LiveKitEmotionAdapter } from '../src/plugin/livekitAdapter.js';
import { EmotionReactions } from './livekitAgent/emotionReactions.js';

export default defineAgent({
  // One model per worker process, loaded before jobs arrive and shared by every room the process serves.
  prewarm: async (proc: JobProcess) => {
    proc.userData.plugin = await EmotionPlugin.create();
  },
  entry: async (ctx: JobContext) => {
    const plugin = ctx.proc.userData.plugin as EmotionPlugin;
    await ctx.connect(undefined, AutoSubscribe.AUDIO_ONLY);
    const agent = ctx.room.localParticipant!;
    const reactions = new EmotionReactions(agent);
    const adapter = new LiveKitEmotionAdapter(plugin, { publisher: agent, onEvent: (event) => void reactions.onEvent(event) });

    ctx.room.on(RoomEvent.TrackSubscribed, (track: RemoteTrack, _publication, participant: RemoteParticipant) => {
      if (track.kind !== TrackKind.KIND_AUDIO) return;
      adapter.attachTrack(track, participant.identity).catch((err) => console.error(`${participant.identity}: ${(err as Error).message}`));
    });
    ctx.room.on(RoomEvent.ParticipantDisconnected, (participant: RemoteParticipant) => {
      reactions.participantLeft(participant.identity);
      void adapter.closeParticipant(participant.identity);
    });
    ctx.addShutdownCallback(() => adapter.close());
  },
});

if (process.argv[1] === fileURLToPath(import.meta.url)) cli.runApp(new ServerOptions({ agent: fileURLToPath(import.meta.url) }));
