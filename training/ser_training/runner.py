"""Trains the grid's recipes (`ser_training.recipes`) under a protocol (`ser_training.protocols`): one process per run
part, resumable, each finished part's result copied where the report reads it.

Runs go to training/runs/NAME/seed<S>/<part>/ (checkpoints and log, not kept in git); rerunning resumes. A finished
part's result (figures, per-utterance predictions, wall time) is copied to training/results/NAME/seed<S>/<part>.json,
which is kept. Parts: fold1..fold5, loco-<corpus>, all. Features come from
`npx ser features ../shared/data/manifest.csv --out cache/features` (run in the repository root).
"""

import json
import subprocess
import sys
import time
from pathlib import Path

from . import protocols
from .paths import FEATURES, MANIFEST, RESULTS, ROOT, RUNS
from .recipes import EXPERIMENTS


def parts(spec: str) -> list[str]:
    """A comma list of parts; bare fold numbers (the older form) and the protocols' names `five` and `loco` expand."""
    expanded = []
    for p in spec.split(","):
        expanded += {"five": list(protocols.FIVE_FOLD_PARTS), "loco": list(protocols.LOCO_PARTS)}.get(p, [f"fold{p}" if p.isdigit() else p])
    for p in expanded:
        protocols.parse(p)  # a clear error for a misspelt part
    return expanded


def run_one(name: str, seed: int, part: str, stop_after: int = 0, threads: int = 2, device: str = "auto") -> None:
    """One part of one seed (part 'all': the model trained on every speaker, kept as all.json + its checkpoint)."""
    overrides = dict(EXPERIMENTS[name][1])
    out = RUNS / name / f"seed{seed}" / part
    kept = RESULTS / name / f"seed{seed}" / f"{part}.json"
    if kept.exists():
        return
    out.mkdir(parents=True, exist_ok=True)
    common = ["--features", str(FEATURES), "--manifest", str(MANIFEST), "--out", str(out), "--split", part]
    if "svm" in overrides:
        command = [sys.executable, "-m", "ser_training.baseline_svm", *common, *overrides.pop("svm")]
    else:
        command = [sys.executable, "-m", "ser_training.train", *common, "--seed", str(seed), "--threads", str(threads),
                   "--stop-after", str(stop_after), "--device", device]  # fmt: skip
    for key, value in overrides.items():
        command += [f"--{key.replace('_', '-')}", str(value)]
    started = time.time()
    with open(out / "train.log", "a") as log:
        subprocess.run(command, cwd=ROOT / "training", stdout=log, stderr=subprocess.STDOUT, check=True)
    if "svm" not in EXPERIMENTS[name][1]:  # the SVM writes its own
        with open(out / "wall_seconds", "a") as f:
            f.write(f"{time.time() - started:.0f}\n")
    for written in ("result.json", "final.json"):
        if (out / written).exists():
            keep(out, kept, written)


def run(name: str, run_parts: list[str], seeds: list[int], stop_after: int, threads: int, device: str) -> None:
    for seed in seeds:
        for part in run_parts:
            run_one(name, seed, part, stop_after, threads, device)


def keep(out: Path, kept: Path, written: str = "result.json") -> None:
    result = json.loads((out / written).read_text())
    result["wall_seconds"] = sum(float(x) for x in (out / "wall_seconds").read_text().split())
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_text(json.dumps(result))


def collect() -> None:
    """Copies finished parts from runs/ to results/ (for runs started by hand)."""
    for result in sorted(RUNS.glob("*/seed*/*/result.json")):
        name, seed, part = result.parts[-4:-1]
        if name in EXPERIMENTS and (result.parent / "wall_seconds").exists():
            keep(result.parent, RESULTS / name / seed / f"{part}.json")
