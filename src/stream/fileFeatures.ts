import { decodeAudioFile, type DecodedAudio } from './audioFile.js';
import { resampleAll } from './resampler.js';
import { logSpectrogram, type Spectrogram } from './spectrogram.js';

export interface FileFeatures {
  audio: DecodedAudio;
  /** The audio resampled to 16 kHz mono: what the spectrogram was computed from. */
  samples: Float32Array;
  spectrogram: Spectrogram;
}

/** The log spectrogram of a WAV or FLAC file's bytes: decode, mix down, resample to 16 kHz, frame. */
export async function fileSpectrogram(bytes: Uint8Array, name?: string): Promise<FileFeatures> {
  const audio = await decodeAudioFile(bytes, name);
  const samples = await resampleAll(audio.samples, audio.sampleRate);
  return { audio, samples, spectrogram: logSpectrogram(samples) };
}
