"""Test-time adaptation to the caller, from kept leave-one-corpus-out predictions: no retraining.

An unseen corpus's utterances shift as a whole towards one class (docs/results.md, the prediction shares), so part
of the error is a bias of the voice, the room or the language rather than confusion between two emotions. This
measures how much of it a caller's own unlabelled history removes: each utterance's log-probabilities less the mean
log-probabilities of other utterances of the same speaker, an estimate of that speaker's bias (the prior correction of
Saerens et al., 2002, in its simplest form), either from all their other utterances or causally, from the k before it
in a random order (a live call knows only the past).

The caveat is the method's assumption: subtracting a speaker's mean treats their history as emotion-balanced, as it
is in these acted corpora (every speaker acts every emotion). A real caller who is angry throughout would be pulled
towards the other classes; these figures are therefore an upper bound on what a deployed form could gain.

Usage: python3 -m ser_training.caller_prior NAME [--seed 1] [--k 3,5,10]
       python3 -m ser_training.caller_prior --predictions SCORES.jsonl   (`ser predict` lines of manifest utterances)
"""

import argparse
import json
import random
from pathlib import Path

import numpy as np

from .data import DEFAULT_LABELS, read_manifest
from .metrics import confusion, unweighted_accuracy
from .paths import MANIFEST
from .protocols import CORPORA

ANGRY = DEFAULT_LABELS.index("angry")
# A history this long exists for angry in every corpus (RAVDESS has 8 angry utterances per actor).
THROUGHOUT_K = 5
from .results import load_results


def adapted(log_probabilities: np.ndarray, speakers: list[str], k: int | None, seed: int = 1, strength: float = 1.0) -> np.ndarray:
    """Each row less `strength` times the mean row of the same speaker's other utterances: all of them (k None), or
    the k before it in a random order of that speaker's utterances (k=0 gives the rows unchanged). A strength below
    1 removes part of the estimated bias: less gain where the history is balanced, less harm where it is not."""
    out = log_probabilities.copy()
    by_speaker: dict[str, list[int]] = {}
    for i, s in enumerate(speakers):
        by_speaker.setdefault(s, []).append(i)
    rng = random.Random(seed)
    for rows in by_speaker.values():
        if k is None:
            total = log_probabilities[rows].sum(axis=0)
            for i in rows:
                if len(rows) > 1:
                    out[i] = log_probabilities[i] - strength * (total - log_probabilities[i]) / (len(rows) - 1)
            continue
        order = rows[:]
        rng.shuffle(order)
        for n, i in enumerate(order):
            before = order[max(0, n - k) : n]
            if before:
                out[i] = log_probabilities[i] - strength * log_probabilities[before].mean(axis=0)
    return out


def recall_throughout(log_probabilities: np.ndarray, truth: list[int], speakers: list[str], label: int, k: int, seed: int = 1, strength: float = 1.0) -> tuple[float, float]:
    """Recall of `label` for a caller who is `label` throughout: each such utterance adapted with the mean of k other
    `label` utterances of the same speaker (where the speaker has k more), against the same utterances as they come.
    The case the balanced-history assumption gets wrong: a caller angry all call long."""
    rng = random.Random(seed)
    by_speaker: dict[str, list[int]] = {}
    for i, (t, s) in enumerate(zip(truth, speakers)):
        if t == label:
            by_speaker.setdefault(s, []).append(i)
    kept = adapted_hits = plain_hits = 0
    for rows in by_speaker.values():
        for i in rows:
            others = [j for j in rows if j != i]
            if len(others) < k:
                continue
            history = rng.sample(others, k)
            kept += 1
            plain_hits += int(log_probabilities[i].argmax() == label)
            adapted_hits += int((log_probabilities[i] - strength * log_probabilities[history].mean(axis=0)).argmax() == label)
    return (plain_hits / kept, adapted_hits / kept) if kept else (float("nan"), float("nan"))


def log_scores(probabilities: list) -> np.ndarray:
    """ln p per utterance and class, p floored at 1e-6 (as the plugin's callerAdaptation.ts) so that none is -inf."""
    return np.log(np.clip(np.array(probabilities), 1e-6, 1))


def ua(truth: list[int], scores: np.ndarray) -> float:
    return unweighted_accuracy(confusion(truth, list(scores.argmax(axis=1)), scores.shape[1]))


def table(name: str, seed: int, ks: list[int]) -> list[str]:
    speaker_of = {u.path: u.speaker for u in read_manifest(MANIFEST)}
    results = {r["test_corpus"]: r for r in load_results(name, seed, "loco")}
    columns = ["as it comes", "all other utterances of the speaker", *(f"the {k} before it" for k in ks), f"angry recall, caller angry throughout ({THROUGHOUT_K} before), as it comes -> adapted"]
    lines = [f"| unseen corpus ({name}, seed {seed}) | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    means = np.zeros(len(columns) - 1)
    angry_means = np.zeros(2)
    done = [c for c in CORPORA if c in results]
    for corpus in done:
        predictions = results[corpus]["wideband"]["predictions"]
        scores = log_scores([p["probabilities"] for p in predictions])
        truth = [p["truth"] for p in predictions]
        speakers = [speaker_of[p["path"]] for p in predictions]
        row = [ua(truth, scores), ua(truth, adapted(scores, speakers, None)), *(ua(truth, adapted(scores, speakers, k)) for k in ks)]
        angry = recall_throughout(scores, truth, speakers, ANGRY, THROUGHOUT_K)
        means += np.array(row) / len(done)
        angry_means += np.array(angry) / len(done)
        lines.append(f"| {corpus} | " + " | ".join(f"{100 * v:.1f}" for v in row) + f" | {100 * angry[0]:.0f} -> {100 * angry[1]:.0f} |")
    lines.append(f"| mean of {len(done)} | " + " | ".join(f"{100 * v:.1f}" for v in means) + f" | {100 * angry_means[0]:.0f} -> {100 * angry_means[1]:.0f} |")
    return lines


STRENGTHS = (0.25, 0.5, 0.75, 1.0)


def strength_table(name: str, seed: int = 1) -> list[str]:
    """Mean LOCO UA with the 5 and the 10 utterances before each, and angry recall for a caller angry throughout,
    for each strength of the correction (the plugin's `adaptation: 'caller'` applies it with the 10 before)."""
    speaker_of = {u.path: u.speaker for u in read_manifest(MANIFEST)}
    results = {r["test_corpus"]: r for r in load_results(name, seed, "loco")}
    lines = [f"| strength ({name}, seed {seed}) | mean UA, the 5 before it | mean UA, the 10 before it | UA per corpus, the 10 before it ({' / '.join(CORPORA)}) | angry recall, caller angry throughout (5 before) |", "|---|---|---|---|---|"]
    for strength in (0.0, *STRENGTHS):
        five, ten, angry = [], [], []
        for corpus in CORPORA:
            predictions = results[corpus]["wideband"]["predictions"]
            scores = log_scores([p["probabilities"] for p in predictions])
            truth = [p["truth"] for p in predictions]
            speakers = [speaker_of[p["path"]] for p in predictions]
            five.append(ua(truth, adapted(scores, speakers, 5, strength=strength)))
            ten.append(ua(truth, adapted(scores, speakers, 10, strength=strength)))
            angry.append(recall_throughout(scores, truth, speakers, ANGRY, THROUGHOUT_K, strength=strength)[1])
        per = " / ".join(f"{100 * v:.1f}" for v in ten)
        lines.append(f"| {strength:g}{' (as it comes)' if strength == 0 else ''} | {100 * np.mean(five):.1f} | {100 * np.mean(ten):.1f} | {per} | {100 * np.mean(angry):.0f} |")
    return lines


def predictions_table(path: Path, strengths: tuple = (0.5, 1.0)) -> list[str]:
    """The same correction on a shipped model's own scores: `ser predict` JSON lines of manifest utterances (their
    paths end with the manifest's), per corpus: UA as they come and with the 5 / 10 before each, and angry recall for
    a caller angry throughout, at each strength."""
    manifest = {u.path: u for u in read_manifest(MANIFEST)}
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    by_corpus: dict[str, list] = {}
    for r in rows:
        u = next((manifest[p] for p in _suffixes(r["file"]) if p in manifest), None)
        if u is not None and u.emotion in DEFAULT_LABELS and "probabilities" in r:
            by_corpus.setdefault(u.corpus, []).append((u, r))
    columns = ["as it comes", *(f"strength {s:g}: the {k} before it" for s in strengths for k in (5, 10)), *(f"angry recall throughout, strength {s:g}" for s in strengths)]
    lines = [f"| corpus ({path.name}) | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for corpus in sorted(by_corpus):
        items = by_corpus[corpus]
        scores = log_scores([[r["probabilities"][label] for label in DEFAULT_LABELS] for _, r in items])
        truth = [DEFAULT_LABELS.index(u.emotion) for u, _ in items]
        speakers = [u.speaker for u, _ in items]
        cells = [f"{100 * ua(truth, scores):.1f}"]
        cells += [f"{100 * ua(truth, adapted(scores, speakers, k, strength=s)):.1f}" for s in strengths for k in (5, 10)]
        for s in strengths:
            plain, corrected = recall_throughout(scores, truth, speakers, ANGRY, THROUGHOUT_K, strength=s)
            cells.append(f"{100 * plain:.0f} -> {100 * corrected:.0f}")
        lines.append(f"| {corpus} ({len(items)}) | " + " | ".join(cells) + " |")
    return lines


def _suffixes(file: str) -> list[str]:
    parts = Path(file).parts
    return ["/".join(parts[i:]) for i in range(len(parts))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name", nargs="?", help="a grid row with kept LOCO parts")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--k", default="3,5,10")
    parser.add_argument("--predictions", type=Path, help="`ser predict` JSON lines of manifest utterances instead of a row")
    args = parser.parse_args()
    if args.predictions:
        print("\n".join(predictions_table(args.predictions)))
    elif args.name:
        print("\n".join(table(args.name, args.seed, [int(k) for k in args.k.split(",")])))
    else:
        parser.error("give a row name or --predictions")


if __name__ == "__main__":
    main()
