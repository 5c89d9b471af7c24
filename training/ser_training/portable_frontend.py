"""The TypeScript front end's log spectrogram in numpy, for machines that have no Node.js (a borrowed GPU machine).

Training here normally reads the .npy files of `ser features`. Where only Python is available, this module writes the
same cache from 16-bit WAV files: the wideband spectrogram is the front end's computation in the same precision
(float64 window and DFT, float32 result; the TypeScript test suite checks the two agree), and the telephone channel
is an approximation of src/stream/telephoneChannel.ts: the same G.711 mu-law, with scipy's polyphase resampler in place
of SpeexDSP's, its filter chosen to match SpeexDSP's quality-4 converter, whose passband ends near 3.6 kHz (on real
speech the two channels' log spectrograms differ by 0.13 on average, against 0.64 between telephone and wideband).
Models trained on such a cache are evaluated again on `ser features` output before figures are kept.

Usage: python3 -m ser_training.portable_frontend MANIFEST WAV_ROOT OUT [--workers N]
(WAV_ROOT holds each manifest path with .wav in place of .flac, 16 kHz mono 16-bit.)
"""

import argparse
import csv
import wave
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from .features import BINS, DFT_SIZE, HOP_LENGTH, LOG_FLOOR, SAMPLE_RATE, WINDOW_LENGTH

_WINDOW = np.hamming(WINDOW_LENGTH)  # symmetric, as spectrogram.ts


def read_wav16(path: Path) -> np.ndarray:
    """16 kHz mono 16-bit PCM WAV -> float32 samples scaled by 1/32768, as the front end decodes them."""
    with wave.open(str(path)) as w:
        if (w.getframerate(), w.getnchannels(), w.getsampwidth()) != (SAMPLE_RATE, 1, 2):
            raise ValueError(f"{path}: need 16 kHz mono 16-bit WAV, got {w.getframerate()} Hz, {w.getnchannels()} ch, {8 * w.getsampwidth()} bit")
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768


def log_spectrogram(samples: np.ndarray) -> np.ndarray:
    """[frames, 200] float32: ln(|DFT_800(hamming * frame)|^2 + 1e-10) over 40 ms frames every 10 ms."""
    frames = 0 if len(samples) < WINDOW_LENGTH else (len(samples) - WINDOW_LENGTH) // HOP_LENGTH + 1
    if frames == 0:
        return np.zeros((0, BINS), dtype=np.float32)
    index = np.arange(WINDOW_LENGTH)[None, :] + HOP_LENGTH * np.arange(frames)[:, None]
    spectrum = np.fft.rfft(samples.astype(np.float64)[index] * _WINDOW, n=DFT_SIZE)[:, :BINS]
    return np.log(spectrum.real**2 + spectrum.imag**2 + LOG_FLOOR).astype(np.float32)


def mulaw_roundtrip(pcm: np.ndarray) -> np.ndarray:
    """G.711 mu-law encode and decode of int16 samples (the segmented code of telephony, bias 0x84, clip 32635)."""
    x = pcm.astype(np.int32)
    sign = x < 0
    magnitude = np.minimum(np.abs(x), 32635) + 0x84
    exponent = np.floor(np.log2(magnitude)).astype(np.int32) - 7
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    decoded = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return np.where(sign, -decoded, decoded).astype(np.int16)


def telephone_channel(samples: np.ndarray) -> np.ndarray:
    """16 kHz -> 8 kHz -> 16-bit G.711 mu-law round trip -> 16 kHz, the input's length."""
    from scipy.signal import firwin, resample_poly

    lowpass = firwin(129, 3680, window=("kaiser", 8.0), fs=SAMPLE_RATE)
    narrow = resample_poly(samples.astype(np.float64), 1, 2, window=lowpass)
    pcm = np.clip(np.round(narrow * 32768), -32768, 32767).astype(np.int16)
    back = resample_poly(mulaw_roundtrip(pcm).astype(np.float64) / 32768, 2, 1, window=lowpass)
    return back[: len(samples)].astype(np.float32)


def _one(job: tuple[Path, Path, str]) -> None:
    wav, out, path = job
    samples = read_wav16(wav / Path(path).with_suffix(".wav"))
    for channel, audio in (("wideband", samples), ("telephone", telephone_channel(samples))):
        file = out / channel / Path(path).with_suffix(".npy")
        file.parent.mkdir(parents=True, exist_ok=True)
        np.save(file, log_spectrogram(audio))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("manifest", type=Path)
    parser.add_argument("wav_root", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    with open(args.manifest, newline="") as f:
        paths = [r["path"] for r in csv.DictReader(f) if (args.wav_root / Path(r["path"]).with_suffix(".wav")).exists()]
    with ProcessPoolExecutor(args.workers) as pool:
        list(pool.map(_one, [(args.wav_root, args.out, p) for p in paths], chunksize=8))
    print(f"wrote wideband and telephone features of {len(paths)} files to {args.out}")


if __name__ == "__main__":
    main()
