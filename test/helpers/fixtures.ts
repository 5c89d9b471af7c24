import { readFileSync } from 'node:fs';

/** The telephone fixture: 12.6 s of 8 kHz G.711 mu-law with three utterances (1.3-4.0, 5.6-7.6, 9.2-10.8 s). */
export const THREE_UTTERANCES = 'test/fixtures/three-utterances-8k-mulaw.wav';

/** The mu-law bytes of the fixture's data chunk, as a telephony stream carries them. */
export function threeUtterancesMulaw(): Buffer {
  const wav = readFileSync(THREE_UTTERANCES);
  const at = wav.indexOf('data');
  return wav.subarray(at + 8, at + 8 + wav.readUInt32LE(at + 4));
}
