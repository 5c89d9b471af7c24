import WebSocket from 'ws';

/**
 * Plays a mu-law 8 kHz recording to a Twilio Media Streams endpoint exactly as Twilio does during a call: `connected`,
 * `start` with the stream's SID and media format, one `media` message of 20 ms (160 bytes, base64) at a time in real
 * time (or as fast as possible), then `stop`.
 */
export async function playLikeTwilio(url: string, mulaw: Uint8Array, streamSid: string, realtime = true): Promise<void> {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const closed = new Promise((resolve) => ws.once('close', resolve));
  const send = (message: object) => ws.send(JSON.stringify(message));
  send({ event: 'connected', protocol: 'Call', version: '1.0.0' });
  send({
    event: 'start',
    sequenceNumber: '1',
    streamSid,
    start: { streamSid, accountSid: 'AC-example', callSid: `CA-${streamSid}`, tracks: ['inbound'], mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } },
  });
  const started = performance.now();
  for (let i = 0, chunk = 1; i < mulaw.length; i += 160, chunk++) {
    const payload = Buffer.from(mulaw.subarray(i, i + 160)).toString('base64');
    send({ event: 'media', sequenceNumber: String(chunk + 1), streamSid, media: { track: 'inbound', chunk: String(chunk), timestamp: String((chunk - 1) * 20), payload } });
    if (realtime) await new Promise((r) => setTimeout(r, Math.max(0, started + chunk * 20 - performance.now())));
  }
  send({ event: 'stop', streamSid, stop: { accountSid: 'AC-example', callSid: `CA-${streamSid}` } });
  await closed;
}
