import alawmulaw from 'alawmulaw';
import { firstValueFrom, from, lastValueFrom, Subject, toArray } from 'rxjs';
import t from 'tap';
import { AudioInputError } from '../src/stream/errors.js';
import { decodePcm, PCM_ENCODINGS, PcmDecoder, type PcmEncoding } from '../src/stream/pcmDecoder.js';
import { concatFloat32 } from '../src/stream/concatFloat32.js';
import { bytesEqual, prng } from './helpers/signals.js';


function s16le(...values: number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 2);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setInt16(i * 2, v, true));
  return bytes;
}

function f32le(...values: number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return bytes;
}

function decodeAll(options: ConstructorParameters<typeof PcmDecoder>[0], chunks: Uint8Array[]): Float32Array {
  const decoder = new PcmDecoder(options);
  const parts = chunks.map((c) => decoder.push(c));
  decoder.end();
  return concatFloat32(parts);
}



t.test('pcm_s16le: known values, scaled by 1/32768', async (t) => {
  const out = decodeAll({ encoding: 'pcm_s16le', channels: 1 }, [s16le(0, 32767, -32768, 16384, -1)]);
  t.same([...out], [0, 32767 / 32768, -1, 0.5, -1 / 32768]);
  // Raw bytes, to pin the byte order: 0x0100 little-endian is 1, not 256.
  t.same([...decodeAll({ encoding: 'pcm_s16le', channels: 1 }, [Uint8Array.of(0x01, 0x00, 0x00, 0x01)])], [1 / 32768, 256 / 32768]);
});

t.test('pcm_f32le: little-endian floats pass through exactly', async (t) => {
  t.same([...decodeAll({ encoding: 'pcm_f32le', channels: 1 }, [Uint8Array.of(0x00, 0x00, 0x80, 0x3f)])], [1]);
  const values = [0, 0.25, -1, 0.999, -0.123456789, 1e-30];
  t.same([...decodeAll({ encoding: 'pcm_f32le', channels: 1 }, [f32le(...values)])], [...Float32Array.from(values)]);
});

t.test('mu-law and A-law: ITU G.711 reference codes', async (t) => {
  const mu = decodeAll({ encoding: 'mulaw', channels: 1 }, [Uint8Array.of(0xff, 0x7f, 0x00, 0x80)]);
  t.same([...mu], [0, 0, -32124 / 32768, 32124 / 32768]);
  t.ok(Math.abs(mu[2] - -0.98) < 0.001, 'mu-law 0x00 is about -0.98');
  const a = decodeAll({ encoding: 'alaw', channels: 1 }, [Uint8Array.of(0xd5, 0x55, 0xaa, 0x2a)]);
  t.same([...a], [8 / 32768, -8 / 32768, 32256 / 32768, -32256 / 32768]);
});

t.test('mu-law and A-law: a sine survives an encode/decode round trip within G.711 quantisation error', async (t) => {
  const n = 1600;
  const sine = Int16Array.from({ length: n }, (_, i) => Math.round(20000 * Math.sin((2 * Math.PI * 440 * i) / 16000)));
  for (const encoding of ['mulaw', 'alaw'] as const) {
    const decoded = decodeAll({ encoding, channels: 1 }, [alawmulaw[encoding].encode(sine)]);
    t.equal(decoded.length, n);
    let worst = 0;
    let signal = 0;
    let noise = 0;
    for (let i = 0; i < n; i++) {
      const x = sine[i] / 32768;
      const err = Math.abs(decoded[i] - x);
      // 16 steps per doubling of amplitude: the error is at most half a step, |x|/32, plus the smallest step.
      worst = Math.max(worst, err - Math.abs(x) / 32);
      signal += x * x;
      noise += err * err;
    }
    t.ok(worst <= 16 / 32768, `${encoding}: every sample within half a quantisation step (excess ${worst})`);
    const snr = 10 * Math.log10(signal / noise);
    t.ok(snr > 30 && snr < 45, `${encoding}: SNR ${snr.toFixed(1)} dB is in the G.711 range`);
  }
});

t.test('interleaved channels are averaged to mono', async (t) => {
  t.same([...decodeAll({ encoding: 'pcm_s16le', channels: 2 }, [s16le(16384, 0, -32768, -32768, 8192, -8192)])], [0.25, -1, 0]);
  t.same([...decodeAll({ encoding: 'pcm_f32le', channels: 3 }, [f32le(0.3, 0.6, 0.9, -1, -1, 1)])], [
    Math.fround((Math.fround(0.3) + Math.fround(0.6) + Math.fround(0.9)) / 3),
    Math.fround(-1 / 3),
  ]);
  // mu-law stereo: 0xFF is 0, 0x80 is +32124.
  t.same([...decodeAll({ encoding: 'mulaw', channels: 2 }, [Uint8Array.of(0xff, 0x80)])], [32124 / 65536]);
});

t.test('any chunking of the same bytes gives bit-identical output', async (t) => {
  const random = prng(42);
  for (const encoding of PCM_ENCODINGS) {
    for (const channels of [1, 2, 3]) {
      const frameBytes = { pcm_s16le: 2, pcm_f32le: 4, mulaw: 1, alaw: 1 }[encoding] * channels;
      const frames = 257;
      let bytes: Uint8Array;
      if (encoding === 'pcm_f32le') {
        bytes = f32le(...Array.from({ length: frames * channels }, () => random() * 2 - 1));
      } else {
        bytes = Uint8Array.from({ length: frames * frameBytes }, () => Math.floor(random() * 256));
      }
      const options = { encoding, channels };
      const whole = decodeAll(options, [bytes]);
      t.equal(whole.length, frames, `${encoding} x${channels}: one sample per frame`);
      for (let trial = 0; trial < 25; trial++) {
        // Cut points anywhere, including empty and single-byte chunks; every chunk is a view at an arbitrary
        // (often odd) byte offset into a larger buffer, as Buffers from a socket are.
        const backing = new Uint8Array(bytes.length + 7);
        const base = 1 + Math.floor(random() * 6);
        backing.set(bytes, base);
        const chunks: Uint8Array[] = [];
        for (let at = 0; at < bytes.length; ) {
          const size = random() < 0.2 ? Math.floor(random() * 2) : Math.floor(random() * 3 * frameBytes + 1);
          const end = Math.min(bytes.length, at + size);
          chunks.push(trial % 2 ? Buffer.from(backing.buffer, base + at, end - at) : backing.subarray(base + at, base + end));
          at = end;
        }
        const parts = new PcmDecoder(options);
        const out = concatFloat32(chunks.map((c) => parts.push(c)));
        parts.end();
        if (!bytesEqual(out, whole)) {
          t.fail(`${encoding} x${channels}: chunking [${chunks.map((c) => c.length).join(',')}] (seeded) changed the output`);
          return;
        }
      }
      t.pass(`${encoding} x${channels}: 25 random chunkings match`);
    }
  }
});

t.test('a frame split across pushes is carried over', async (t) => {
  const decoder = new PcmDecoder({ encoding: 'pcm_f32le', channels: 2 });
  const bytes = f32le(0.5, 0.25, -0.5, -0.25);
  t.equal(decoder.push(bytes.subarray(0, 3)).length, 0, '3 bytes of a float: nothing yet');
  t.equal(decoder.push(bytes.subarray(3, 5)).length, 0, 'half a stereo frame: nothing yet');
  t.same([...decoder.push(bytes.subarray(5, 13))], [0.375], 'the first frame completes');
  t.same([...decoder.push(bytes.subarray(13))], [-0.375]);
  t.doesNotThrow(() => decoder.end());
});

t.test('errors', async (t) => {
  t.throws(() => new PcmDecoder({ encoding: 'pcm_s24le' as PcmEncoding, channels: 1 }), {
    name: 'AudioInputError',
    code: 'UNSUPPORTED_ENCODING',
    message: /"pcm_s24le".*pcm_s16le, pcm_f32le, mulaw, alaw/,
  });
  t.throws(() => new PcmDecoder({ encoding: undefined as unknown as PcmEncoding, channels: 1 }), { code: 'UNSUPPORTED_ENCODING' });
  for (const channels of [0, 9, 1.5, Number.NaN]) {
    t.throws(() => new PcmDecoder({ encoding: 'pcm_s16le', channels }), { code: 'UNSUPPORTED_CHANNELS' }, `channels ${channels}`);
  }
  t.throws(() => new PcmDecoder({ encoding: 'pcm_f32le', channels: 1, nonFinite: 'drop' as 'zero' }), { code: 'INVALID_ARGUMENT' });
  t.throws(() => new PcmDecoder({ encoding: 'pcm_s16le', channels: 1 }).push('abc' as unknown as Uint8Array), {
    code: 'INVALID_ARGUMENT',
  });

  const odd = new PcmDecoder({ encoding: 'pcm_s16le', channels: 1 });
  t.same([...odd.push(Uint8Array.of(0, 0x40, 0x12))], [0.5]);
  t.throws(() => odd.end(), { code: 'PARTIAL_SAMPLE', message: /1 stray byte\b.*2-byte frames/ });

  const stereo = new PcmDecoder({ encoding: 'pcm_f32le', channels: 2 });
  stereo.push(new Uint8Array(8 + 7));
  t.throws(() => stereo.end(), { code: 'PARTIAL_SAMPLE', message: /7 stray bytes.*2 channels.*8-byte frames/ });

  const nan = new PcmDecoder({ encoding: 'pcm_f32le', channels: 1 });
  nan.push(f32le(0.1, 0.2));
  const err = t.throws(() => nan.push(f32le(0.3, Number.NaN)), { code: 'NON_FINITE_SAMPLE', message: /sample 3 is NaN/ });
  t.ok(err instanceof AudioInputError);
  t.throws(() => new PcmDecoder({ encoding: 'pcm_f32le', channels: 1 }).push(f32le(Number.NEGATIVE_INFINITY)), {
    code: 'NON_FINITE_SAMPLE',
    message: /sample 0 is -Infinity/,
  });
});

t.test("nonFinite 'zero' replaces and reports", async (t) => {
  const counts: number[] = [];
  const decoder = new PcmDecoder({ encoding: 'pcm_f32le', channels: 2, nonFinite: 'zero', onReplaced: (n) => counts.push(n) });
  t.same([...decoder.push(f32le(Number.NaN, 0.5, Number.POSITIVE_INFINITY, Number.NaN, 0.25, 0.25))], [0.25, 0, 0.25]);
  t.same(counts, [3]);
});

t.test('decodePcm operator', async (t) => {
  const bytes = s16le(0, 16384, -16384, 32767, -32768);
  const expected = decodeAll({ encoding: 'pcm_s16le', channels: 1 }, [bytes]);
  const singleBytes = [...bytes].map((b) => Uint8Array.of(b));
  const emitted = await lastValueFrom(from(singleBytes).pipe(decodePcm({ encoding: 'pcm_s16le', channels: 1 }), toArray()));
  t.equal(emitted.length, 5, 'one emission per completed sample; the odd bytes emit nothing');
  t.ok(emitted.every((c) => c.length > 0), 'no empty chunks');
  t.ok(bytesEqual(concatFloat32(emitted), expected));

  const decoded$ = from([bytes.subarray(0, 3), bytes.subarray(3)]).pipe(decodePcm({ encoding: 'pcm_s16le', channels: 1 }));
  const [a, b] = await Promise.all([lastValueFrom(decoded$.pipe(toArray())), lastValueFrom(decoded$.pipe(toArray()))]);
  t.ok(bytesEqual(concatFloat32(a), expected) && bytesEqual(concatFloat32(b), expected), 'each subscription has its own decoder');

  await t.rejects(lastValueFrom(from([Uint8Array.of(1, 2, 3)]).pipe(decodePcm({ encoding: 'pcm_s16le', channels: 1 }))), {
    code: 'PARTIAL_SAMPLE',
  });
  await t.rejects(lastValueFrom(from([f32le(Number.NaN)]).pipe(decodePcm({ encoding: 'pcm_f32le', channels: 1 }))), {
    code: 'NON_FINITE_SAMPLE',
  });

  // Bad options error the stream rather than throwing from pipe() or subscribe().
  let bad!: Promise<unknown>;
  t.doesNotThrow(() => {
    bad = firstValueFrom(from([bytes]).pipe(decodePcm({ encoding: 'opus' as PcmEncoding, channels: 1 })));
  });
  await t.rejects(bad, { code: 'UNSUPPORTED_ENCODING', message: /"opus"/ });

  // After an error, later input is ignored and the source is unsubscribed.
  const input = new Subject<Uint8Array>();
  const seen: Float32Array[] = [];
  let error: unknown;
  input.pipe(decodePcm({ encoding: 'pcm_f32le', channels: 1 })).subscribe({ next: (s) => seen.push(s), error: (e) => (error = e) });
  input.next(f32le(0.5));
  input.next(f32le(Number.NaN));
  input.next(f32le(0.25));
  t.equal(seen.length, 1);
  t.match(error, { code: 'NON_FINITE_SAMPLE' });
  t.notOk(input.observed, 'source unsubscribed');

  // An upstream error passes through unchanged.
  const upstream = new Error('socket closed');
  const failing = new Subject<Uint8Array>();
  const result = lastValueFrom(failing.pipe(decodePcm({ encoding: 'alaw', channels: 1 })));
  failing.error(upstream);
  await t.rejects(result, upstream);
});
