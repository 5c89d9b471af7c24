"""The paper's comparisons on this data, fold by fold.

Each comparison pairs two runs on the test folds (and seeds) both have: the difference of their fold UAs, its mean,
and how many folds favour the first. For scale, the seed noise: how much one fold's UA moves when only the seed
changes, measured on the three-seed runs of each protocol (early stopping on validation speakers, or none).
"""

import numpy as np

from .experiments import fold_ua, load_results

# (the question, first run, second run); the paper favours the first except where the question says otherwise.
# The seed noise of the first protocol is the yardstick of every comparison, as every run compared has a holdout.
COMPARISONS = [
    ("Table I: whole utterances (FCN) against the paper's baseline on 2 s segments", "fcn-alexnet-bn", "segments-alexnet-bn"),
    ("Table II: ImageNet initialisation against random (SqueezeNet 1.1 + BN)", "fcn-squeezenet-bn-imagenet", "fcn-squeezenet-bn-random"),
    ("attention lambda 0.3 against 0 (uniform pooling)", "fcn-alexnet-bn", "lambda0-alexnet-bn"),
    ("attention lambda 0.3 against 1", "fcn-alexnet-bn", "lambda1-alexnet-bn"),
    ("batch normalisation against the LRN that the paper's AlexNet has", "fcn-alexnet-bn", "fcn-alexnet-lrn"),
]
# (protocol, its run with three seeds)
SEED_NOISE_RUNS = [("with a validation holdout", "fcn-alexnet-bn-mixwarp"), ("without one", "fcn-alexnet-bn-final")]
CHANNELS = ("wideband", "telephone")


def fold_uas(name: str, leave_out: frozenset) -> dict[tuple[int, int], dict[str, float]]:
    """(seed, test fold) -> UA per channel, in points."""
    return {(r["config"]["seed"], r["test_fold"]): {c: 100 * fold_ua(r, c, leave_out) for c in CHANNELS} for r in load_results(name)}


def seed_noise(name: str, leave_out: frozenset) -> tuple[float, float, int]:
    """Mean over folds of the standard deviation of a fold's wideband UA across seeds, the largest range, and the
    number of seeds (0 when fewer than two seeds have all five folds)."""
    uas = fold_uas(name, leave_out)
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
    lines = ["## The paper's comparisons, fold by fold", "",
             "Each row pairs two runs on the test folds both have (seed 1 unless both have more): UA of the first minus",
             "UA of the second, per fold and on average, and the folds that favour the first. For scale, with only the",
             "seed changed, one fold's wideband UA moves as follows; a mean difference over n folds of two one-seed",
             "runs then carries a seed noise of about sqrt(2/n) times the fold's standard deviation (folds taken as",
             "independent). Every run compared below stops early on validation speakers, so the reading column holds a",
             "mean difference against twice that noise for the holdout protocol.", ""]  # fmt: skip
    fold_sd = {}
    for protocol, name in SEED_NOISE_RUNS:
        sd, widest, seeds = seed_noise(name, leave_out)
        fold_sd[protocol] = sd
        if seeds:
            lines.append(f"- {protocol} ({name}, {seeds} seeds): up to {widest:.1f} points, standard deviation {sd:.1f} on "
                         f"average over folds; noise of a five-fold mean difference about {sd * np.sqrt(2 / 5):.1f} points.")  # fmt: skip
    lines += ["", "| comparison | first - second | folds | wideband difference per fold | mean wideband | mean telephone | folds favouring the first (wideband / telephone) | reading |",
              "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for question, first, second in COMPARISONS:
        a, b = fold_uas(first, leave_out), fold_uas(second, leave_out)
        pairs = sorted(set(a) & set(b))
        if not pairs:
            lines.append(f"| {question} | {first} - {second} | none | | | | | |")
            continue
        diff = {c: [a[p][c] - b[p][c] for p in pairs] for c in CHANNELS}
        means = {c: float(np.mean(diff[c])) for c in CHANNELS}
        per_fold = ", ".join(f"{d:+.1f}" for d in diff["wideband"])
        folds = ", ".join(str(k) for _, k in pairs) + (f" (seeds {sorted({s for s, _ in pairs})})" if len({s for s, _ in pairs}) > 1 else "")
        wins = " / ".join(f"{sum(d > 0 for d in diff[c])} of {len(pairs)}" for c in CHANNELS)
        noise = fold_sd[SEED_NOISE_RUNS[0][0]] * np.sqrt(2 / len(pairs))
        lines.append(f"| {question} | {first} - {second} | {folds} | {per_fold} | {means['wideband']:+.1f} | "
                     f"{means['telephone']:+.1f} | {wins} | {reading(means, noise)} |")  # fmt: skip
    return lines + [""]
