import { createRequire } from 'node:module';
import { Canvas, GlobalFonts, SvgExportFlag, createCanvas, type SKRSContext2D } from '@napi-rs/canvas';
import { ticks } from 'd3-array';
import type { TimeGeometry } from '../model/activity.js';
import type { EmotionPrediction } from '../model/emotionModel.js';
import { FRAME_MS, SPECTROGRAM, type Spectrogram } from '../stream/spectrogram.js';

/** What the figure shows besides the model's output: the file, and the utterances a VAD found in it (if run). */
export interface FigureInput {
  title: string;
  spectrogram: Spectrogram;
  prediction: EmotionPrediction;
  geometry: TimeGeometry;
  utterances?: readonly Utterance[];
}

/** An utterance the VAD found, with the model's label for it alone when it was scored. */
export interface Utterance {
  startMs: number;
  endMs: number;
  label?: string;
  probability?: number;
}

// DejaVu Sans from its npm package, so the figure's text looks the same on every machine, fonts installed or not.
const FONT = 'FigureSans';
for (const face of ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf']) {
  GlobalFonts.registerFromPath(createRequire(import.meta.url).resolve(`dejavu-fonts-ttf/ttf/${face}`), FONT);
}

// Anchors of a dark-to-bright colour scale (close to matplotlib's 'magma').
const SCALE = [
  [0, 0, 4],
  [81, 18, 124],
  [183, 55, 121],
  [252, 137, 97],
  [252, 253, 191],
];

function colour(v: number): [number, number, number] {
  const x = Math.min(Math.max(v, 0), 1) * (SCALE.length - 1);
  const i = Math.min(Math.floor(x), SCALE.length - 2);
  const w = x - i;
  const [r, g, b] = SCALE[i].map((c, k) => Math.round(c + w * (SCALE[i + 1][k] - c)));
  return [r, g, b];
}

const LEFT = 78;
const RIGHT = 120;
const TOP = 58;
const BOTTOM = 48;
const GAP = 16;
const PANELS = { spectrogram: 200, attention: 120, activity: 80 };
const INK = '#222';
const SPEECH = 'rgba(40, 120, 200, 0.12)';

/** Width of the plotted area: one pixel per 10 ms frame, within readable bounds (heat maps are scaled to it). */
function plotWidth(frames: number): number {
  return Math.min(1800, Math.max(640, frames));
}

export function figureSize(frames: number): { width: number; height: number } {
  return {
    width: LEFT + plotWidth(frames) + RIGHT,
    height: TOP + PANELS.spectrogram + GAP + PANELS.attention + GAP + PANELS.activity + BOTTOM,
  };
}

/**
 * The paper's Fig. 4 for one file, labelled so that it reads without the README: the log spectrogram, the attention
 * map alpha over the encoder's F' x T' grid (each column drawn over the input frames it covers) and the
 * attention-based speech activity per frame, on one time axis in seconds, with frequency axes in Hz, colour scales,
 * the 0.5 activity line, the VAD's utterances shaded, and the prediction in the title.
 */
export function renderFigure(input: FigureInput, format: 'png' | 'svg'): Buffer {
  const { width, height } = figureSize(input.spectrogram.frames);
  if (format === 'png') {
    const canvas = createCanvas(width, height);
    draw(canvas.getContext('2d'), input);
    return canvas.encodeSync('png');
  }
  const canvas = createCanvas(width, height, SvgExportFlag.ConvertTextToPaths);
  draw(canvas.getContext('2d'), input);
  return canvas.getContent();
}

function draw(ctx: SKRSContext2D, input: FigureInput): void {
  const { spectrogram, prediction, geometry } = input;
  const frames = spectrogram.frames;
  const plot = plotWidth(frames);
  const { width, height } = figureSize(frames);
  const seconds = (frames * FRAME_MS) / 1000;
  const xAt = (s: number) => LEFT + (s / seconds) * plot;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);

  const probabilities = Object.entries(prediction.probabilities).sort((a, b) => b[1] - a[1]);
  const whole = input.utterances && input.utterances.length > 1 ? ' (the whole file as one utterance)' : '';
  text(ctx, `${input.title}: ${prediction.label.toUpperCase()}${whole}`, LEFT, 22, { size: 15, bold: true });
  text(ctx, probabilities.map(([k, v]) => `${k} ${v.toFixed(2)}`).join('   '), LEFT, 42, { size: 12 });

  // Spectrogram, scaled between its 2nd percentile and its maximum so a few silent cells do not wash it out.
  const sorted = Float32Array.from(spectrogram.data).sort();
  const low = sorted[Math.floor(sorted.length * 0.02)];
  const high = sorted[sorted.length - 1];
  const bins = spectrogram.bins;
  let top = TOP;
  const spectrogramImage = heatMap(frames, bins, (t, row) => (spectrogram.data[t * bins + (bins - 1 - row)] - low) / (high - low || 1));
  image(ctx, spectrogramImage, LEFT, top, plot, PANELS.spectrogram);
  const maxHz = (bins * SPECTROGRAM.sampleRate) / SPECTROGRAM.dftSize; // bin k is k * 20 Hz
  frequencyAxis(ctx, top, PANELS.spectrogram, maxHz, 'frequency (Hz)');
  colourBar(ctx, width, top, PANELS.spectrogram, low, high, 'log power');

  // Attention: row f of the grid (low frequencies at the bottom), each frame showing the column centred nearest it.
  top += PANELS.spectrogram + GAP;
  const { freq, time, data: alpha } = prediction.attention;
  const peak = alpha.reduce((a, b) => Math.max(a, b), 0) || 1;
  const attentionImage = heatMap(frames, freq, (t, row) => {
    const column = Math.min(time - 1, Math.max(0, Math.round((t - geometry.offset) / geometry.stride)));
    return alpha[(freq - 1 - row) * time + column] / peak;
  });
  image(ctx, attentionImage, LEFT, top, plot, PANELS.attention);
  frequencyAxis(ctx, top, PANELS.attention, maxHz, `${freq} x ${time} grid (Hz)`);
  colourBar(ctx, width, top, PANELS.attention, 0, peak, 'attention α');

  // Activity: utterances shaded, the curve, and the 0.5 line that counts a frame as speech.
  top += PANELS.attention + GAP;
  const h = PANELS.activity;
  ctx.fillStyle = SPEECH;
  for (const u of input.utterances ?? []) ctx.fillRect(xAt(u.startMs / 1000), top, xAt(u.endMs / 1000) - xAt(u.startMs / 1000), h);
  for (const u of input.utterances ?? []) {
    if (u.label) text(ctx, `${u.label} ${u.probability?.toFixed(2) ?? ''}`, xAt(u.startMs / 1000) + 3, top + 12, { size: 11, bold: true });
  }
  ctx.strokeStyle = '#2878c8';
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  prediction.activity.forEach((a, t) => {
    const x = LEFT + ((t + 0.5) / frames) * plot;
    const y = top + h - a * h;
    if (t === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  });
  ctx.stroke();
  ctx.setLineDash([4, 3]);
  ctx.strokeStyle = '#888';
  ctx.lineWidth = 1;
  line(ctx, LEFT, top + h / 2, LEFT + plot, top + h / 2);
  ctx.setLineDash([]);
  frame(ctx, LEFT, top, plot, h);
  for (const v of [0, 0.5, 1]) yTick(ctx, top + h - v * h, v.toFixed(1));
  axisTitle(ctx, 'activity', top + h / 2);
  if (input.utterances?.length) {
    ctx.fillStyle = SPEECH;
    ctx.fillRect(LEFT + plot + 10, top + 4, 14, 10);
    text(ctx, 'utterance', LEFT + plot + 28, top + 13, { size: 11 });
    text(ctx, '(VAD), label', LEFT + plot + 28, top + 27, { size: 11 });
  }

  // Time axis under the last panel, shared by all three.
  const bottom = top + h;
  ctx.strokeStyle = INK;
  for (const s of ticks(0, seconds, Math.max(4, Math.round(plot / 90)))) {
    line(ctx, xAt(s), bottom, xAt(s), bottom + 5);
    text(ctx, String(s), xAt(s), bottom + 18, { size: 11, align: 'center' });
  }
  text(ctx, 'time (s)', LEFT + plot / 2, bottom + 38, { size: 12, align: 'center' });
}

/** A heat map as a raster, one pixel per (frame, row), drawn later scaled to its panel without smoothing. */
function heatMap(columns: number, rows: number, value: (column: number, row: number) => number): Canvas {
  const canvas = createCanvas(columns, rows);
  const ctx = canvas.getContext('2d');
  const pixels = ctx.createImageData(columns, rows);
  for (let row = 0; row < rows; row++) {
    for (let t = 0; t < columns; t++) {
      const [r, g, b] = colour(value(t, row));
      pixels.data.set([r, g, b, 255], (row * columns + t) * 4);
    }
  }
  ctx.putImageData(pixels, 0, 0);
  return canvas;
}

function image(ctx: SKRSContext2D, source: Canvas, x: number, y: number, w: number, h: number): void {
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(source, x, y, w, h);
  frame(ctx, x, y, w, h);
}

function frequencyAxis(ctx: SKRSContext2D, top: number, h: number, maxHz: number, title: string): void {
  for (const hz of ticks(0, maxHz, 4)) yTick(ctx, top + h - (hz / maxHz) * h, String(hz));
  axisTitle(ctx, title, top + h / 2);
}

/** A vertical colour scale right of a panel, from `low` (bottom) to `high` (top), with its values. */
function colourBar(ctx: SKRSContext2D, width: number, top: number, h: number, low: number, high: number, title: string): void {
  const x = width - RIGHT + 14;
  const gradient = ctx.createLinearGradient(0, top + h, 0, top);
  SCALE.forEach(([r, g, b], i) => gradient.addColorStop(i / (SCALE.length - 1), `rgb(${r},${g},${b})`));
  ctx.fillStyle = gradient;
  ctx.fillRect(x, top, 12, h);
  frame(ctx, x, top, 12, h);
  const digits = Math.abs(high - low) < 0.1 ? 3 : 1;
  for (const [v, y] of [
    [high, top + 4],
    [(low + high) / 2, top + h / 2 + 4],
    [low, top + h],
  ]) {
    text(ctx, v.toFixed(digits), x + 18, y, { size: 11 });
  }
  ctx.save();
  ctx.translate(width - 14, top + h / 2);
  ctx.rotate(Math.PI / 2);
  text(ctx, title, 0, 0, { size: 11, align: 'center' });
  ctx.restore();
}

function yTick(ctx: SKRSContext2D, y: number, label: string): void {
  ctx.strokeStyle = INK;
  ctx.lineWidth = 1;
  line(ctx, LEFT - 5, y, LEFT, y);
  text(ctx, label, LEFT - 8, y + 4, { size: 11, align: 'right' });
}

function axisTitle(ctx: SKRSContext2D, title: string, y: number): void {
  ctx.save();
  ctx.translate(16, y);
  ctx.rotate(-Math.PI / 2);
  text(ctx, title, 0, 0, { size: 11, align: 'center' });
  ctx.restore();
}

function frame(ctx: SKRSContext2D, x: number, y: number, w: number, h: number): void {
  ctx.strokeStyle = INK;
  ctx.lineWidth = 1;
  ctx.strokeRect(x + 0.5, y + 0.5, w - 1, h - 1);
}

function line(ctx: SKRSContext2D, x0: number, y0: number, x1: number, y1: number): void {
  ctx.beginPath();
  ctx.moveTo(x0, y0);
  ctx.lineTo(x1, y1);
  ctx.stroke();
}

function text(ctx: SKRSContext2D, value: string, x: number, y: number, style: { size: number; bold?: boolean; align?: 'left' | 'right' | 'center' }): void {
  ctx.fillStyle = INK;
  ctx.font = `${style.bold ? 'bold ' : ''}${style.size}px ${FONT}`;
  ctx.textAlign = style.align ?? 'left';
  ctx.fillText(value, x, y);
}
