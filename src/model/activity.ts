/**
 * Speech-activity scores from the attention map. The paper (Sec. 4.3, Fig. 4) shows the attention weights alpha
 * falling to near zero on non-speech frames; summing alpha over frequency gives the network's attention to each
 * time step of its output grid, which is mapped back onto the 10 ms input frames.
 */
export interface AttentionMap {
  /** F', the frequency rows of the encoder's output grid. */
  freq: number;
  /** T', its time columns for this utterance. */
  time: number;
  /** alpha, row-major [F', T'], summing to 1. */
  data: Float32Array;
}

export interface TimeGeometry {
  /** Input frames between neighbouring attention columns. */
  stride: number;
  /** Input frame on which column 0 is centred. */
  offset: number;
}

/**
 * One score per input frame, in [0, 1]: the attention mass of the time column at that frame (linearly interpolated
 * between column centres, held constant beyond the first and last) relative to the share every column would get under
 * uniform pooling (the paper's lambda = 0), capped at 1. So 1 marks a frame the network attends to at least as much as
 * an average frame, and values near 0 the frames it ignores (silence, in the paper's Fig. 4). Scaling by the uniform
 * share rather than by the peak keeps the score comparable between utterances: an utterance that is all speech scores
 * near 1 throughout instead of having its one most attended syllable at 1 and the rest low.
 */
export function activityFromAttention(attention: AttentionMap, geometry: TimeGeometry, frames: number): Float32Array {
  const { freq, time, data } = attention;
  const columns = new Float64Array(time);
  for (let f = 0; f < freq; f++) for (let j = 0; j < time; j++) columns[j] += data[f * time + j];
  const scores = new Float32Array(frames);
  for (let t = 0; t < frames; t++) {
    const position = Math.min(Math.max((t - geometry.offset) / geometry.stride, 0), time - 1);
    const left = Math.floor(position);
    const right = Math.min(left + 1, time - 1);
    const w = position - left;
    scores[t] = Math.min(1, ((1 - w) * columns[left] + w * columns[right]) * time);
  }
  return scores;
}
