import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { decodeAudioFile, type DecodedAudio } from '../src/stream/audioFile.js';
import { prng } from './helpers/signals.js';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));
const decodeFixture = (name: string) => decodeAudioFile(fixture(name), name);


interface WavSpec {
  tag?: number; // format tag: 1 PCM, 3 float, 6 A-law, 7 mu-law, 0xFFFE extensible
  subformat?: number; // with tag 0xFFFE
  channels?: number;
  rate?: number;
  bits: number;
  data: Uint8Array;
  dataSize?: number; // declared size, when it should differ from data.length
  omitFmt?: boolean;
}

/** Builds a WAV file by hand, independently of the library under test. */
function makeWav(spec: WavSpec): Uint8Array {
  const { tag = 1, channels = 1, rate = 16000, bits, data } = spec;
  const extensible = tag === 0xfffe;
  const fmtSize = extensible ? 40 : 16;
  const fmtChunk = spec.omitFmt ? 0 : 8 + fmtSize;
  const pad = data.length % 2;
  const bytes = new Uint8Array(12 + fmtChunk + 8 + data.length + pad);
  const view = new DataView(bytes.buffer);
  const text = (at: number, s: string) => [...s].forEach((c, i) => (bytes[at + i] = c.charCodeAt(0)));
  text(0, 'RIFF');
  view.setUint32(4, bytes.length - 8, true);
  text(8, 'WAVE');
  let at = 12;
  if (!spec.omitFmt) {
    text(at, 'fmt ');
    view.setUint32(at + 4, fmtSize, true);
    view.setUint16(at + 8, tag, true);
    view.setUint16(at + 10, channels, true);
    view.setUint32(at + 12, rate, true);
    view.setUint32(at + 16, (rate * channels * bits) / 8, true);
    view.setUint16(at + 20, (channels * bits) / 8, true);
    view.setUint16(at + 22, bits, true);
    if (extensible) {
      view.setUint16(at + 24, 22, true); // cbSize
      view.setUint16(at + 26, bits, true); // valid bits
      view.setUint32(at + 28, channels === 1 ? 4 : 3, true); // channel mask
      view.setUint32(at + 32, spec.subformat ?? 1, true); // GUID: format code, then the fixed KSDATAFORMAT tail
      bytes.set([0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71], at + 36);
    }
    at += fmtChunk;
  }
  text(at, 'data');
  view.setUint32(at + 4, spec.dataSize ?? data.length, true);
  bytes.set(data, at + 8);
  return bytes;
}

function typed(kind: 'i8' | 'i16' | 'i24' | 'i32' | 'f32' | 'f64', values: number[]): Uint8Array {
  const size = { i8: 1, i16: 2, i24: 3, i32: 4, f32: 4, f64: 8 }[kind];
  const bytes = new Uint8Array(values.length * size);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => {
    const o = i * size;
    if (kind === 'i8') view.setUint8(o, v);
    else if (kind === 'i16') view.setInt16(o, v, true);
    else if (kind === 'i24') {
      view.setUint16(o, v & 0xffff, true);
      view.setInt8(o + 2, v >> 16);
    } else if (kind === 'i32') view.setInt32(o, v, true);
    else if (kind === 'f32') view.setFloat32(o, v, true);
    else view.setFloat64(o, v, true);
  });
  return bytes;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

t.test('WAV fixtures in every supported codec decode to the same 440 Hz tone', async (t) => {
  // tone-f64.wav holds SoX's sine at full precision: every other encoding must match it within its quantisation.
  const reference = await decodeFixture('tone-f64.wav');
  t.match(reference, { format: 'wav', sampleRate: 16000, channels: 1, bitDepth: 64 });
  t.equal(reference.samples.length, 800, '50 ms at 16 kHz');
  let peak = 0;
  for (const x of reference.samples) peak = Math.max(peak, Math.abs(x));
  t.ok(Math.abs(peak - 0.501) < 0.002, `peak ${peak} is -6 dBFS`);

  const cases: [string, number, number][] = [
    // file, bit depth, tolerance (half a quantisation step, plus float32 rounding)
    ['tone-u8.wav', 8, 0.5 / 128],
    ['tone-s16.wav', 16, 0.5 / 32768 + 1e-7],
    ['tone-s24.wav', 24, 0.5 / 8388608 + 1e-7],
    ['tone-s32.wav', 32, 1e-7],
    ['tone-f32.wav', 32, 1e-7],
    ['tone-mulaw.wav', 8, 0.501 / 32 + 8 / 32768],
    ['tone-alaw.wav', 8, 0.501 / 32 + 8 / 32768],
  ];
  for (const [name, bitDepth, tolerance] of cases) {
    const decoded = await decodeFixture(name);
    t.match(decoded, { format: 'wav', sampleRate: 16000, channels: 1, bitDepth }, name);
    t.equal(decoded.samples.length, 800, `${name}: length`);
    const diff = maxAbsDiff(decoded.samples, reference.samples);
    t.ok(diff <= tolerance, `${name}: max error ${diff.toExponential(2)} <= ${tolerance.toExponential(2)}`);
  }
});

t.test('FLAC decodes to exactly the samples of the same audio in WAV', async (t) => {
  const wav = await decodeFixture('tone-s16.wav');
  const flac = await decodeFixture('tone-s16.flac');
  t.match(flac, { format: 'flac', sampleRate: 16000, channels: 1, bitDepth: 16 });
  t.same([...flac.samples], [...wav.samples]);
});

t.test('stereo files are mixed down to mono', async (t) => {
  const mono = await decodeFixture('tone-s16.wav');
  const stereo = await decodeFixture('stereo-s16.wav');
  t.match(stereo, { format: 'wav', sampleRate: 16000, channels: 2, bitDepth: 16 });
  t.same([...stereo.samples], [...mono.samples].map((x) => x / 2), 'tone left, silence right: half the tone');

  const flac = await decodeFixture('stereo-44k-s24.flac');
  t.match(flac, { format: 'flac', sampleRate: 44100, channels: 2, bitDepth: 24 });
  t.equal(flac.samples.length, 2205);
  // Mean of two uncorrelated sines of amplitude a has RMS a/2.
  const rms = Math.sqrt(flac.samples.reduce((s, x) => s + x * x, 0) / flac.samples.length);
  t.ok(Math.abs(rms - 0.501 / 2) < 0.01, `rms ${rms}`);
});

t.test('FLAC: chirp with several frames, decoded concurrently', async (t) => {
  const results = await Promise.all([1, 2, 3].map(() => decodeFixture('chirp-16k.flac')));
  for (const r of results) t.match(r, { format: 'flac', sampleRate: 16000, channels: 1, bitDepth: 16, samples: { length: 8000 } });
  t.same([...results[1].samples], [...results[0].samples]);
});

t.test('FLAC: a tiny last frame of digital silence is decoded, not dropped', async (t) => {
  // A 1024-sample frame of tone, then a 12-byte frame holding 100 zeros (see make-fixtures.sh).
  const decoded = await decodeFixture('silent-last-frame.flac');
  t.match(decoded, { format: 'flac', sampleRate: 16000, channels: 1, bitDepth: 16 });
  t.equal(decoded.samples.length, 1124);
  t.ok(decoded.samples.subarray(1024).every((x) => x === 0), 'the last 100 samples are silence');
  let peak = 0;
  for (const x of decoded.samples.subarray(0, 1024)) peak = Math.max(peak, Math.abs(x));
  t.ok(Math.abs(peak - 0.501) < 0.002, `tone peak ${peak} is -6 dBFS`);
});

t.test('hand-built WAVs: integer scaling, extensible float, unaligned input', async (t) => {
  const check = async (spec: WavSpec, expected: number[], label: string) => {
    const decoded = await decodeAudioFile(makeWav(spec), label);
    t.same([...decoded.samples], expected.map(Math.fround), label);
  };
  await check({ bits: 8, data: typed('i8', [128, 255, 0, 64]) }, [0, 127 / 128, -1, -0.5], 'unsigned 8-bit');
  await check({ bits: 24, data: typed('i24', [0, 0x7fffff, -0x800000, 1, -2]) }, [0, 1 - 2 ** -23, -1, 2 ** -23, -(2 ** -22)], '24-bit');
  await check({ bits: 32, data: typed('i32', [-(2 ** 31), 2 ** 30]) }, [-1, 0.5], '32-bit int');
  await check({ tag: 3, bits: 64, data: typed('f64', [0.1, -0.75]) }, [0.1, -0.75], '64-bit float');
  await check({ tag: 0xfffe, subformat: 3, bits: 32, data: typed('f32', [0.5, -0.25]) }, [0.5, -0.25], 'extensible float');
  await check({ tag: 7, bits: 8, data: Uint8Array.of(0xff, 0x00) }, [0, -32124 / 32768], 'mu-law');
  await check({ tag: 1, channels: 2, bits: 16, data: typed('i16', [16384, 0, -32768, 0]) }, [0.25, -0.5], 'stereo 16-bit');
  // A data size of 0xFFFFFFFF (streaming writer) means "to the end of the file".
  await check({ bits: 16, data: typed('i16', [16384]), dataSize: 0xffffffff }, [0.5], 'unknown data size');

  const wav = fixture('tone-s24.wav');
  const shifted = new Uint8Array(wav.length + 3);
  shifted.set(wav, 3);
  const aligned = await decodeAudioFile(wav);
  const unaligned = await decodeAudioFile(shifted.subarray(3));
  t.same([...unaligned.samples], [...aligned.samples], 'a view at an odd byte offset decodes the same');
});

const rejects = (t: Test, bytes: Uint8Array, name: string, code: string, message: RegExp) =>
  t.rejects(decodeAudioFile(bytes, name), { name: 'AudioInputError', code, message }, `${name}: ${code}`);

t.test('EMPTY_INPUT', async (t) => {
  await rejects(t, new Uint8Array(0), 'nothing.wav', 'EMPTY_INPUT', /^nothing\.wav: .*empty \(0 bytes\)/);
  await rejects(t, makeWav({ bits: 16, data: new Uint8Array(0) }), 'silent.wav', 'EMPTY_INPUT', /^silent\.wav: .*no samples/);
  // A FLAC header whose STREAMINFO declares 0 samples, followed by no frames.
  const header = fixture('chirp-16k.flac').slice(0, 42);
  header[4] |= 0x80; // STREAMINFO is the last metadata block
  header.fill(0, 21, 26); // total samples: 0
  header[21] = fixture('chirp-16k.flac')[21] & 0xf0;
  await rejects(t, header, 'silent.flac', 'EMPTY_INPUT', /^silent\.flac: .*no samples/);
});

t.test('UNKNOWN_CONTAINER', async (t) => {
  const random = prng(7);
  const noise = Uint8Array.from({ length: 1000 }, () => Math.floor(random() * 256));
  const hex = [...noise.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  await rejects(t, noise, 'noise.bin', 'UNKNOWN_CONTAINER', new RegExp(`^noise\\.bin: .*${hex}.*WAV.*FLAC`));
  const mp3 = Uint8Array.from([...'ID3\x04\x00\x00\x00\x00\x00\x00'].map((c) => c.charCodeAt(0)));
  await rejects(t, mp3, 'song.mp3', 'UNKNOWN_CONTAINER', /^song\.mp3: .*49 44 33 04 .*"ID3\.\.\.\.\."/);
  const avi = makeWav({ bits: 16, data: new Uint8Array(4) });
  avi.set([0x41, 0x56, 0x49, 0x20], 8); // RIFF....AVI
  await rejects(t, avi, 'clip.avi', 'UNKNOWN_CONTAINER', /^clip\.avi: /);
});

t.test('CORRUPT_WAV', async (t) => {
  const wav = fixture('tone-s16.wav'); // 44-byte header + 1600 bytes of samples
  await rejects(t, wav.slice(0, 1000), 'cut.wav', 'CORRUPT_WAV', /^cut\.wav: truncated: the data chunk declares 1600 bytes but only 956/);
  await rejects(t, wav.slice(0, wav.length - 1), 'cut.wav', 'CORRUPT_WAV', /truncated/);
  await rejects(t, wav.slice(0, 40), 'cut.wav', 'CORRUPT_WAV', /^cut\.wav: .*data/);
  await rejects(t, wav.slice(0, 8), 'cut.wav', 'CORRUPT_WAV', /^cut\.wav: /);
  await rejects(t, makeWav({ bits: 16, data: new Uint8Array(8), omitFmt: true }), 'nofmt.wav', 'CORRUPT_WAV', /^nofmt\.wav: .*fmt/);
  await rejects(t, fixture('tone-ima-adpcm.wav'), 'adpcm.wav', 'CORRUPT_WAV', /^adpcm\.wav: unsupported WAV codec: format tag 0x0011/);
  await rejects(t, makeWav({ tag: 2, bits: 4, data: new Uint8Array(8) }), 'ms.wav', 'CORRUPT_WAV', /unsupported WAV codec: format tag 0x0002/);
  await rejects(t, makeWav({ bits: 12, data: new Uint8Array(6) }), '12bit.wav', 'CORRUPT_WAV', /12-bit/);
  await rejects(t, makeWav({ bits: 16, data: new Uint8Array(3) }), 'odd.wav', 'CORRUPT_WAV', /3 bytes, not a whole number of 2-byte frames/);
  await rejects(t, makeWav({ bits: 16, channels: 2, data: new Uint8Array(6) }), 'odd.wav', 'CORRUPT_WAV', /4-byte frames/);
});

t.test('sample rate, channels and non-finite samples are validated', async (t) => {
  await rejects(t, makeWav({ bits: 16, rate: 4000, data: new Uint8Array(4) }), 'slow.wav', 'UNSUPPORTED_SAMPLE_RATE', /^slow\.wav: sample rate 4000/);
  await rejects(t, makeWav({ bits: 16, channels: 0, data: new Uint8Array(4) }), 'none.wav', 'UNSUPPORTED_CHANNELS', /^none\.wav: channel count 0/);
  await rejects(t, makeWav({ bits: 8, channels: 9, data: new Uint8Array(9) }), 'many.wav', 'UNSUPPORTED_CHANNELS', /channel count 9/);
  await rejects(t, makeWav({ tag: 3, bits: 32, data: typed('f32', [0, 0.5, NaN]) }), 'nan.wav', 'NON_FINITE_SAMPLE', /^nan\.wav: sample 2 is NaN/);
  await rejects(t, makeWav({ tag: 3, bits: 64, data: typed('f64', [Infinity]) }), 'inf.wav', 'NON_FINITE_SAMPLE', /sample 0 is Infinity/);
});

t.test('CORRUPT_FLAC: truncated or damaged files are rejected, not returned shorter', async (t) => {
  const flac = fixture('chirp-16k.flac'); // 8000 samples in 1024-sample frames
  // libFLAC passes over an incomplete last frame without reporting an error: only the STREAMINFO total reveals the loss.
  for (const cut of [0.3, 0.5, 0.9, 0.999]) {
    const length = Math.floor(flac.length * cut);
    await rejects(t, flac.slice(0, length), 'cut.flac', 'CORRUPT_FLAC', /^cut\.flac: truncated or damaged: decoded \d+ samples per channel but STREAMINFO declares 8000/);
  }
  await rejects(t, flac.slice(0, flac.length - 1), 'cut.flac', 'CORRUPT_FLAC', /STREAMINFO declares 8000/);
  await rejects(t, flac.slice(0, 42), 'cut.flac', 'CORRUPT_FLAC', /^cut\.flac: truncated: the metadata blocks run past the end/);
  const headerOnly = flac.slice(0, 42);
  headerOnly[4] |= 0x80; // STREAMINFO is the last metadata block: a valid header, but no frames
  await rejects(t, headerOnly, 'header.flac', 'CORRUPT_FLAC', /no audio frame could be decoded.*declares 8000/);
  await rejects(t, flac.slice(0, 30), 'cut.flac', 'CORRUPT_FLAC', /^cut\.flac: the STREAMINFO block is missing or truncated/);
  await rejects(t, flac.slice(0, 4), 'cut.flac', 'CORRUPT_FLAC', /STREAMINFO/);

  const damaged = flac.slice();
  for (let i = 3000; i < 3064; i++) damaged[i] ^= 0x5a;
  await rejects(t, damaged, 'damaged.flac', 'CORRUPT_FLAC', /^damaged\.flac: truncated or damaged: decoded \d+ samples.*; \d+ decoding error\(s\), first: libFLAC error LOST_SYNC$/);
  // One flipped bit: libFLAC replaces the frame with silence, so the length is right, but it reports the bad CRC.
  const flipped = flac.slice();
  flipped[5000] ^= 0x01;
  await rejects(t, flipped, 'flipped.flac', 'CORRUPT_FLAC', /^flipped\.flac: damaged: 1 decoding error\(s\), first: libFLAC error FRAME_CRC_MISMATCH$/);
  const md5 = flac.slice();
  md5[26] ^= 0x01; // the MD5 signature of the audio: bytes 18..33 of STREAMINFO
  await rejects(t, md5, 'md5.flac', 'CORRUPT_FLAC', /^md5\.flac: damaged: the decoded audio does not match the MD5 signature/);
  const junk = flac.slice();
  junk.set(Uint8Array.from({ length: junk.length - 200 }, (_, i) => (i * 37) & 0xff), 200);
  await rejects(t, junk, 'junk.flac', 'CORRUPT_FLAC', /^junk\.flac: /);

  // With the total unknown (0 in STREAMINFO) an intact file still decodes in full.
  const unknown = flac.slice();
  unknown[21] &= 0xf0;
  unknown.fill(0, 22, 26);
  const decoded: DecodedAudio = await decodeAudioFile(unknown, 'unknown-length.flac');
  t.equal(decoded.samples.length, 8000);
});

t.test('FLAC: STREAMINFO is validated, and frames must agree with it', async (t) => {
  // STREAMINFO bytes 10..13 (file bytes 18..21): sample rate (20 bits), channels - 1 (3), bits per sample - 1 (5), ...
  const flac = fixture('chirp-16k.flac'); // 16 kHz mono 16-bit
  const edit = (set: (bytes: Uint8Array) => void) => {
    const bytes = flac.slice();
    set(bytes);
    return bytes;
  };
  const slow = edit((b) => b.set([0x00, 0xfa, b[20] & 0x0f], 18)); // 4000 Hz
  await rejects(t, slow, 'slow.flac', 'UNSUPPORTED_SAMPLE_RATE', /^slow\.flac: sample rate 4000/);
  const bits12 = edit((b) => (b[21] = (b[21] & 0x0f) | (11 << 4)));
  await rejects(t, bits12, '12bit.flac', 'CORRUPT_FLAC', /^12bit\.flac: unsupported FLAC bit depth: 12-bit samples; supported: 8, 16, 24-bit$/);
  const stereo = edit((b) => (b[20] |= 1 << 1)); // 2 channels
  await rejects(t, stereo, 'stereo.flac', 'CORRUPT_FLAC', /^stereo\.flac: .*first: the frame at sample 0 holds 1 channel\(s\) of 16-bit samples$/);
});

const dataDir = fileURLToPath(new URL('../../shared/data/', import.meta.url));
const manifestPath = `${dataDir}manifest.csv`;
const noCorpus = existsSync(manifestPath) ? false : `${manifestPath} not found: the shared corpora are not available here`;

t.test('real corpus files from ../shared/data', { skip: noCorpus }, async (t) => {
  const [header, ...rows] = readFileSync(manifestPath, 'utf8').trim().split(/\r?\n/).map((line) => line.split(','));
  const col = (name: string) => header.indexOf(name);
  const picks = ['emodb', 'ravdess'].map((corpus) => rows.find((r) => r[col('corpus')] === corpus)).filter((r) => r !== undefined);
  t.ok(picks.length > 0, 'manifest lists emodb or ravdess files');
  for (const row of picks) {
    const path = row[col('path')];
    const decoded = await decodeAudioFile(new Uint8Array(readFileSync(`${dataDir}${path}`)), path);
    t.match(decoded, { format: 'flac', sampleRate: 16000, channels: 1, bitDepth: 16 }, path);
    const duration = decoded.samples.length / decoded.sampleRate;
    const expected = Number(row[col('duration_s')]);
    t.ok(Math.abs(duration - expected) <= 0.001, `${path}: ${duration.toFixed(4)} s vs manifest ${expected} s`);
    let peak = 0;
    for (const x of decoded.samples) peak = Math.max(peak, Math.abs(x));
    t.ok(peak > 0.01 && peak <= 1, `${path}: peak ${peak.toFixed(3)} is real audio within full scale`);
  }
});

t.test('a corpus file ending in a tiny silent frame decodes in full', { skip: noCorpus }, async (t) => {
  // Its last frame is a 13-byte CONSTANT frame of 1962 samples; STREAMINFO and `flac -t` agree on 26538 samples.
  const path = 'emodb/10a02Na.flac';
  const decoded = await decodeAudioFile(new Uint8Array(readFileSync(`${dataDir}${path}`)), path);
  t.match(decoded, { format: 'flac', sampleRate: 16000, channels: 1, bitDepth: 16 });
  t.equal(decoded.samples.length, 26538);
});
