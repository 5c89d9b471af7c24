"""Calibration of the final probabilities: expected calibration error, the routing rule's precision and recall, and a
temperature fitted without the corpus it is judged on.

The temperature T maps probabilities p to p^(1/T) / sum p^(1/T) (softmax(logits / T) for one network; for an
ensemble, the same power of the members' mean), as the runtime applies metadata `temperature`
(src/model/emotionModel.ts). A model meets callers from corpora it never heard, so T is fitted where the model's
situation is the same: on leave-one-corpus-out predictions. For the corpus left out in part k, T comes from the other
parts' predictions only (no label of corpus k is used); the shipped model takes T from all five parts.
"""

import numpy as np
from scipy.optimize import minimize_scalar

from .data import DEFAULT_LABELS

ANGRY = DEFAULT_LABELS.index("angry")


def tempered(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    logp = np.log(np.clip(probabilities, 1e-12, 1.0)) / temperature
    logp -= logp.max(axis=1, keepdims=True)
    p = np.exp(logp)
    return p / p.sum(axis=1, keepdims=True)


def expected_calibration_error(probabilities: np.ndarray, truth: np.ndarray, bins: int = 15) -> float:
    """Guo et al. (2017): predictions binned by confidence (their top probability) into equal-width bins; the
    count-weighted mean of |accuracy - mean confidence| per bin."""
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == truth
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    error = 0.0
    for b in range(bins):
        inside = which == b
        if inside.any():
            error += inside.mean() * abs(correct[inside].mean() - confidence[inside].mean())
    return float(error)


def fit_temperature(probabilities: np.ndarray, truth: np.ndarray) -> float:
    """The T in [0.05, 20] that minimises the negative log-likelihood of the truth."""
    nll = lambda t: -np.mean(np.log(tempered(probabilities, t)[np.arange(len(truth)), truth] + 1e-12))  # noqa: E731
    return float(minimize_scalar(nll, bounds=(0.05, 20.0), method="bounded").x)


def routing(probabilities: np.ndarray, truth: np.ndarray, threshold: float = 0.6) -> dict:
    """The README's rule, angry when P(angry) >= threshold: its precision and recall for angry."""
    flagged = probabilities[:, ANGRY] >= threshold
    angry = truth == ANGRY
    return {"precision": float((flagged & angry).sum() / max(1, flagged.sum())), "recall": float((flagged & angry).sum() / max(1, angry.sum())),
            "flagged": int(flagged.sum())}  # fmt: skip


def loco_calibration(parts: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict:
    """parts: corpus left out -> (probabilities, truth) of its test utterances. ECE and routing before and after a
    temperature fitted, for each corpus, on the other corpora's parts; and the temperature from all parts (for a
    model trained on every corpus)."""
    corpora = sorted(parts)
    raw_p = np.concatenate([parts[c][0] for c in corpora])
    truth = np.concatenate([parts[c][1] for c in corpora])
    nested, temperatures = [], {}
    for c in corpora:
        others = [o for o in corpora if o != c]
        t = fit_temperature(np.concatenate([parts[o][0] for o in others]), np.concatenate([parts[o][1] for o in others]))
        temperatures[c] = t
        nested.append(tempered(parts[c][0], t))
    nested_p = np.concatenate(nested)
    return {
        "ece": expected_calibration_error(raw_p, truth),
        "ece_tempered": expected_calibration_error(nested_p, truth),
        "routing": routing(raw_p, truth),
        "routing_tempered": routing(nested_p, truth),
        "temperatures": temperatures,
        "temperature_all": fit_temperature(raw_p, truth),
    }
