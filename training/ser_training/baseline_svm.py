"""The traditional system of the paper's Fig. 1, as the reference point: frame-level acoustic features, statistical
functionals over the utterance, and an RBF support vector machine (scikit-learn).

Frame features come from the same cached log spectrogram as the network's (0 to 3980 Hz, 20 Hz bins, 10 ms): log
energy; 13 MFCCs from a 26-band mel filterbank; spectral centroid, spread, roll-off (85%), flux and flatness; a
cepstral pitch estimate (the harmonic spacing of the 20 Hz-resolution spectrum, 60 to 400 Hz) with its voicing
strength; and the deltas of energy and MFCCs. Eleven functionals per feature (mean, standard deviation, minimum,
maximum, range, 10th/50th/90th percentiles, regression slope, skewness, kurtosis) of these 35 descriptors give
385 utterance features.
C and gamma are chosen on the validation speakers of the fold, never on its test speakers.
With --descriptor egemaps the utterance features are instead openSMILE's 88 eGeMAPS functionals, the field's standard
reference set, read from the cache `ser_training.egemaps` writes (--egemaps DIR, default the feature cache's sibling
folder egemaps/).
With --speaker-norm every utterance's features are standardised by its speaker's mean and standard deviation over
all the speaker's utterances (every emotion, labels unused, same channel). For the test speakers that is test-time
adaptation: statistics of the test audio itself, as a deployment could gather them from a caller's own speech.
--test-speaker-utterances N draws a test utterance's statistics from N other utterances of its speaker instead.

Usage: python3 -m ser_training.baseline_svm --features DIR --manifest CSV --out RUN_DIR --split fold3|loco-ased
       [--corpora emodb,ravdess,savee] [--descriptor functionals|egemaps] [--telephone-copies]
       [--speaker-norm [--test-speaker-utterances N]]
"""

import argparse
import json
import time
import zlib
from pathlib import Path

import numpy as np
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from . import protocols
from .data import FeatureStore, by_speaker, read_manifest, select
from .features import BINS
from .metrics import confusion, summarise, unweighted_accuracy
from .model import DEFAULT_LABELS

HZ_PER_BIN = 20.0


def mel_filterbank(bands: int = 26) -> np.ndarray:
    """[bands, BINS] triangular filters evenly spaced on the mel scale from 20 Hz to 3980 Hz."""
    mel = lambda f: 2595 * np.log10(1 + f / 700)  # noqa: E731
    hz = lambda m: 700 * (10 ** (m / 2595) - 1)  # noqa: E731
    edges = hz(np.linspace(mel(20.0), mel(HZ_PER_BIN * (BINS - 1)), bands + 2)) / HZ_PER_BIN
    k = np.arange(BINS)[None, :]
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    return np.maximum(0, np.minimum((k - lower) / (centre - lower), (upper - k) / (upper - centre)))


MEL = mel_filterbank()
DCT = np.cos(np.pi / MEL.shape[0] * (np.arange(MEL.shape[0])[None, :] + 0.5) * np.arange(13)[:, None])


def frame_features(log_power: np.ndarray) -> np.ndarray:
    """[frames, 18] frame-level descriptors, before deltas."""
    power = np.exp(log_power.astype(np.float64))
    total = power.sum(axis=1) + 1e-12
    energy = np.log(total)
    mfcc = np.log(power @ MEL.T + 1e-10) @ DCT.T
    freqs = np.arange(BINS) * HZ_PER_BIN
    p = power / total[:, None]
    centroid = p @ freqs
    spread = np.sqrt(np.maximum(p @ freqs**2 - centroid**2, 0))
    rolloff = np.argmax(np.cumsum(p, axis=1) >= 0.85, axis=1) * HZ_PER_BIN
    flux = np.concatenate([[0.0], np.sqrt((np.diff(p, axis=0) ** 2).sum(axis=1))])
    flatness = np.exp(np.log(power + 1e-12).mean(axis=1)) / (power.mean(axis=1) + 1e-12)
    # Cepstrum of the 0-4 kHz log spectrum: harmonics f0 apart repeat every f0/20 bins (60-400 Hz: 3 to 20 bins).
    cepstrum = np.abs(np.fft.rfft(log_power - log_power.mean(axis=1, keepdims=True), axis=1))
    period = np.fft.rfftfreq(BINS)
    search = (period >= 1 / 20) & (period <= 1 / 3)
    peak = np.argmax(np.where(search[None, :], cepstrum, 0), axis=1)
    pitch = HZ_PER_BIN / np.maximum(period[peak], 1e-6)
    voicing = cepstrum[np.arange(len(peak)), peak] / (cepstrum[:, search].mean(axis=1) + 1e-9)
    return np.column_stack([energy, mfcc, centroid, spread, rolloff, flux, flatness, pitch, voicing])


def functionals(x: np.ndarray) -> np.ndarray:
    """Eleven statistics of each column of x [frames, features]."""
    t = np.arange(x.shape[0]) - (x.shape[0] - 1) / 2
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = (x - mean) / std
    p10, p50, p90 = np.percentile(x, [10, 50, 90], axis=0)
    slope = (t @ (x - mean)) / max(float(t @ t), 1e-9)
    return np.concatenate([mean, std, x.min(0), x.max(0), x.max(0) - x.min(0), p10, p50, p90, slope, (z**3).mean(0), (z**4).mean(0)])


def utterance_features(log_power: np.ndarray) -> np.ndarray:
    frames = frame_features(log_power)
    deltas = np.gradient(frames[:, :14], axis=0) if frames.shape[0] > 1 else np.zeros((1, 14))
    return functionals(np.column_stack([frames, deltas]))


def standardisation(x: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of a speaker's utterance features."""
    return np.mean(x, axis=0), np.std(x, axis=0) + 1e-9


def run(args) -> None:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.time()
    store = FeatureStore(args.features)
    manifest = read_manifest(args.manifest)
    items = [x for x in select(manifest, DEFAULT_LABELS, None) if not args.corpora or x[0].corpus in args.corpora.split(",")]
    part = protocols.parse(args.split)
    train_items, val_items, test_items = part.split(items)
    described: dict[tuple[str, str], np.ndarray] = {}

    egemaps = Path(args.egemaps or Path(args.features).parent / "egemaps")

    def describe(u, channel: str) -> np.ndarray:
        if (u.path, channel) not in described:
            if args.descriptor == "egemaps":
                described[(u.path, channel)] = np.load(egemaps / channel / Path(u.path).with_suffix(".npy")).astype(np.float64)
            else:
                described[(u.path, channel)] = utterance_features(store.get(u, channel))
        return described[(u.path, channel)]

    speakers = by_speaker(manifest)
    whole: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}  # (speaker, channel) -> over all their utterances
    rng = np.random.default_rng(part.test_fold if isinstance(part, protocols.FiveFold) else zlib.crc32(part.part.encode()))

    def featurise(part: list, channel: str, heard: int = 0) -> np.ndarray:
        """Utterance features; with --speaker-norm standardised by the speaker's statistics over all their utterances,
        or with heard > 0 over that many other utterances of theirs, drawn at random (a caller heard for a while)."""
        if not args.speaker_norm:
            return np.stack([describe(u, channel) for u, _ in part])
        rows = []
        for u, _ in part:
            if heard:
                others = [o for o in speakers[u.speaker] if o.path != u.path]
                chosen = [others[i] for i in rng.choice(len(others), min(heard, len(others)), replace=False)]
                mean, std = standardisation([describe(o, channel) for o in chosen])
            else:
                if (u.speaker, channel) not in whole:
                    whole[(u.speaker, channel)] = standardisation([describe(o, channel) for o in speakers[u.speaker]])
                mean, std = whole[(u.speaker, channel)]
            rows.append((describe(u, channel) - mean) / std)
        return np.stack(rows)

    labels = lambda part: np.array([label for _, label in part])  # noqa: E731
    x_train, y_train = featurise(train_items, "wideband"), labels(train_items)
    if args.telephone_copies:
        x_train, y_train = np.vstack([x_train, featurise(train_items, "telephone")]), np.concatenate([y_train, y_train])
    scaler = StandardScaler().fit(x_train)
    x_val = {c: scaler.transform(featurise(val_items, c)) for c in ("wideband", "telephone")}
    best = None
    for c in (1, 3, 10, 30, 100):
        for gamma_scale in (0.25, 0.5, 1.0, 2.0):
            svm = SVC(C=c, gamma=gamma_scale / x_train.shape[1], class_weight="balanced").fit(scaler.transform(x_train), y_train)
            score = np.mean([unweighted_accuracy(confusion(labels(val_items).tolist(), svm.predict(x_val[ch]).tolist(), 4)) for ch in x_val])
            if best is None or score > best[0]:
                best = (score, c, gamma_scale, svm)
    _, c, gamma_scale, svm = best
    result = {"config": {"model": "svm-rbf", "descriptor": args.descriptor, "C": c, "gamma_scale": gamma_scale, "features": int(x_train.shape[1]),
                         "telephone_copies": args.telephone_copies, "speaker_norm": args.speaker_norm, "corpora": args.corpora,
                         "test_speaker_utterances": args.test_speaker_utterances, "seed": 1, "epochs": 0},  # fmt: skip
              "split": part.part,
              **({"test_fold": part.test_fold} if isinstance(part, protocols.FiveFold) else {"test_corpus": part.corpus})}
    for channel in ("wideband", "telephone"):
        predicted = svm.predict(scaler.transform(featurise(test_items, channel, args.test_speaker_utterances)))
        truth = labels(test_items).tolist()
        result[channel] = summarise(truth, predicted.tolist(), [u.corpus for u, _ in test_items], 4)
        result[channel]["predictions"] = [
            {"path": u.path, "truth": t, "probabilities": np.eye(4)[p].tolist()} for (u, _), t, p in zip(test_items, truth, predicted)
        ]
    (out / "result.json").write_text(json.dumps(result))
    (out / "wall_seconds").write_text(f"{time.time() - started:.0f}\n")
    print(f"{part.part}: UA {result['wideband']['ua']:.3f} wideband, {result['telephone']['ua']:.3f} telephone (C={c}, gamma x{gamma_scale})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--features", type=Path, required=True)
    parser.add_argument("--manifest", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--split", required=True, help="fold1..fold5 or loco-<corpus> (ser_training.protocols)")
    parser.add_argument("--corpora", default="", help="comma list of the corpora used (default: every corpus of the manifest)")
    parser.add_argument("--descriptor", choices=("functionals", "egemaps"), default="functionals")
    parser.add_argument("--egemaps", type=Path, help="the eGeMAPS cache (default: <features>/../egemaps)")
    parser.add_argument("--telephone-copies", action="store_true", help="train on wideband and telephone copies")
    parser.add_argument("--speaker-norm", action="store_true", help="standardise features per speaker (test-time adaptation)")
    parser.add_argument("--test-speaker-utterances", type=int, default=0,
                        help="with --speaker-norm: test speakers' statistics from this many of their other utterances (0: all)")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
