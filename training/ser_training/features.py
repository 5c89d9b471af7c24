"""Constants of the log spectrogram computed by the TypeScript front end (src/stream/spectrogram.ts).

Features are never recomputed in Python: training reads the .npy files that `ser spectrogram` writes. These values
only describe them (and go into the model's metadata) so that the runtime can check it feeds the model what it
was trained on.
"""

import numpy as np

SAMPLE_RATE = 16000
WINDOW_LENGTH = 640  # 40 ms Hamming window
HOP_LENGTH = 160  # 10 ms shift
DFT_SIZE = 800
BINS = 200  # 0 to 3980 Hz, 20 Hz apart
LOG_FLOOR = 1e-10  # S = ln(|X|^2 + LOG_FLOOR)
FRAME_MS = 1000 * HOP_LENGTH / SAMPLE_RATE

FEATURE_PARAMS = {
    "sample_rate": SAMPLE_RATE,
    "window_length": WINDOW_LENGTH,
    "hop_length": HOP_LENGTH,
    "dft_size": DFT_SIZE,
    "bins": BINS,
    "log_floor": LOG_FLOOR,
    "window": "hamming-symmetric",
}


def mean_log_power(x: np.ndarray) -> float:
    """ln of the mean power of a log spectrogram's cells."""
    return float(np.log(np.mean(np.exp(x.astype(np.float64)))))


def level_normalised(x: np.ndarray) -> np.ndarray:
    """A log spectrogram [frames, BINS] shifted so that its mean power is 1: the numpy form of
    model.utterance_level, used where training prepares inputs (statistics, augmentation) as the network will see them."""
    return (x - mean_log_power(x)).astype(np.float32)
