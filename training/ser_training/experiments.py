"""The experiment grid of the paper's Fig. 1 and Tables I and II on this project's corpora, and its report.

Usage:
  python3 -m ser_training.experiments run NAME [--folds 1,2,3,4,5,all] [--seeds 1,2,3] [--stop-after N] [--device D]
  python3 -m ser_training.experiments report [--out ../docs/results.md]
  python3 -m ser_training.experiments list
  python3 -m ser_training.experiments last-epoch NAME [--seed S]

Runs go to training/runs/NAME/seed<S>/fold<K>/ (checkpoints and log, not kept in git); rerunning resumes. Each
finished fold's result (figures, per-utterance predictions, wall time) is copied to
training/results/NAME/seed<S>/fold<K>.json, which is kept, and `report` reads those. Features come from
`npx ser features ../shared/data/manifest.csv --out cache/features` (run in the repository root).
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
RUNS = ROOT / "training" / "runs"
RESULTS = ROOT / "training" / "results"
FEATURES = Path(os.environ.get("SER_FEATURES", ROOT / "cache" / "features"))
MANIFEST = Path(os.environ.get("SER_MANIFEST", ROOT.parent / "shared" / "data" / "manifest.csv"))

# name -> (what it tests, TrainConfig overrides, or for the SVM its command-line flags)
EXPERIMENTS = {
    "svm-functionals": ("0. traditional system: 385 functionals of frame features, RBF SVM", {"svm": []}),
    "svm-functionals-telephone": ("0. the same SVM trained with telephone copies too", {"svm": ["--telephone-copies"]}),
    "svm-functionals-telephone-speaker": ("0. test-time adaptation, not comparable with the plain rows: as svm-functionals-telephone with each speaker's features standardised by that speaker's statistics over all their utterances, test speakers included (labels unused)", {"svm": ["--telephone-copies", "--speaker-norm"]}),
    "svm-functionals-telephone-speaker20": ("0. test-time adaptation: as the row above with each test utterance's statistics from 20 other utterances of its speaker drawn at random (about 70 s of speech; any emotion)", {"svm": ["--telephone-copies", "--speaker-norm", "--test-speaker-utterances", "20"]}),
    "svm-functionals-telephone-speaker10": ("0. test-time adaptation: the same from 10 other utterances (about 35 s of speech)", {"svm": ["--telephone-copies", "--speaker-norm", "--test-speaker-utterances", "10"]}),
    "fcn-alexnet-lrn": ("1. FCN + attention (lambda 0.3), AlexNet encoder with LRN as in the paper, random init", {}),
    "fcn-alexnet-bn": ("1b. as 1 with batch normalisation instead of LRN", {"norm": "batch"}),
    "fcn-squeezenet-imagenet": ("2a. SqueezeNet 1.1 encoder as published (no normalisation), ImageNet initialisation; stopped: in folds 2 and 3 the network died (training loss stuck at ln 4, validation at chance, from epoch 4)", {"encoder": "squeezenet1_1", "pretrained": "imagenet"}),
    "fcn-squeezenet-random": ("2a. SqueezeNet 1.1 encoder as published, random initialisation", {"encoder": "squeezenet1_1"}),
    "fcn-squeezenet-bn-imagenet": ("2. SqueezeNet 1.1 encoder with batch normalisation, ImageNet initialisation (seed 1 is one network of the shipped model)", {"encoder": "squeezenet1_1", "norm": "batch", "pretrained": "imagenet"}),
    "fcn-squeezenet-bn-random": ("2. SqueezeNet 1.1 encoder with batch normalisation, random initialisation", {"encoder": "squeezenet1_1", "norm": "batch"}),
    "segments-alexnet-bn": ("3. the paper's baseline: 2 s segments, posteriors averaged (AlexNet + BN)", {"norm": "batch", "segment_frames": 200}),
    "lambda0-alexnet-bn": ("4. lambda = 0: uniform pooling (AlexNet + BN)", {"norm": "batch", "attention_lambda": 0.0}),
    "lambda1-alexnet-bn": ("4. lambda = 1 (AlexNet + BN)", {"norm": "batch", "attention_lambda": 1.0}),
    "fcn-alexnet-bn-warp": ("5. AlexNet + BN, speed and vocal-tract warping (+-10 %), 60 epochs", {"norm": "batch", "warp": 0.1, "epochs": 60}),
    "fcn-alexnet-bn-mixwarp": ("5. AlexNet + BN, warping and mixup (alpha 0.4)", {"norm": "batch", "warp": 0.1, "mixup": 0.4}),
    "fcn-alexnet-bn-final": ("5. AlexNet + BN without a validation holdout: those speakers train too, the final epoch is kept (seed 1 is one network of the shipped model)", {"norm": "batch", "holdout": False}),
    "fcn-alexnet-bn-aux-final": ("5. as fcn-alexnet-bn-final with an auxiliary head over all 9 emotions of the training speakers (weight 0.5)", {"norm": "batch", "holdout": False, "aux_weight": 0.5}),
    "fcn-alexnet-bn-stats-final": ("5. as fcn-alexnet-bn-final with attentive statistics pooling: c and the attention-weighted standard deviation. One seed: wideband within the spread of fcn-alexnet-bn-final's seeds, telephone 0.9 point above their mean; averaged with any one of them, or with seeds 1 and 2, it does not beat the shipped pair", {"norm": "batch", "holdout": False, "pooling": "attention_stats"}),
    "fcn-alexnet-bn-final-calm": ("5. as fcn-alexnet-bn-final with RAVDESS calm merged into neutral (training and test; the row's figures leave calm out, see Details). Not adopted: sad recall falls to 54.5% from 68.0%, as calm, low-arousal like sad, pulls neutral towards it", {"norm": "batch", "holdout": False, "calm_as": "neutral"}),
    "fcn-squeezenet-bn-imagenet-final": ("5. as fcn-squeezenet-bn-imagenet without a validation holdout: those speakers train too, the final epoch is kept", {"encoder": "squeezenet1_1", "norm": "batch", "pretrained": "imagenet", "holdout": False}),
    "fcn-alexnet-bn-final-speaker": ("5. test-time adaptation, not comparable with the plain rows: as fcn-alexnet-bn-final with each speaker's spectrogram standardised bin by bin by that speaker's statistics over all their utterances, test speakers included (labels unused)", {"norm": "batch", "holdout": False, "speaker_norm": True}),
    "fcn-squeezenet-imagenet-mixwarp": ("5. SqueezeNet 1.1 ImageNet init, warping and mixup, 60 epochs", {"encoder": "squeezenet1_1", "pretrained": "imagenet", "warp": 0.1, "mixup": 0.4, "epochs": 60}),
}


# name -> (what it tests, members as (experiment, seed)): probabilities averaged over members, fold by fold
SHIPPED = "ensemble-mixed-x2"
ENSEMBLES = {
    "ensemble-mixwarp-x3": ("6. ensemble: mean of the three seeds of fcn-alexnet-bn-mixwarp", [("fcn-alexnet-bn-mixwarp", s) for s in (1, 2, 3)]),
    "ensemble-shipped": (
        "6. ensemble of fcn-alexnet-bn and fcn-alexnet-bn-mixwarp, seed 1 each: the previous shipped model's recipe",
        [("fcn-alexnet-bn", 1), ("fcn-alexnet-bn-mixwarp", 1)],
    ),
    "ensemble-four": (
        "6. ensemble of fcn-alexnet-bn (seed 1) and fcn-alexnet-bn-mixwarp (seeds 1-3)",
        [("fcn-alexnet-bn", 1)] + [("fcn-alexnet-bn-mixwarp", s) for s in (1, 2, 3)],
    ),
    "ensemble-final-x2": (
        "6. ensemble: mean of seeds 1 and 2 of fcn-alexnet-bn-final (the previous shipped model)",
        [("fcn-alexnet-bn-final", s) for s in (1, 2)],
    ),
    "ensemble-final-x3": (
        "6. ensemble: mean of seeds 1, 2 and 3 of fcn-alexnet-bn-final (not shipped: 1.5x the cost)",
        [("fcn-alexnet-bn-final", s) for s in (1, 2, 3)],
    ),
    "ensemble-mixed-x3": (
        "6. ensemble of two encoders: ensemble-final-x2 and fcn-squeezenet-bn-imagenet seed 1 (not shipped: within noise of ensemble-mixed-x2 at 1.6x its cost)",
        [("fcn-alexnet-bn-final", 1), ("fcn-alexnet-bn-final", 2), ("fcn-squeezenet-bn-imagenet", 1)],
    ),
    "ensemble-mixed-x2": (
        "6. ensemble of two encoders: fcn-alexnet-bn-final seed 1 and fcn-squeezenet-bn-imagenet seed 1 (the shipped model)",
        [("fcn-alexnet-bn-final", 1), ("fcn-squeezenet-bn-imagenet", 1)],
    ),
    "ensemble-mixed-x2-seed2": (
        "6. as ensemble-mixed-x2 with fcn-alexnet-bn-final seed 2: does the pair depend on the AlexNet seed?",
        [("fcn-alexnet-bn-final", 2), ("fcn-squeezenet-bn-imagenet", 1)],
    ),
    "ensemble-mixed-x2-seed3": (
        "6. as ensemble-mixed-x2 with fcn-alexnet-bn-final seed 3",
        [("fcn-alexnet-bn-final", 3), ("fcn-squeezenet-bn-imagenet", 1)],
    ),
    "ensemble-mixed-final-x2": (
        "6. as ensemble-mixed-x2 with the SqueezeNet network trained without a holdout (fcn-squeezenet-bn-imagenet-final seed 1; defined before any of its folds was seen)",
        [("fcn-alexnet-bn-final", 1), ("fcn-squeezenet-bn-imagenet-final", 1)],
    ),
}


def ensemble_results(members: list[tuple[str, int]]) -> list[dict]:
    """One result per test fold that every member has, whose predictions are the members' mean probabilities. Only
    utterances every member scored count: a member trained with calm merged into neutral also scored the calm
    utterances, which the others left out."""
    per_member = []
    for name, seed in members:
        per_member.append({r["test_fold"]: r for r in load_results(name, seed)})
    folds = sorted(set.intersection(*(set(m) for m in per_member)))
    results = []
    for fold in folds:
        runs = [m[fold] for m in per_member]
        calm_as = next((r["config"]["calm_as"] for r in runs if r["config"].get("calm_as")), "")
        merged = {"config": {"seed": 0, "epochs": 0, "calm_as": calm_as}, "test_fold": fold}
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


from .metrics import summarise  # noqa: E402


def run_one(name: str, seed: int, fold: int | str, stop_after: int = 0, threads: int = 2, device: str = "auto") -> None:
    """One fold of one seed (fold 'all': the model trained on every speaker, kept as all.json + its checkpoint)."""
    overrides = EXPERIMENTS[name][1]
    part = f"fold{fold}" if fold != "all" else "all"
    out = RUNS / name / f"seed{seed}" / part
    kept = RESULTS / name / f"seed{seed}" / f"{part}.json"
    if kept.exists():
        return
    out.mkdir(parents=True, exist_ok=True)
    where = ["--all"] if fold == "all" else ["--test-fold", str(fold)]
    common = ["--features", str(FEATURES), "--manifest", str(MANIFEST), "--out", str(out), *where]
    if "svm" in overrides:
        command = [sys.executable, "-m", "ser_training.baseline_svm", *common, *overrides["svm"]]
    else:
        command = [sys.executable, "-m", "ser_training.train", *common, "--seed", str(seed), "--threads", str(threads),
                   "--stop-after", str(stop_after), "--device", device]  # fmt: skip
        for key, value in overrides.items():
            command += [f"--{key.replace('_', '-')}", str(value)]
    started = time.time()
    with open(out / "train.log", "a") as log:
        subprocess.run(command, cwd=ROOT / "training", stdout=log, stderr=subprocess.STDOUT, check=True)
    if "svm" not in overrides:  # the SVM writes its own
        with open(out / "wall_seconds", "a") as f:
            f.write(f"{time.time() - started:.0f}\n")
    for written in ("result.json", "final.json"):
        if (out / written).exists():
            keep(out, kept, written)


def run(name: str, folds: list[int], seeds: list[int], stop_after: int, threads: int, device: str) -> None:
    for seed in seeds:
        for fold in folds:
            run_one(name, seed, fold, stop_after, threads, device)


def keep(out: Path, kept: Path, written: str = "result.json") -> None:
    result = json.loads((out / written).read_text())
    result["wall_seconds"] = sum(float(x) for x in (out / "wall_seconds").read_text().split())
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_text(json.dumps(result))


def compare_last_epoch(name: str, seed: int) -> Path:
    """Scores each fold's final-epoch checkpoint (last.pt) beside the validation-chosen one (best.pt) on the fold's
    test speakers: does early stopping on the validation speakers pick a better model than the schedule's end?"""
    from .evaluate import evaluate_checkpoints

    folds = {}
    for fold in range(1, 6):
        run_dir = RUNS / name / f"seed{seed}" / f"fold{fold}"
        folds[fold] = {
            which: {channel: evaluate_checkpoints([run_dir / f"{which}.pt"], FEATURES, MANIFEST, fold)[channel]["ua"] for channel in ("wideband", "telephone")}
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


def load_results(name: str, seed: int | None = None) -> list[dict]:
    """A run's kept fold results, of every seed or of one."""
    return [json.loads(f.read_text()) for f in sorted((RESULTS / name).glob(f"seed{seed or '*'}/fold*.json"))]


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


def calm_paths() -> frozenset:
    """The RAVDESS calm utterances, by path (from the manifest)."""
    from .data import read_manifest

    return frozenset(u.path for u in read_manifest(MANIFEST) if u.emotion == "calm")


def calm_details(results: list[dict], calm: frozenset, labels: tuple) -> list[str]:
    """For a run that merged calm into neutral: where its calm test utterances went, and its figures with them."""
    predicted = [int(np.argmax(p["probabilities"])) for r in results for p in r["wideband"]["predictions"] if p["path"] in calm]
    counts = np.bincount(predicted, minlength=len(labels))
    merged = {channel: fmt([s["ua"] for s in pooled(results, channel)["seeds"]]) for channel in ("wideband", "telephone")}
    return [f"RAVDESS calm test utterances, wideband, all seeds (n = {len(predicted)}), predicted as: "
            + ", ".join(f"{label} {n}" for label, n in zip(labels, counts)) + ". "
            f"UA with them scored as neutral (the task this run was trained for): wideband {merged['wideband']}, "
            f"telephone {merged['telephone']}; the table's row leaves them out, as the other rows do.", ""]  # fmt: skip


def fold_ua(result: dict, channel: str, leave_out: frozenset) -> float:
    """One fold's UA, less the utterances in leave_out."""
    return summarise(*scored(result, channel, leave_out), 4)["ua"]


def same_folds(results: list[dict], leave_out: frozenset, reference: str, theirs: list[dict]) -> str:
    """For an incomplete run: its mean fold UA beside a complete reference run's on the same test folds."""
    ours = {(r["config"]["seed"], r["test_fold"]): r for r in results}
    by_fold = {r["test_fold"]: r for r in theirs}
    folds = [fold for _, fold in ours if fold in by_fold]
    if not folds:
        return ""
    mean = lambda rs, channel: 100 * np.mean([fold_ua(r, channel, leave_out) for r in rs])  # noqa: E731
    mine, ref = list(ours.values()), [by_fold[f] for f in folds]
    return f"; mean {mean(mine, 'wideband'):.1f} / {mean(mine, 'telephone'):.1f} against {mean(ref, 'wideband'):.1f} / {mean(ref, 'telephone'):.1f} for {reference} on the same folds"


def reference_for(name: str, results: list[dict]) -> tuple[str, list[dict]]:
    """What an incomplete row is set beside: an ensemble beside the shipped one; a run beside the AlexNet + BN run
    (seed 1) of its own protocol, fcn-alexnet-bn with a validation holdout, fcn-alexnet-bn-final without."""
    if name in ENSEMBLES:
        return SHIPPED, ensemble_results(ENSEMBLES[SHIPPED][1])
    reference = "fcn-alexnet-bn" if uses_holdout(results) else "fcn-alexnet-bn-final"
    return f"{reference} seed 1", load_results(reference, 1)


def fmt(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{100 * np.mean(values):.1f}" + (f" ± {100 * np.std(values):.1f}" if len(values) > 1 else "")


def report(out: Path) -> None:
    from .comparisons import comparisons_section
    from .model import DEFAULT_LABELS

    lines = [
        "# Results",
        "",
        "Speaker-independent 5-fold cross-validation on the manifest's `fold` column (EmoDB, RAVDESS, SAVEE; four",
        "classes: angry, happy, sad, neutral; RAVDESS calm left out unless a row says otherwise). Every test utterance",
        "is scored once per seed, by the model of the fold that held its speaker out; WA = overall accuracy, UA = mean",
        "of per-class recalls, pooled over the five folds, then mean ± standard deviation over seeds. Early stopping",
        "and model choice use validation speakers taken from the training folds only (`data.validation_speakers`);",
        "rows without a holdout train on those speakers too and keep the final epoch.",
        "Telephone: the same test audio through 8 kHz G.711 mu-law (`ser features`, channel `telephone`); every",
        "network is trained with telephone copies as augmentation (probability 0.5). No normalisation uses test",
        "audio (input statistics come from the training speakers) except in the rows marked test-time adaptation,",
        "which standardise each speaker's inputs by statistics of all that speaker's utterances, labels unused.",
        "",
        "Reproduce: `cd training && /usr/bin/python3 -m ser_training.experiments run NAME --seeds 1` per row, then",
        "`... experiments report`. Wall time is the sum over folds (and seeds) of each run's own time; on this",
        "project's 2-core machine a 40-epoch AlexNet fold has taken from 17 to 49 minutes (the same code on different",
        "days; two runs side by side, one thread each, took 25-30 minutes in earlier runs and 45-50 in later ones), and",
        "SqueezeNet 1.1 with batch normalisation 75-100 minutes (two side by side, on different days).",
        "",
        "† Some or all runs trained on an NVIDIA H100 with 16 runs sharing it (`training/gpu-grid.sh`, about 5 minutes a fold each),",
        "from features of `ser_training.portable_frontend`, the numpy port of the front end (wideband identical to",
        "`ser features` to 5e-7; telephone channel approximated with scipy's resampler). Checked on the TypeScript",
        "front end's own features (`ser_training.evaluate`): seed 1's five fold models of fcn-alexnet-bn-mixwarp",
        "give the same wideband UA (one fold 0.4 points lower, from the fp16 copy of its weights) and telephone UA",
        "within 1.3 points.",
        "",
        "Ensemble rows (6.) average the class probabilities of the named runs' fold models, utterance by utterance. The",
        "shipped model is ensemble-mixed-x2: one AlexNet + BN network (fcn-alexnet-bn-final seed 1) and one SqueezeNet",
        "1.1 + BN network (fcn-squeezenet-bn-imagenet seed 1). The two-encoder rows were defined after folds 1-4 of the",
        "SqueezeNet row had been seen; pairing the SqueezeNet network with AlexNet seed 2 or 3 instead scores within 0.3",
        "point of seed 1 (rows ensemble-mixed-x2-seed2 and -seed3), so the choice of seed carries little. ensemble-mixed-x3",
        "adds AlexNet seed 2 and is not shipped: within noise of the pair at 1.6x its inference time (models/MODEL_CARD.md).",
        "",
        "| experiment | seeds | epochs | UA wideband | WA wideband | UA telephone | WA telephone | UA per corpus (emodb / ravdess / savee) | fold UA range | wall time |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    details = []
    rows = [(name, description, load_results(name)) for name, (description, _) in EXPERIMENTS.items()]
    rows += [(name, description, ensemble_results(members)) for name, (description, members) in ENSEMBLES.items()]
    for name, description, results in rows:
        if not results:
            lines.append(f"| {description} | - | - | not run | | | | | | |")
            continue
        calm = calm_paths() if any(r["config"].get("calm_as") for r in results) else frozenset()
        wide, tel = pooled(results, "wideband", calm)["seeds"], pooled(results, "telephone", calm)["seeds"]
        folds_done = len(results)
        epochs = sorted({r["config"]["epochs"] for r in results if r["config"]["epochs"]}) or ["-"]
        if not wide:
            done = ", ".join(f"fold {r['test_fold']}: {100 * fold_ua(r, 'wideband', calm):.1f} / {100 * fold_ua(r, 'telephone', calm):.1f}" for r in results)
            lines.append(f"| {description} | incomplete | {'/'.join(map(str, epochs))} | {folds_done} of 5 folds (UA wideband / telephone): {done}{same_folds(results, calm, *reference_for(name, results))} | | | | | | |")
            continue
        corpus = " / ".join(fmt([s["corpora"][c]["ua"] for s in wide]) for c in ("emodb", "ravdess", "savee"))
        fold_uas = [u for s in wide for u in s["fold_ua"]]
        minutes = sum(r["wall_seconds"] for r in results) / 60
        wall = f"{minutes / 60:.1f} h" if minutes >= 90 else f"{minutes:.0f} min"
        if any("machine" in r for r in results):
            wall += " †"
        lines.append(
            f"| {description} | {len(wide)} | {'/'.join(map(str, epochs))} | {fmt([s['ua'] for s in wide])} | {fmt([s['wa'] for s in wide])} | "
            f"{fmt([s['ua'] for s in tel])} | {fmt([s['wa'] for s in tel])} | {corpus} | {100 * min(fold_uas):.1f}-{100 * max(fold_uas):.1f} | {wall} |"
        )
        matrix = np.sum([s["confusion"] for s in wide], axis=0)
        details += [f"### {name}", "", "Confusion matrix, wideband, all seeds (rows: truth, columns: prediction):", "",
                    "| | " + " | ".join(DEFAULT_LABELS) + " |", "|---" * (len(DEFAULT_LABELS) + 1) + "|"]  # fmt: skip
        details += [f"| {label} | " + " | ".join(str(v) for v in row) + " |" for label, row in zip(DEFAULT_LABELS, matrix)]
        details.append("")
        if calm:
            details += calm_details(results, calm, DEFAULT_LABELS)
    out.write_text("\n".join(lines + [""] + comparisons_section() + last_epoch_section() + ["## Details", ""] + details) + "\n")
    print(f"wrote {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("name", choices=sorted(EXPERIMENTS))
    r.add_argument("--folds", default="1,2,3,4,5", help="test folds; 'all' trains on every speaker (a shipped model)")
    r.add_argument("--seeds", default="1")
    r.add_argument("--stop-after", type=int, default=0)
    r.add_argument("--threads", type=int, default=2)
    r.add_argument("--device", default="auto", help="'auto' (CUDA where there is one), 'cpu' or 'cuda'")
    p = sub.add_parser("report")
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "results.md")
    sub.add_parser("list")
    e = sub.add_parser("last-epoch", help="score each fold's final-epoch checkpoint beside the validation-chosen one")
    e.add_argument("name", choices=sorted(EXPERIMENTS))
    e.add_argument("--seed", type=int, default=1)
    sub.add_parser("collect", help="copy finished folds from runs/ to results/ (for runs started by hand)")
    args = parser.parse_args()
    if args.command == "run":
        folds = [f if f == "all" else int(f) for f in args.folds.split(",")]
        run(args.name, folds, [int(s) for s in args.seeds.split(",")], args.stop_after, args.threads, args.device)
    elif args.command == "last-epoch":
        print(f"wrote {compare_last_epoch(args.name, args.seed)}")
    elif args.command == "report":
        report(args.out)
    elif args.command == "collect":
        for result in sorted(RUNS.glob("*/seed*/fold*/result.json")):
            name, seed, fold = result.parts[-4:-1]
            if name in EXPERIMENTS and (result.parent / "wall_seconds").exists():
                keep(result.parent, RESULTS / name / seed / f"{fold}.json")
    else:
        for name, (description, overrides) in EXPERIMENTS.items():
            print(f"{name}: {description} {overrides}")


if __name__ == "__main__":
    main()
