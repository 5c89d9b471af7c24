"""Paired comparisons on this data, fold by fold: the paper's (Tables I and II, lambda) and this project's choices.

Each comparison pairs two runs on the test folds (and seeds) both have: the difference of their fold UAs, its mean,
and how many folds favour the first. For scale, the seed noise: how much one fold's UA moves when only the seed
changes, measured on the three-seed run of each protocol (early stopping on validation speakers, or none).
"""

import numpy as np

from .results import fold_ua, load_results, uses_holdout

# (the question, first run, second run); the paper favours the first where it makes the comparison
COMPARISONS = [
    ("Table I: whole utterances (FCN) against the paper's baseline on 2 s segments", "fcn-alexnet-bn", "segments-alexnet-bn"),
    ("Table II: ImageNet initialisation against random (SqueezeNet 1.1 + BN)", "fcn-squeezenet-bn-imagenet", "fcn-squeezenet-bn-random"),
    ("attention lambda 0.3 against 0 (uniform pooling)", "fcn-alexnet-bn", "lambda0-alexnet-bn"),
    ("attention lambda 0.3 against 1", "fcn-alexnet-bn", "lambda1-alexnet-bn"),
    ("batch normalisation against the LRN that the paper's AlexNet has", "fcn-alexnet-bn", "fcn-alexnet-lrn"),
    ("no holdout, final epoch, against early stopping (AlexNet + BN)", "fcn-alexnet-bn-final", "fcn-alexnet-bn"),
    ("the same for SqueezeNet 1.1 + BN, ImageNet initialisation", "fcn-squeezenet-bn-imagenet-final", "fcn-squeezenet-bn-imagenet"),
]
# protocol (does the run keep validation speakers out?) -> (its words, its run with three seeds)
SEED_NOISE_RUNS = {True: ("with a validation holdout", "fcn-alexnet-bn-mixwarp"), False: ("without one", "fcn-alexnet-bn-final")}
CHANNELS = ("wideband", "telephone")


def fold_uas(results: list[dict], leave_out: frozenset) -> dict[tuple[int, int], dict[str, float]]:
    """(seed, test fold) -> UA per channel, in points."""
    return {(r["config"]["seed"], r["test_fold"]): {c: 100 * fold_ua(r, c, leave_out) for c in CHANNELS} for r in results}


def seed_noise(name: str, leave_out: frozenset) -> tuple[float, float, int]:
    """Mean over folds of the standard deviation of a fold's wideband UA across seeds, the largest range, and the
    number of seeds (0 when fewer than two seeds have all five folds)."""
    uas = fold_uas(load_results(name), leave_out)
    seeds = [s for s in {s for s, _ in uas} if all((s, k) in uas for k in range(1, 6))]
    if len(seeds) < 2:
        return 0.0, 0.0, 0
    per_fold = [[uas[(s, k)]["wideband"] for s in seeds] for k in range(1, 6)]
    return float(np.mean([np.std(v, ddof=1) for v in per_fold])), float(max(np.ptp(v) for v in per_fold)), len(seeds)


def reading(means: dict[str, float], noise: float) -> str:
    """A mean difference counts only beyond twice its seed noise (about a 95 % band)."""
    if not noise:
        return "-"
    verdicts = {c: "first higher" if m > 2 * noise else "second higher" if m < -2 * noise else "within noise" for c, m in means.items()}
    if len(set(verdicts.values())) == 1:
        return f"{verdicts['wideband']} on both channels (2 x {noise:.1f})"
    return "; ".join(f"{c}: {v}" for c, v in verdicts.items()) + f" (2 x {noise:.1f})"


def comparisons_section(leave_out: frozenset = frozenset()) -> list[str]:
    lines = ["## Paired comparisons, fold by fold", "",
             "Each row pairs two runs on the test folds both have (seed 1 unless both have more): UA of the first minus",
             "UA of the second, per fold and on average, and the folds that favour the first. For scale, with only the",
             "seed changed one fold's wideband UA moves as below, by protocol. The mean difference over n folds of two",
             "one-seed runs then has a seed noise of about sqrt((sd1^2 + sd2^2) / n), sd1 and sd2 being the two runs'",
             "protocols' fold standard deviations (folds taken as independent); the reading column holds the mean",
             "difference against twice that noise.", ""]  # fmt: skip
    fold_sd = {}
    for holdout, (protocol, name) in SEED_NOISE_RUNS.items():
        sd, widest, seeds = seed_noise(name, leave_out)
        fold_sd[holdout] = sd
        if seeds:
            lines.append(f"- {protocol} ({name}, {seeds} seeds): up to {widest:.1f} points, standard deviation {sd:.1f} on average over folds.")
    lines += ["", "| comparison | first - second | folds | wideband difference per fold | mean wideband | mean telephone | folds favouring the first (wideband / telephone) | reading |",
              "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for question, first, second in COMPARISONS:
        runs = [load_results(first), load_results(second)]
        a, b = (fold_uas(results, leave_out) for results in runs)
        pairs = sorted(set(a) & set(b))
        if not pairs:
            lines.append(f"| {question} | {first} - {second} | none | | | | | |")
            continue
        diff = {c: [a[p][c] - b[p][c] for p in pairs] for c in CHANNELS}
        means = {c: float(np.mean(diff[c])) for c in CHANNELS}
        per_fold = ", ".join(f"{d:+.1f}" for d in diff["wideband"])
        folds = ", ".join(str(k) for _, k in pairs) + (f" (seeds {sorted({s for s, _ in pairs})})" if len({s for s, _ in pairs}) > 1 else "")
        wins = " / ".join(f"{sum(d > 0 for d in diff[c])} of {len(pairs)}" for c in CHANNELS)
        sds = [fold_sd[uses_holdout(results)] for results in runs]
        noise = float(np.sqrt((sds[0] ** 2 + sds[1] ** 2) / len(pairs))) if all(sds) else 0.0
        lines.append(f"| {question} | {first} - {second} | {folds} | {per_fold} | {means['wideband']:+.1f} | "
                     f"{means['telephone']:+.1f} | {wins} | {reading(means, noise)} |")  # fmt: skip
    return lines + [""]
