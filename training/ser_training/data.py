"""The corpora, the speaker-independent split and the cached features.

Features are the .npy files written by `ser features` (the TypeScript front end), one per utterance and channel:
<features>/<channel>/<manifest path with .npy>, channel 'wideband' or 'telephone'.
"""

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FOLDS = (1, 2, 3, 4, 5)
# The four classes of the reference paper, in the order of every model's outputs.
DEFAULT_LABELS = ("angry", "happy", "sad", "neutral")


@dataclass(frozen=True)
class Utterance:
    path: str
    corpus: str
    speaker: str
    fold: int
    emotion: str


def read_manifest(manifest: Path) -> list[Utterance]:
    with open(manifest, newline="") as f:
        return [
            Utterance(r["path"], r["corpus"], r["speaker"], int(r["fold"]), r["emotion"]) for r in csv.DictReader(f)
        ]


def select(utterances: list[Utterance], labels: tuple, calm_as: str | None) -> list[tuple[Utterance, int]]:
    """(utterance, class index) for the classes of `labels`; RAVDESS 'calm' becomes `calm_as` or is left out."""
    chosen = []
    for u in utterances:
        emotion = calm_as if u.emotion == "calm" and calm_as else u.emotion
        if emotion in labels:
            chosen.append((u, labels.index(emotion)))
    return chosen


def validation_speakers(utterances: list[Utterance], fold: int) -> set[str]:
    """Speakers held out of training for early stopping: every second speaker (per corpus, sorted) of one fold (in
    the 5-fold protocol the fold after the test fold), so validation covers every corpus present, never touches the
    test speakers, and costs training about a tenth of its speakers."""
    chosen = set()
    for corpus in sorted({u.corpus for u in utterances}):
        speakers = sorted({u.speaker for u in utterances if u.fold == fold and u.corpus == corpus})
        chosen.update(speakers[::2])
    return chosen


class FeatureStore:
    """Loads cached spectrograms ([frames, 200] float32) once and keeps them in memory."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._cache: dict[tuple[str, str], np.ndarray] = {}

    def get(self, utterance: Utterance, channel: str = "wideband") -> np.ndarray:
        key = (utterance.path, channel)
        if key not in self._cache:
            file = self.root / channel / Path(utterance.path).with_suffix(".npy")
            if not file.exists():
                raise FileNotFoundError(f"{file} is missing: run `npx ser features <manifest> --out {self.root}`")
            self._cache[key] = np.load(file)
        return self._cache[key]


def feature_statistics(arrays: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Per-bin mean and standard deviation over every frame of the given utterances (the training set's)."""
    total = sum(a.shape[0] for a in arrays)
    mean = sum(a.sum(axis=0, dtype=np.float64) for a in arrays) / total
    var = sum(((a - mean) ** 2).sum(axis=0, dtype=np.float64) for a in arrays) / total
    return mean.astype(np.float32), np.sqrt(var).astype(np.float32)


def by_speaker(utterances: list[Utterance]) -> dict[str, list[Utterance]]:
    grouped: dict[str, list[Utterance]] = {}
    for u in utterances:
        grouped.setdefault(u.speaker, []).append(u)
    return grouped


class SpeakerNormalisedStore:
    """Features standardised bin by bin with their speaker's statistics over every frame of all the speaker's
    utterances (every emotion, labels unused, same channel). For test speakers this is test-time adaptation: it uses
    the test audio itself, as a deployment could with a caller's own speech."""

    def __init__(self, store: FeatureStore, utterances: list[Utterance]):
        self.store = store
        self.by_speaker = by_speaker(utterances)
        self._statistics: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}

    def statistics(self, speaker: str, channel: str) -> tuple[np.ndarray, np.ndarray]:
        key = (speaker, channel)
        if key not in self._statistics:
            mean, std = feature_statistics([self.store.get(u, channel) for u in self.by_speaker[speaker]])
            self._statistics[key] = (mean, np.maximum(std, 1e-3))
        return self._statistics[key]

    def get(self, utterance: Utterance, channel: str = "wideband") -> np.ndarray:
        mean, std = self.statistics(utterance.speaker, channel)
        return (self.store.get(utterance, channel) - mean) / std
