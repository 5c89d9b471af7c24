"""Scores trained checkpoints on the test speakers of a protocol's part (a fold, or a corpus left out), wideband and
telephone, from a feature cache: how models trained elsewhere (e.g. on the numpy port of the front end) are checked
on the TypeScript front end's own features.

Usage: python3 -m ser_training.evaluate --features DIR --manifest CSV --split fold3|loco-ased [--out RESULT.json] CHECKPOINT...
Several checkpoints are scored as an ensemble: the mean of their class probabilities.
"""

import argparse
import json
from pathlib import Path

import numpy as np

from . import protocols
from .checkpoint import load_checkpoint
from .data import FeatureStore, SpeakerNormalisedStore, read_manifest, select
from .metrics import summarise
from .model import DEFAULT_LABELS
from .train import TrainConfig, predict


def evaluate_checkpoints(checkpoints: list[Path], features: Path, manifest: Path, part: str) -> dict:
    models = [load_checkpoint(c) for c in checkpoints]
    calm = {info.get("train_config", {}).get("calm_as", "") for _, info in models}
    if len(calm) != 1:
        raise SystemExit("the checkpoints were trained on different class sets (calm_as)")
    speaker_norm = {bool(info.get("train_config", {}).get("speaker_norm")) for _, info in models}
    if len(speaker_norm) != 1:
        raise SystemExit("the checkpoints were trained on differently normalised inputs (speaker_norm)")
    utterances = read_manifest(manifest)
    _, _, test = protocols.parse(part).split(select(utterances, DEFAULT_LABELS, calm.pop() or None))
    store = FeatureStore(features)
    if speaker_norm.pop():
        store = SpeakerNormalisedStore(store, utterances)
    result = {"checkpoints": [str(c) for c in checkpoints], "split": part}
    for channel in ("wideband", "telephone"):
        arrays = [store.get(u, channel) for u, _ in test]
        probabilities = np.mean(
            [predict(m, arrays, TrainConfig(**info.get("train_config", {})).segment_frames) for m, info in models], axis=0
        )
        truth = [label for _, label in test]
        r = summarise(truth, probabilities.argmax(1).tolist(), [u.corpus for u, _ in test], len(DEFAULT_LABELS))
        r["predictions"] = [
            {"path": u.path, "truth": label, "probabilities": [round(float(p), 5) for p in probs]}
            for (u, label), probs in zip(test, probabilities)
        ]
        result[channel] = r
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoints", type=Path, nargs="+")
    parser.add_argument("--features", type=Path, required=True)
    parser.add_argument("--manifest", type=Path, required=True)
    parser.add_argument("--split", required=True, help="fold1..fold5 or loco-<corpus>")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    result = evaluate_checkpoints(args.checkpoints, args.features, args.manifest, args.split)
    if args.out:
        args.out.write_text(json.dumps(result))
    print(f"{args.split}: UA {result['wideband']['ua']:.3f} wideband, {result['telephone']['ua']:.3f} telephone")


if __name__ == "__main__":
    main()
