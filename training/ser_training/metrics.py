"""The paper's measures: weighted accuracy (overall accuracy), unweighted accuracy (mean of per-class recalls),
the confusion matrix, and the same per corpus."""

import numpy as np


def confusion(truth: list[int], predicted: list[int], classes: int) -> np.ndarray:
    matrix = np.zeros((classes, classes), dtype=np.int64)
    for t, p in zip(truth, predicted):
        matrix[t, p] += 1
    return matrix


def weighted_accuracy(matrix: np.ndarray) -> float:
    return float(np.trace(matrix) / max(1, matrix.sum()))


def unweighted_accuracy(matrix: np.ndarray) -> float:
    """Mean recall over the classes present in the truth."""
    support = matrix.sum(axis=1)
    present = support > 0
    return float(np.mean(np.diag(matrix)[present] / support[present]))


def summarise(truth: list[int], predicted: list[int], corpora: list[str], classes: int) -> dict:
    matrix = confusion(truth, predicted, classes)
    result = {"n": len(truth), "wa": weighted_accuracy(matrix), "ua": unweighted_accuracy(matrix), "confusion": matrix.tolist()}
    result["corpora"] = {}
    for corpus in sorted(set(corpora)):
        idx = [i for i, c in enumerate(corpora) if c == corpus]
        m = confusion([truth[i] for i in idx], [predicted[i] for i in idx], classes)
        result["corpora"][corpus] = {"n": len(idx), "wa": weighted_accuracy(m), "ua": unweighted_accuracy(m)}
    return result
