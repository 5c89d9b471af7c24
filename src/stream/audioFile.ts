import { createRequire } from 'node:module';
import alawmulaw from 'alawmulaw';
import wavefile from 'wavefile';
import { checkChannels, checkSampleRate, enforceFinite, mixDown } from './audioFormat.js';
import { AudioInputError } from './errors.js';

export interface DecodedAudio {
  format: 'wav' | 'flac';
  /** The file's own rate, in Hz (not resampled). */
  sampleRate: number;
  /** Channels in the file; `samples` is their average. */
  channels: number;
  /** Mono mixdown, nominally [-1, 1]. Float WAV data is passed through unscaled. */
  samples: Float32Array;
  /** Bits per sample as stored (8 for mu-law and A-law). */
  bitDepth: number;
}

const WAV_CODECS = '8/16/24/32-bit integer PCM, 32/64-bit float, mu-law, A-law';
const SUPPORTED = `WAV (RIFF/WAVE: ${WAV_CODECS}) and FLAC`;

/**
 * Decodes a whole WAV or FLAC file, recognised by its magic bytes, to mono float32. Every failure is an
 * AudioInputError whose message starts with `name`. Damaged files are rejected, never returned shortened.
 */
export async function decodeAudioFile(bytes: Uint8Array, name = 'input'): Promise<DecodedAudio> {
  try {
    if (!(bytes instanceof Uint8Array)) {
      throw new AudioInputError('INVALID_ARGUMENT', 'file contents must be a Uint8Array (or Buffer)');
    }
    if (bytes.length === 0) throw new AudioInputError('EMPTY_INPUT', 'the file is empty (0 bytes)');
    if (ascii(bytes, 0, 4) === 'RIFF' && (bytes.length < 12 || ascii(bytes, 8, 4) === 'WAVE')) return decodeWav(bytes);
    if (ascii(bytes, 0, 4) === 'fLaC') return await decodeFlac(bytes);
    const head = bytes.subarray(0, 8);
    throw new AudioInputError(
      'UNKNOWN_CONTAINER',
      `unrecognised file format: it starts with bytes ${[...head].map((b) => b.toString(16).padStart(2, '0')).join(' ')} ` +
        `(${JSON.stringify(ascii(head, 0, head.length))}); supported formats are ${SUPPORTED}`,
    );
  } catch (err) {
    if (err instanceof AudioInputError) throw new AudioInputError(err.code, `${name}: ${err.message}`, { cause: err.cause });
    throw err;
  }
}

/** Bytes as text, with non-printable bytes shown as '.'. */
function ascii(bytes: Uint8Array, start: number, length: number): string {
  let s = '';
  for (const b of bytes.subarray(start, start + length)) s += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
  return s;
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// ---------------------------------------------------------------------------------------------------------- WAV

interface WavFmt {
  audioFormat: number;
  numChannels: number;
  sampleRate: number;
  blockAlign: number;
  bitsPerSample: number;
  validBitsPerSample: number;
  subformat: number[];
}

type WavCodec = 'int' | 'float' | 'mulaw' | 'alaw';

/** WAVE format tag -> how its samples are stored, for the bit depths supported. */
function wavCodec(tag: number, bits: number): WavCodec | undefined {
  if (tag === 1 && [8, 16, 24, 32].includes(bits)) return 'int';
  if (tag === 3 && (bits === 32 || bits === 64)) return 'float';
  if (tag === 7 && bits === 8) return 'mulaw';
  if (tag === 6 && bits === 8) return 'alaw';
  return undefined;
}

const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** A data chunk size of 0xFFFFFFFF is written by streaming encoders that cannot seek back: read to the end. */
const UNKNOWN_SIZE = 0xffffffff;

function decodeWav(bytes: Uint8Array): DecodedAudio {
  const wav = new wavefile.WaveFile();
  try {
    wav.fromBuffer(bytes);
  } catch (err) {
    throw new AudioInputError('CORRUPT_WAV', `not a readable WAV file: ${reason(err)}`, { cause: err });
  }
  const fmt = wav.fmt as WavFmt;
  const data = wav.data as { chunkSize: number; samples: Uint8Array };

  const extensible = fmt.audioFormat === WAVE_FORMAT_EXTENSIBLE;
  const tag = extensible ? (fmt.subformat[0] ?? 0) : fmt.audioFormat;
  const codec = wavCodec(tag, fmt.bitsPerSample);
  if (!codec) {
    throw new AudioInputError(
      'CORRUPT_WAV',
      `unsupported WAV codec: format tag 0x${tag.toString(16).padStart(4, '0')} with ${fmt.bitsPerSample}-bit samples; ` +
        `supported: ${WAV_CODECS}`,
    );
  }
  const channels = checkChannels(fmt.numChannels);
  const sampleRate = checkSampleRate(fmt.sampleRate);
  const frameBytes = (fmt.bitsPerSample / 8) * channels;
  if (fmt.blockAlign !== frameBytes) {
    throw new AudioInputError(
      'CORRUPT_WAV',
      `block align ${fmt.blockAlign} does not match ${channels} channel(s) of ${fmt.bitsPerSample}-bit samples (${frameBytes} bytes)`,
    );
  }

  const present = data.samples.length;
  const declared = data.chunkSize === UNKNOWN_SIZE ? present - (present % frameBytes) : data.chunkSize;
  if (present < declared) {
    throw new AudioInputError(
      'CORRUPT_WAV',
      `truncated: the data chunk declares ${declared} bytes but only ${present} are present`,
    );
  }
  if (declared % frameBytes !== 0) {
    throw new AudioInputError(
      'CORRUPT_WAV',
      `the data chunk holds ${declared} bytes, not a whole number of ${frameBytes}-byte frames`,
    );
  }
  if (declared === 0) throw new AudioInputError('EMPTY_INPUT', 'the WAV header is valid but the data chunk holds no samples');

  const interleaved = wavSamples(data.samples.subarray(0, declared), codec, fmt.bitsPerSample);
  if (codec === 'float') enforceFinite(interleaved, 0, { nonFinite: 'error' });
  const bitDepth = extensible && fmt.validBitsPerSample > 0 ? fmt.validBitsPerSample : fmt.bitsPerSample;
  return { format: 'wav', sampleRate, channels, samples: mixDown(interleaved, channels), bitDepth };
}

/** Little-endian WAV sample bytes -> interleaved float32 (integers scaled by 1/2^(bits-1); 8-bit is unsigned). */
function wavSamples(bytes: Uint8Array, codec: WavCodec, bits: number): Float32Array {
  if (codec === 'mulaw' || codec === 'alaw') {
    return Float32Array.from(alawmulaw[codec].decode(bytes), (v) => v / 32768);
  }
  const size = bits / 8;
  const out = new Float32Array(bytes.length / size);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const read: (offset: number) => number =
    codec === 'float'
      ? bits === 32
        ? (o) => view.getFloat32(o, true)
        : (o) => view.getFloat64(o, true)
      : bits === 8
        ? (o) => (view.getUint8(o) - 128) / 128
        : bits === 16
          ? (o) => view.getInt16(o, true) / 32768
          : bits === 24
            ? (o) => (view.getUint16(o, true) + view.getInt8(o + 2) * 65536) / 8388608
            : (o) => view.getInt32(o, true) / 2147483648;
  for (let i = 0; i < out.length; i++) out[i] = read(i * size);
  return out;
}

// --------------------------------------------------------------------------------------------------------- FLAC

interface FlacHeader {
  sampleRate: number;
  channels: number;
  bitDepth: number;
  /** 0 when unknown. */
  totalSamples: number;
  /** Offset of the first audio frame. */
  audioStart: number;
}

/**
 * Reads the header that precedes the audio frames: 'fLaC', then metadata blocks (STREAMINFO first), each with a
 * 4-byte header [last-block flag (1 bit), type (7 bits), length (24 bits)].
 */
function readFlacHeader(bytes: Uint8Array): FlacHeader {
  const u24 = (i: number) => bytes[i] * 65536 + bytes[i + 1] * 256 + bytes[i + 2];
  if (bytes.length < 42 || (bytes[4] & 0x7f) !== 0 || u24(5) !== 34) {
    throw new AudioInputError('CORRUPT_FLAC', 'the STREAMINFO block is missing or truncated');
  }
  // STREAMINFO starts at byte 8; from its byte 10 on it packs the sample rate (20 bits), channels - 1 (3 bits),
  // bits per sample - 1 (5 bits) and the total sample count (36 bits, 0 = unknown).
  const s = 8;
  const sampleRate = u24(s + 10) >> 4;
  const channels = ((bytes[s + 12] >> 1) & 0x07) + 1;
  const bitDepth = ((bytes[s + 12] & 0x01) << 4) + (bytes[s + 13] >> 4) + 1;
  const totalSamples =
    (bytes[s + 13] & 0x0f) * 2 ** 32 + bytes[s + 14] * 2 ** 24 + bytes[s + 15] * 65536 + bytes[s + 16] * 256 + bytes[s + 17];
  let pos = 4;
  let last = false;
  while (!last && pos + 4 <= bytes.length) {
    last = (bytes[pos] & 0x80) !== 0;
    pos += 4 + u24(pos + 1);
  }
  if (!last || pos > bytes.length) {
    throw new AudioInputError('CORRUPT_FLAC', `truncated: the metadata blocks run past the end of the file (${bytes.length} bytes)`);
  }
  return { sampleRate, channels, bitDepth, totalSamples, audioStart: pos };
}

type LibFlac = typeof import('libflacjs/dist/libflac.wasm.js');
let libFlac: Promise<LibFlac> | undefined;

/** The reference decoder (libFLAC compiled to WebAssembly), loaded once per process. */
function loadLibFlac(): Promise<LibFlac> {
  libFlac ??= new Promise((resolve) => {
    // Its emscripten loader reads the .wasm file with fetch() whenever a global fetch exists, which fails in Node
    // for a file path, and with fs otherwise. It chooses while the module loads, synchronously.
    const fetch = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
    delete (globalThis as { fetch?: unknown }).fetch;
    let flac: LibFlac;
    try {
      flac = createRequire(import.meta.url)('libflacjs/dist/libflac.wasm.js') as LibFlac;
    } finally {
      if (fetch) Object.defineProperty(globalThis, 'fetch', fetch);
    }
    flac.on('ready', () => resolve(flac)); // called at once if it is ready already
  });
  return libFlac;
}

/** libFLAC's FLAC__StreamDecoderErrorStatus values. */
const FLAC_ERRORS = ['LOST_SYNC', 'BAD_HEADER', 'FRAME_CRC_MISMATCH', 'UNPARSEABLE_STREAM'];

/** Bit depths whose samples libflacjs passes on intact (it garbles 12 and 20 bits; libFLAC 1.3 cannot decode 32). */
const FLAC_BIT_DEPTHS = [8, 16, 24];

async function decodeFlac(bytes: Uint8Array): Promise<DecodedAudio> {
  const { sampleRate, channels, bitDepth, totalSamples, audioStart } = readFlacHeader(bytes);
  checkSampleRate(sampleRate);
  checkChannels(channels);
  if (!FLAC_BIT_DEPTHS.includes(bitDepth)) {
    throw new AudioInputError(
      'CORRUPT_FLAC',
      `unsupported FLAC bit depth: ${bitDepth}-bit samples; supported: ${FLAC_BIT_DEPTHS.join(', ')}-bit`,
    );
  }

  const flac = await loadLibFlac();
  const frames: Uint8Array[][] = [];
  const errors: string[] = [];
  let decoded = 0;
  let read = 0;
  let md5Matches = false;
  const decoder = flac.create_libflac_decoder(true); // true: check the MD5 signature of the decoded audio
  if (decoder === 0) throw new Error('libFLAC could not allocate a decoder');
  try {
    const status = flac.init_decoder_stream(
      decoder,
      (max) => {
        const chunk = bytes.subarray(read, read + max) as Uint8Array<ArrayBuffer>; // copied at once: any buffer does
        read += chunk.length;
        return { buffer: chunk, readDataLength: chunk.length };
      },
      (channelData, frame) => {
        // A frame header may contradict STREAMINFO: stop rather than misread the samples.
        if (frame.channels !== channels || frame.bitsPerSample !== bitDepth) {
          errors.push(`the frame at sample ${decoded} holds ${frame.channels} channel(s) of ${frame.bitsPerSample}-bit samples`);
          return false;
        }
        frames.push(channelData);
        decoded += frame.blocksize;
      },
      (code) => {
        errors.push(`libFLAC error ${FLAC_ERRORS[code] ?? code}`);
      },
    );
    if (status !== 0) throw new Error(`libFLAC could not start decoding (init status ${status})`);
    flac.FLAC__stream_decoder_process_until_end_of_stream(decoder);
    md5Matches = Boolean(flac.FLAC__stream_decoder_finish(decoder)); // also true when STREAMINFO has no MD5
  } finally {
    flac.FLAC__stream_decoder_delete(decoder);
  }

  // libFLAC reports damaged frames (and replaces them with silence) but passes over a truncated last frame:
  // compare the decoded length against STREAMINFO's as well.
  const reported = errors.length > 0 ? `${errors.length} decoding error(s), first: ${errors[0]}` : '';
  const also = reported && `; ${reported}`;
  if (decoded === 0) {
    if (totalSamples === 0 && audioStart >= bytes.length) {
      throw new AudioInputError('EMPTY_INPUT', 'the FLAC header is valid but the stream holds no samples');
    }
    throw new AudioInputError(
      'CORRUPT_FLAC',
      `damaged or truncated: no audio frame could be decoded from its ${bytes.length - audioStart} bytes of audio data` +
        (totalSamples > 0 ? ` (STREAMINFO declares ${totalSamples} samples)` : '') +
        also,
    );
  }
  if (totalSamples > 0 && decoded !== totalSamples) {
    throw new AudioInputError(
      'CORRUPT_FLAC',
      `${decoded < totalSamples ? 'truncated or damaged' : 'damaged'}: decoded ${decoded} samples per channel ` +
        `but STREAMINFO declares ${totalSamples}${also}`,
    );
  }
  if (reported) throw new AudioInputError('CORRUPT_FLAC', `damaged: ${reported}`);
  if (!md5Matches) {
    throw new AudioInputError('CORRUPT_FLAC', 'damaged: the decoded audio does not match the MD5 signature in STREAMINFO');
  }

  // libflacjs hands over each channel of a frame as little-endian integers: 32-bit ones for 24-bit audio, 16-bit
  // ones for 8- and 16-bit audio. Scale them by 1/2^(bits-1), as for WAV and raw PCM, so that the same audio decodes
  // to the same samples.
  const size = bitDepth === 24 ? 4 : 2;
  const full = 2 ** (bitDepth - 1);
  const interleaved = new Float32Array(decoded * channels);
  let offset = 0;
  for (const channelData of frames) {
    const length = channelData[0].length / size;
    channelData.forEach((data, c) => {
      const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
      for (let i = 0, j = offset + c; i < length; i++, j += channels) {
        interleaved[j] = (size === 4 ? view.getInt32(4 * i, true) : view.getInt16(2 * i, true)) / full;
      }
    });
    offset += length * channels;
  }
  return { format: 'flac', sampleRate, channels, samples: mixDown(interleaved, channels), bitDepth };
}
