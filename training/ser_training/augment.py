"""Training augmentations that act on the cached log spectrogram S = ln(|X|^2 + 1e-10), for robustness to rooms and
lines the corpora do not have: additive noise and reverberation, applied in the power domain.

They are deliberately not the robustness suite's conditions (`ser_training.robustness`, which corrupts the waveform
with pink and brown noise, babble of the test corpus's speakers, and synthetic room impulse responses): training noise
is Gaussian noise under a random smooth spectral envelope, or babble of training speakers; training reverberation is
an exponential decay of each bin's power, the late-reverberation model of Lebart et al. (2001).
"""

import numpy as np
from scipy.signal import lfilter

from .features import BINS, FRAME_MS, mean_log_power

LN10 = float(np.log(10))


def mix_at_snr(x: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """x plus noise (both log spectrograms of the same shape) in the power domain, the noise scaled so that the
    utterance's mean power is snr_db above the noise's. Adding powers ignores the cross term of |X + N|^2, whose
    expectation is zero for independent noise."""
    shift = mean_log_power(x) - mean_log_power(noise) - snr_db * LN10 / 10
    return np.logaddexp(x, noise + shift).astype(np.float32)


def coloured_noise(frames: int, rng: np.random.Generator) -> np.ndarray:
    """Log spectrogram of stationary Gaussian noise under a random envelope: a random tilt of -3 to +1 (log power
    per octave-ish unit of ln f) plus a smooth random walk over frequency. A periodogram cell of Gaussian noise is
    its expected power times an Exp(1) variable."""
    f = np.arange(1, BINS + 1, dtype=np.float64)
    walk = np.convolve(np.cumsum(rng.normal(0, 0.3, BINS + 20)), np.ones(21) / 21, mode="valid")[:BINS]
    envelope = rng.uniform(-3.0, 1.0) * np.log(f) + walk
    return (envelope[None, :] + np.log(rng.exponential(1.0, (frames, BINS)))).astype(np.float32)


def babble(others: list[np.ndarray], frames: int, rng: np.random.Generator) -> np.ndarray:
    """Several other utterances summed in the power domain, each looped to `frames` from a random start."""
    power = np.zeros((frames, BINS))
    for x in others:
        start = int(rng.integers(0, x.shape[0]))
        looped = np.take(x, np.arange(start, start + frames), axis=0, mode="wrap")
        power += np.exp(looped.astype(np.float64))
    return np.log(power + 1e-10).astype(np.float32)


def reverberate(x: np.ndarray, rt60_s: float, drr_db: float) -> np.ndarray:
    """Late reverberation: each bin's power plus its past power decaying 60 dB in rt60_s, at a direct-to-reverberant
    energy ratio of drr_db. The decay per 10 ms frame is a = 10^(-6 * frame / rt60); the tail
    sum_{d>=1} a^(d-1) P[t-d] holds 1 / (1 - a) times the direct energy, scaled down to the ratio asked for."""
    a = 10 ** (-6 * (FRAME_MS / 1000) / rt60_s)
    power = np.exp(x.astype(np.float64))
    tail = lfilter([0.0, 1.0], [1.0, -a], power, axis=0)
    gain = 10 ** (-drr_db / 10) * (1 - a)
    return np.log(power + gain * tail + 1e-10).astype(np.float32)
