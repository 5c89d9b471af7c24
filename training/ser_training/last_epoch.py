"""Early stopping against the final epoch: each fold's validation-chosen checkpoint (best.pt) and its final one
(last.pt) scored on the fold's test speakers, and the report's section on it."""

import json
from pathlib import Path

import numpy as np

from .paths import FEATURES, MANIFEST, RESULTS, RUNS


def compare_last_epoch(name: str, seed: int) -> Path:
    """Scores each fold's final-epoch checkpoint (last.pt) beside the validation-chosen one (best.pt) on the fold's
    test speakers: does early stopping on the validation speakers pick a better model than the schedule's end?"""
    from .evaluate import evaluate_checkpoints

    folds = {}
    for fold in range(1, 6):
        run_dir = RUNS / name / f"seed{seed}" / f"fold{fold}"
        folds[fold] = {
            which: {channel: evaluate_checkpoints([run_dir / f"{which}.pt"], FEATURES, MANIFEST, f"fold{fold}")[channel]["ua"] for channel in ("wideband", "telephone")}
            for which in ("best", "last")
        }
    out = RESULTS / name / f"seed{seed}" / "last-epoch.json"
    out.write_text(json.dumps(folds, indent=1))
    return out


def last_epoch_section() -> list[str]:
    files = sorted(RESULTS.glob("*/seed*/last-epoch.json"))
    if not files:
        return []
    lines = ["## Early stopping against the final epoch", "",
             "Each fold's model chosen on the validation speakers (best.pt) and the model at the end of the one-cycle",
             "schedule (last.pt), both scored on the fold's test speakers (`experiments last-epoch NAME`). These test-fold",
             "figures motivated fcn-alexnet-bn-final, whose own figures are in the table. Its gain over fcn-alexnet-bn",
             "is more than the epoch choice: the five validation speakers train too, and each run is one seed.", "",
             "| run | mean fold UA wideband, chosen / final | telephone, chosen / final | folds where final is better (wideband) |",
             "|---|---|---|---|"]  # fmt: skip
    for f in files:
        folds = list(json.loads(f.read_text()).values())

        def mean(which: str, channel: str) -> float:
            return 100 * float(np.mean([r[which][channel] for r in folds]))

        better = sum(r["last"]["wideband"] > r["best"]["wideband"] for r in folds)
        lines.append(f"| {f.parts[-3]} {f.parts[-2]} | {mean('best', 'wideband'):.1f} / {mean('last', 'wideband'):.1f} | "
                     f"{mean('best', 'telephone'):.1f} / {mean('last', 'telephone'):.1f} | {better} of {len(folds)} |")  # fmt: skip
    return lines + [""]
