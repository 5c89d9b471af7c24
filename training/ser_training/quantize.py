"""int8 static quantisation of an exported model (onnxruntime.quantization), calibrated on training-corpus utterances.

The convolutions (almost all of the network's arithmetic) get int8 weights, per output channel, and uint8
activations whose ranges are the min/max observed on the calibration utterances (QDQ format, which onnxruntime runs
as integer convolutions); the attention pooling, the classifier and the masking stay float32. Calibration draws
utterances of the model's own training corpora only (a fixed draw, seed 0, over the classes), through the wideband
and the telephone channel alternately, as the runtime sees both; never the corpus a leave-one-corpus-out model is
judged on. The model's metadata is kept, with `quantization` saying how and `-int8` added to its model_id, so the
runtime needs nothing new.

Usage (in the evaluation environment, training/.venv):
  .venv/bin/python -m ser_training.quantize MODEL.onnx OUT.onnx [--corpora emodb,ravdess,savee] [--per-corpus 100]
"""

import argparse
import random
import tempfile
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process

from .data import DEFAULT_LABELS, FeatureStore, Utterance, read_manifest, select
from .paths import FEATURES, MANIFEST

CHANNELS = ("wideband", "telephone")


def calibration_draw(utterances: list[Utterance], corpora: list[str], per_corpus: int, seed: int = 0) -> list[Utterance]:
    """per_corpus utterances of each corpus, dealt round-robin over its classes (as evenly as the corpus allows)."""
    rng = random.Random(seed)
    chosen = []
    for corpus in corpora:
        by_class: dict[int, list[Utterance]] = {}
        for u, label in select([u for u in utterances if u.corpus == corpus], DEFAULT_LABELS, None):
            by_class.setdefault(label, []).append(u)
        if not by_class:
            raise SystemExit(f"no four-class utterances of corpus {corpus!r} in the manifest")
        pools = [rng.sample(v, len(v)) for _, v in sorted(by_class.items())]
        taken = 0
        while taken < per_corpus and any(pools):
            for pool in pools:
                if pool and taken < per_corpus:
                    chosen.append(pool.pop())
                    taken += 1
    return chosen


class SpectrogramReader(CalibrationDataReader):
    """Feeds the model's two inputs, one utterance at a time (the inputs' lengths vary, as in deployment)."""

    def __init__(self, store: FeatureStore, utterances: list[Utterance]):
        self.items = iter(enumerate(utterances))
        self.store = store

    def get_next(self):
        item = next(self.items, None)
        if item is None:
            return None
        i, u = item
        x = self.store.get(u, CHANNELS[i % 2]).astype(np.float32)[None]
        return {"features": x, "lengths": np.array([x.shape[1]], dtype=np.int64)}


def quantize(model: Path, out: Path, store: FeatureStore, calibration: list[Utterance], corpora: list[str]) -> None:
    done = [p.value for p in onnx.load(str(model), load_external_data=False).metadata_props if p.key == "quantization"]
    if done:
        raise SystemExit(f"{model} is already quantised: {done[0]}")
    with tempfile.TemporaryDirectory() as tmp:
        # Shape inference and graph optimisation first, as onnxruntime advises for static quantisation; the
        # symbolic pass is skipped (it needs sympy, and the model's only dynamic sizes are batch and frames).
        prepared = Path(tmp) / "prepared.onnx"
        quant_pre_process(str(model), str(prepared), skip_symbolic_shape=True)
        quantize_static(
            str(prepared),
            str(out),
            SpectrogramReader(store, calibration),
            quant_format=QuantFormat.QDQ,
            op_types_to_quantize=["Conv"],
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            calibrate_method=CalibrationMethod.MinMax,
        )
    proto = onnx.load(str(out))
    note = (
        f"int8 static (onnxruntime {onnxruntime.__version__}, QDQ): convolutions with per-channel int8 "
        f"weights and uint8 activations, min/max ranges from {len(calibration)} utterances of {', '.join(corpora)} "
        "(seed 0, wideband and telephone alternately)"
    )
    proto.metadata_props.append(onnx.StringStringEntryProto(key="quantization", value=note))
    # Events name the model that scored them (modelId): a quantised model answers a little differently from its source.
    for p in proto.metadata_props:
        if p.key == "model_id":
            p.value += "-int8"
    onnx.save(proto, str(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--corpora", default="emodb,ravdess,savee", help="the model's training corpora")
    parser.add_argument("--per-corpus", type=int, default=100)
    parser.add_argument("--features", type=Path, default=FEATURES)
    parser.add_argument("--manifest", type=Path, default=MANIFEST)
    args = parser.parse_args()
    corpora = args.corpora.split(",")
    calibration = calibration_draw(read_manifest(args.manifest), corpora, args.per_corpus)
    quantize(args.model, args.out, FeatureStore(args.features), calibration, corpora)
    print(f"{args.out}: {args.out.stat().st_size / 1e6:.1f} MB, calibrated on {len(calibration)} utterances")


if __name__ == "__main__":
    main()
