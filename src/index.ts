export * from './stream/errors.js';
export * from './stream/audioFormat.js';
export * from './stream/pcmDecoder.js';
export * from './stream/audioFile.js';
export * from './stream/resampler.js';
export * from './stream/spectrogram.js';
export * from './stream/spectrogramFrames.js';
export * from './stream/fileFeatures.js';
