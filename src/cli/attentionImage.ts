import type { TimeGeometry } from '../model/activity.js';
import type { EmotionPrediction } from '../model/emotionModel.js';
import type { Spectrogram } from '../stream/spectrogram.js';

/** An RGBA image, 4 bytes per pixel, row-major from the top. */
export interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

// Anchors of a dark-to-bright colour scale (close to matplotlib's 'magma').
const SCALE = [
  [0, 0, 4],
  [81, 18, 124],
  [183, 55, 121],
  [252, 137, 97],
  [252, 253, 191],
];

function colour(v: number): number[] {
  const x = Math.min(Math.max(v, 0), 1) * (SCALE.length - 1);
  const i = Math.min(Math.floor(x), SCALE.length - 2);
  const w = x - i;
  return SCALE[i].map((c, k) => Math.round(c + w * (SCALE[i + 1][k] - c)));
}

const SPECTROGRAM_ROWS = 200;
const ATTENTION_ROWS = 110;
const ACTIVITY_ROWS = 60;
const GAP = 4;

/**
 * The paper's Fig. 4 as one picture, time running left to right on a shared axis: the log spectrogram (0 Hz at
 * the bottom of the top panel), the attention map alpha over the encoder's F' x T' grid (each cell drawn over the
 * input frames its column is mapped to), and the attention-based speech-activity score per frame.
 */
export function renderAttention(spectrogram: Spectrogram, prediction: EmotionPrediction, geometry: TimeGeometry): Rgba {
  const frames = spectrogram.frames;
  const xScale = Math.max(1, Math.ceil(600 / frames));
  const width = frames * xScale;
  const height = SPECTROGRAM_ROWS + GAP + ATTENTION_ROWS + GAP + ACTIVITY_ROWS;
  const data = new Uint8Array(width * height * 4).fill(255);
  const put = (x: number, y: number, rgb: number[]) => {
    for (let dx = 0; dx < xScale; dx++) data.set([...rgb, 255], ((y * width) + x * xScale + dx) * 4);
  };

  // Spectrogram, scaled between its 2nd percentile and its maximum so a few silent cells do not wash it out.
  const sorted = Float32Array.from(spectrogram.data).sort();
  const low = sorted[Math.floor(sorted.length * 0.02)];
  const high = sorted[sorted.length - 1];
  for (let t = 0; t < frames; t++) {
    for (let k = 0; k < SPECTROGRAM_ROWS; k++) {
      put(t, SPECTROGRAM_ROWS - 1 - k, colour((spectrogram.data[t * SPECTROGRAM_ROWS + k] - low) / (high - low || 1)));
    }
  }

  // Attention: row f of the grid (low frequencies at the bottom), each frame showing the column centred nearest it.
  const { freq, time, data: alpha } = prediction.attention;
  const peak = alpha.reduce((a, b) => Math.max(a, b), 0) || 1;
  const top = SPECTROGRAM_ROWS + GAP;
  for (let t = 0; t < frames; t++) {
    const column = Math.min(time - 1, Math.max(0, Math.round((t - geometry.offset) / geometry.stride)));
    for (let y = 0; y < ATTENTION_ROWS; y++) {
      const f = freq - 1 - Math.floor((y / ATTENTION_ROWS) * freq);
      put(t, top + y, colour(alpha[f * time + column] / peak));
    }
  }

  // Activity: a filled curve, 1 at the top of the strip.
  const bottom = height - 1;
  for (let t = 0; t < frames; t++) {
    const filled = Math.round(prediction.activity[t] * (ACTIVITY_ROWS - 1));
    for (let y = 0; y <= filled; y++) put(t, bottom - y, [40, 120, 200]);
  }
  return { width, height, data };
}
