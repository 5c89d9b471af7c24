import { readFileSync } from 'node:fs';
import wrtc from '@roamhq/wrtc';
import t from 'tap';
import WebSocket from 'ws';
import { decodeAudioFile } from '../src/stream/audioFile.js';
import { resampleAll } from '../src/stream/resampler.js';
import { testModelPath } from './helpers/testModel.js';
import { testServer } from './helpers/testServer.js';

const model = testModelPath();

t.test('WebRTC: two peer connections on loopback, audio in, events on the socket and the data channel', { skip: model ? false : 'no model' }, async (t) => {
  const server = await testServer(t, model!.path);

  // The caller: the first sentence of the telephone fixture and a pause, as 10 ms frames of 48 kHz audio.
  const audio = await decodeAudioFile(readFileSync('test/fixtures/three-utterances-8k-mulaw.wav'));
  const pcm = await resampleAll(audio.samples.subarray(0, 8000 * 5.5), 8000, 48000);
  const source = new wrtc.nonstandard.RTCAudioSource();
  const pc = new wrtc.RTCPeerConnection();
  pc.addTrack(source.createTrack());
  const channel = pc.createDataChannel('events');
  const onChannel: Record<string, unknown>[] = [];
  channel.onmessage = (e: { data: string }) => onChannel.push(JSON.parse(e.data));
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise<void>((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    pc.onicecandidate = (e: { candidate: unknown }) => e.candidate === null && resolve();
  });

  const ws = new WebSocket(`ws://127.0.0.1:${server.address.port}/webrtc`);
  const onSocket: Record<string, unknown>[] = [];
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  const answered = new Promise<string>((resolve) =>
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString());
      if (m.type === 'answer') resolve(m.sdp);
      else onSocket.push(m);
    }),
  );
  await new Promise((resolve) => ws.once('open', resolve));
  ws.send(JSON.stringify({ type: 'offer', sdp: pc.localDescription!.sdp, streamId: 'softphone-1' }));
  await pc.setRemoteDescription({ type: 'answer', sdp: await answered });
  await new Promise<void>((resolve) => (channel.readyState === 'open' ? resolve() : (channel.onopen = () => resolve())));

  const started = performance.now();
  for (let i = 0, n = 1; i + 480 <= pcm.length; i += 480, n++) {
    source.onData({ samples: Int16Array.from(pcm.subarray(i, i + 480), (v) => Math.round(v * 32767)), sampleRate: 48000, bitsPerSample: 16, channelCount: 1, numberOfFrames: 480 });
    await new Promise((r) => setTimeout(r, Math.max(0, started + n * 10 - performance.now())));
  }
  await new Promise((r) => setTimeout(r, 300));
  ws.send(JSON.stringify({ type: 'stop' }));
  t.equal(await closed, 1000);
  pc.close();

  t.match(onSocket[0], { type: 'started', streamId: 'softphone-1' });
  const finals = onSocket.filter((m) => m.type === 'emotion' && m.final);
  t.equal(finals.length, 1, 'the sentence was scored');
  t.match(finals[0], { streamId: 'softphone-1', label: /angry|happy|sad|neutral/ });
  t.ok(onChannel.some((m) => m.type === 'emotion' && m.final), 'the final event also came on the data channel');
  t.ok(Math.abs((finals[0].startMs as number) - 1500) < 500, `speech found at ${finals[0].startMs} ms (true 1500)`);
});

t.test('WebRTC: a peer that never sends audio opens no stream and is closed at the start deadline', { skip: model ? false : 'no model' }, async (t) => {
  const server = await testServer(t, model!.path, { startTimeoutMs: 2500 });
  const opened: string[] = [];
  server.on('connection', (id) => opened.push(id));
  const source = new wrtc.nonstandard.RTCAudioSource(); // a microphone track that never delivers a frame
  const pc = new wrtc.RTCPeerConnection();
  pc.addTrack(source.createTrack());
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise<void>((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    pc.onicecandidate = (e: { candidate: unknown }) => e.candidate === null && resolve();
  });
  const ws = new WebSocket(`ws://127.0.0.1:${server.address.port}/webrtc`);
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  const answered = new Promise<string>((resolve) => ws.on('message', (data) => JSON.parse(data.toString()).type === 'answer' && resolve(JSON.parse(data.toString()).sdp)));
  await new Promise((resolve) => ws.once('open', resolve));
  ws.send(JSON.stringify({ type: 'offer', sdp: pc.localDescription!.sdp }));
  await pc.setRemoteDescription({ type: 'answer', sdp: await answered });
  t.match(await closed, { code: 1008, reason: 'no start message' });
  pc.close();
  t.same(opened, [], 'no stream was opened on made-up silence');
});

// node-webrtc keeps the process alive after a data channel was used, even once every peer connection is closed
// (node-webrtc/node-webrtc#697 and kin); a server never minds, a test process must end.
t.teardown(() => {
  setTimeout(() => process.exit(), 200).unref();
});
