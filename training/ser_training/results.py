"""Kept results (training/results/NAME/seed<S>/<part>.json) and the figures every report and comparison reads from
them: pooled 5-fold figures, leave-one-corpus-out figures, ensembles of runs."""

import json

import numpy as np

from .data import read_manifest
from .metrics import summarise
from .paths import MANIFEST, RESULTS
from .protocols import CORPORA

# protocol -> the glob of its parts' result files
PART_FILES = {"five": "fold*.json", "loco": "loco-*.json"}


def load_results(name: str, seed: int | None = None, protocol: str = "five") -> list[dict]:
    """A run's kept results under one protocol ('five' folds or 'loco'), of every seed or of one."""
    return [json.loads(f.read_text()) for f in sorted((RESULTS / name).glob(f"seed{seed or '*'}/{PART_FILES[protocol]}"))]


def part_of(result: dict) -> str:
    """The part a result was tested on; results from before the protocols were named carry only their fold."""
    return result.get("split") or f"fold{result['test_fold']}"


def ensemble_results(members: list[tuple[str, int]], protocol: str = "five") -> list[dict]:
    """One result per test part (fold, or corpus left out) that every member has, whose predictions are the members'
    mean probabilities. Only utterances every member scored count: a member trained with calm merged into neutral
    also scored the calm utterances, which the others left out."""
    per_member = []
    for name, seed in members:
        per_member.append({part_of(r): r for r in load_results(name, seed, protocol)})
    parts = sorted(set.intersection(*(set(m) for m in per_member)))
    results = []
    for part in parts:
        runs = [m[part] for m in per_member]
        calm_as = next((r["config"]["calm_as"] for r in runs if r["config"].get("calm_as")), "")
        where = {k: runs[0][k] for k in ("split", "test_fold", "test_corpus") if k in runs[0]}
        merged = {"config": {"seed": 0, "epochs": 0, "calm_as": calm_as}, **where}
        merged["wall_seconds"] = sum(r["wall_seconds"] for r in runs)
        merged.update({"machine": r["machine"] for r in runs if "machine" in r})
        for channel in ("wideband", "telephone"):
            by_path = [{p["path"]: p for p in r[channel]["predictions"]} for r in runs]
            predictions = []
            for path in sorted(set.intersection(*(set(m) for m in by_path))):
                probabilities = np.mean([m[path]["probabilities"] for m in by_path], axis=0)
                predictions.append({"path": path, "truth": by_path[0][path]["truth"], "probabilities": probabilities.tolist()})
            merged[channel] = {"predictions": predictions}
        results.append(merged)
    return results


def uses_holdout(results: list[dict]) -> bool:
    """Whether a run kept validation speakers out of training (its protocol)."""
    return results[0]["config"].get("holdout", True)


def scored(result: dict, channel: str, leave_out: frozenset) -> tuple[list[int], list[int], list[str]]:
    """Truth, predicted class and corpus of one fold's test utterances, less those whose path is in leave_out."""
    kept = [p for p in result[channel]["predictions"] if p["path"] not in leave_out]
    return ([p["truth"] for p in kept], [int(np.argmax(p["probabilities"])) for p in kept],
            [p["path"].split("/")[0] for p in kept])  # fmt: skip


def pooled(results: list[dict], channel: str, leave_out: frozenset = frozenset()) -> dict:
    """Cross-validation figures: each seed's five test folds pooled (every utterance scored once), then mean and
    spread over seeds; per-fold UA spread within a seed is reported too. Utterances in `leave_out` (paths) are not
    scored, so that a run trained on more classes is compared on the same test set as the others."""
    by_seed: dict[int, list[dict]] = {}
    for r in results:
        by_seed.setdefault(r["config"]["seed"], []).append(r)
    seeds = []
    for seed, rs in sorted(by_seed.items()):
        if len(rs) < 5:
            continue
        folds = [scored(r, channel, leave_out) for r in sorted(rs, key=lambda r: r["test_fold"])]
        s = summarise(*(sum(parts, []) for parts in zip(*folds)), 4)
        s["fold_ua"] = [summarise(*fold, 4)["ua"] for fold in folds]
        seeds.append(s)
    return {"seeds": seeds}


def fold_ua(result: dict, channel: str, leave_out: frozenset) -> float:
    """One fold's UA, less the utterances in leave_out."""
    return summarise(*scored(result, channel, leave_out), 4)["ua"]


def calm_paths() -> frozenset:
    """The RAVDESS calm utterances, by path (from the manifest)."""
    return frozenset(u.path for u in read_manifest(MANIFEST) if u.emotion == "calm")


def paths_outside(corpora: tuple[str, ...]) -> frozenset:
    """The utterances of every other corpus, by path (from the manifest)."""
    return frozenset(u.path for u in read_manifest(MANIFEST) if u.corpus not in corpora)


def fmt(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{100 * np.mean(values):.1f}" + (f" ± {100 * np.std(values):.1f}" if len(values) > 1 else "")


def loco_summary(results: list[dict], channel: str) -> dict:
    """Leave-one-corpus-out figures of one seed's results: each corpus's UA and WA (as the unseen corpus), their means
    and the worst corpus's UA; only complete when every corpus has been left out once."""
    per_corpus = {}
    for r in results:
        truth, predicted, _ = scored(r, channel, frozenset())
        per_corpus[r["test_corpus"]] = summarise(truth, predicted, [r["test_corpus"]] * len(truth), 4)
    done = [c for c in CORPORA if c in per_corpus]
    return {
        "corpora": {c: per_corpus[c] for c in done},
        "complete": len(done) == len(CORPORA),
        "mean_ua": float(np.mean([per_corpus[c]["ua"] for c in done])) if done else float("nan"),
        "mean_wa": float(np.mean([per_corpus[c]["wa"] for c in done])) if done else float("nan"),
        "worst": min(done, key=lambda c: per_corpus[c]["ua"]) if done else "",
    }
