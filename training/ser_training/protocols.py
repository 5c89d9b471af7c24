"""Evaluation protocols: which speakers train, which validate (early stopping, model choice, calibration) and which
are tested. Each protocol is one class; a run names its part of a protocol with a short string (`fold3`,
`loco-ased`, `all`) that is also the stem of its result file.

- FiveFold: the manifest's speaker-independent folds; test speakers are one fold, from every corpus.
- LeaveOneCorpusOut: train on four corpora, test on every speaker of the fifth; validation speakers come from the
  training corpora only (fold 1's validation speakers), so nothing about the test corpus (its language, rooms, level) reaches training or selection.
- AllSpeakers: every speaker trains (a shipped model) except, for recipes that keep a holdout, fold 1's validation
  speakers.
"""

from dataclasses import dataclass

from .data import FOLDS, Utterance, validation_speakers

CORPORA = ("emodb", "ravdess", "savee", "ased", "nemo")
# The corpora of the project's first figures: 5-fold rows trained on these alone are comparable with them.
FIRST_CORPORA = ("emodb", "ravdess", "savee")

Items = list[tuple[Utterance, int]]


def _hold_out(items: Items, validation_fold: int) -> tuple[Items, Items]:
    """(train, validation) by data.validation_speakers of the given fold, over the corpora present in `items`."""
    chosen = validation_speakers([u for u, _ in items], validation_fold)
    return [x for x in items if x[0].speaker not in chosen], [x for x in items if x[0].speaker in chosen]


@dataclass(frozen=True)
class FiveFold:
    test_fold: int

    @property
    def part(self) -> str:
        return f"fold{self.test_fold}"

    def split(self, items: Items) -> tuple[Items, Items, Items]:
        test = [x for x in items if x[0].fold == self.test_fold]
        train, val = _hold_out([x for x in items if x[0].fold != self.test_fold], self.test_fold % len(FOLDS) + 1)
        return train, val, test


@dataclass(frozen=True)
class LeaveOneCorpusOut:
    corpus: str

    @property
    def part(self) -> str:
        return f"loco-{self.corpus}"

    def split(self, items: Items) -> tuple[Items, Items, Items]:
        test = [x for x in items if x[0].corpus == self.corpus]
        if not test:
            raise ValueError(f"no utterance of corpus '{self.corpus}' to leave out (corpora: {', '.join(sorted({u.corpus for u, _ in items}))})")
        train, val = _hold_out([x for x in items if x[0].corpus != self.corpus], 1)
        return train, val, test


@dataclass(frozen=True)
class AllSpeakers:
    part = "all"

    def split(self, items: Items) -> tuple[Items, Items, Items]:
        train, val = _hold_out(items, 1)
        return train, val, []


Protocol = FiveFold | LeaveOneCorpusOut | AllSpeakers


def parse(part: str) -> Protocol:
    """`fold1`..`fold5`, `loco-<corpus>` or `all`."""
    if part == "all":
        return AllSpeakers()
    if part.startswith("fold") and part[4:].isdigit() and int(part[4:]) in FOLDS:
        return FiveFold(int(part[4:]))
    if part.startswith("loco-") and part[5:]:
        return LeaveOneCorpusOut(part[5:])
    raise ValueError(f"unknown split '{part}': expected fold1..fold5, all, or loco-<corpus> (corpora: {', '.join(CORPORA)})")


FIVE_FOLD_PARTS = tuple(f"fold{k}" for k in FOLDS)
LOCO_PARTS = tuple(f"loco-{c}" for c in CORPORA)
