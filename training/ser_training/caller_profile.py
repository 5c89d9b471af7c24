"""Adaptation to the caller in the network's input: each utterance's log spectrogram less its caller's long-term
spectrum, estimated from the caller's earlier speech on the call only.

A caller's profile is the log of the mean power per bin over every frame of their earlier utterances, each utterance
first level-normalised (features.level_normalised), i.e. a long-term average spectrum (LTAS) in the network's own
input domain. Subtracting it removes what stays the same over a call: the microphone and line's frequency response,
the room's colouring, and the voice's own spectral envelope. The first utterance of a call, with no history, uses
the training population's profile. Training draws histories of 0 to MAX_HISTORY other utterances of the same speaker
(any emotion, labels unused), so that the network learns to read each utterance against its caller's; testing draws
them causally: the utterances before it, in a random order of the speaker's utterances.
"""

import numpy as np

from .features import level_normalised

# Histories drawn in training: none (the population profile) with this chance, else 1 to MAX_HISTORY utterances.
NO_HISTORY_PROB = 0.2
MAX_HISTORY = 10


def power_sum(x: np.ndarray) -> np.ndarray:
    """Per-bin power summed over the frames of one level-normalised log spectrogram, float64 [BINS]."""
    return np.exp(level_normalised(x).astype(np.float64)).sum(axis=0)


def profile(arrays: list[np.ndarray]) -> np.ndarray:
    """The profile of a history: ln of the mean level-normalised power per bin over all its frames, float32 [BINS]."""
    frames = sum(a.shape[0] for a in arrays)
    return np.log(sum(power_sum(a) for a in arrays) / frames).astype(np.float32)


class HistoryProfiles:
    """Profiles of histories drawn from one list of utterances, each utterance's power sum computed once."""

    def __init__(self, arrays: list[np.ndarray], default: np.ndarray):
        self.sums = [power_sum(a) for a in arrays]
        self.frames = [a.shape[0] for a in arrays]
        self.default = default

    def of(self, history: list[int]) -> np.ndarray:
        if not history:
            return self.default
        return np.log(sum(self.sums[j] for j in history) / sum(self.frames[j] for j in history)).astype(np.float32)


def causal_histories(speakers: list[str], limit: int | None, seed: int = 1) -> list[list[int]]:
    """For each item, the indices of the items before it of the same speaker, in a random order of that speaker's
    items (at most `limit` of the most recent; None: all of them). The first of each speaker gets none."""
    rng = np.random.default_rng(seed)
    histories: list[list[int]] = [[] for _ in speakers]
    groups: dict[str, list[int]] = {}
    for i, s in enumerate(speakers):
        groups.setdefault(s, []).append(i)
    for s in sorted(groups):
        order = [groups[s][j] for j in rng.permutation(len(groups[s]))]
        for n, i in enumerate(order):
            histories[i] = order[max(0, n - limit) if limit is not None else 0 : n]
    return histories
