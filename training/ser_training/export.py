"""ONNX export of a trained AttentionFCN, with everything the runtime needs in the model's metadata_props.

Usage: python3 -m ser_training.export CHECKPOINT... OUT.onnx [--lrn plain|native] [--model-id ID] [--metadata-json FILE]
       [--temperature T]
(FILE: a JSON object of extra metadata entries, e.g. the cross-validation figures and the training data's licences;
T: the calibration temperature the runtime applies, ser_training.calibration.)
Several checkpoints make one ensemble model: the mean of the members' probabilities and of their attention maps
(members may differ in encoder, normalisation and pooling, but their attention maps must have the same cells).
"""

import argparse
import copy
import json
import time
import warnings
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper
import torch
from torch import nn

from .checkpoint import load_checkpoint
from .features import FEATURE_PARAMS
from .model import AttentionFCN

OPSET = 17
FORMAT_VERSION = 1


class _NativeLRN(torch.autograd.Function):
    """Exports as the ONNX LRN operator. Its b = a / (bias + alpha / size * sum a^2) ^ beta over floor((size-1)/2)
    channels before and ceil((size-1)/2) after is torch's LocalResponseNorm exactly."""

    @staticmethod
    def forward(ctx, x, size: int, alpha: float, beta: float, k: float):
        return nn.functional.local_response_norm(x, size, alpha, beta, k)

    @staticmethod
    def symbolic(g, x, size, alpha, beta, k):
        return g.op("LRN", x, size_i=size, alpha_f=alpha, beta_f=beta, bias_f=k)


class NativeLRN(nn.Module):
    def __init__(self, lrn: nn.LocalResponseNorm):
        super().__init__()
        self.args = (lrn.size, lrn.alpha, lrn.beta, lrn.k)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _NativeLRN.apply(x, *self.args)


class Exported(nn.Module):
    """The runtime's outputs: probabilities [batch, classes], attention [batch, F', T'] (zero past each utterance's
    own width) and attention_lengths [batch], each utterance's T'; for an ensemble, the members' means."""

    def __init__(self, models: list[AttentionFCN]):
        super().__init__()
        self.members = nn.ModuleList(models)

    def forward(self, features: torch.Tensor, lengths: torch.Tensor):
        probabilities, attention = [], []
        for model in self.members:
            logits, alpha, out_lengths = model(features, lengths)
            probabilities.append(torch.softmax(logits, dim=1))
            attention.append(alpha)
        return torch.stack(probabilities).mean(0), torch.stack(attention).mean(0), out_lengths


def use_native_lrn(model: nn.Module) -> None:
    for name, child in model.named_children():
        if isinstance(child, nn.LocalResponseNorm):
            setattr(model, name, NativeLRN(child))
        else:
            use_native_lrn(child)


def check_ensemble(models: list[AttentionFCN]) -> None:
    """Members may differ in encoder, normalisation and pooling, but their attention maps are averaged cell by cell,
    so they must put out the same grid (cells centred on the same input frames) for every input length."""

    def shared(m: AttentionFCN) -> tuple:
        geometry = m.encoder.geometry()
        return m.config.labels, m.config.attention_lambda, geometry.stride, geometry.offset, m.min_frames()

    def grid(m: AttentionFCN, frames: int) -> tuple:
        with torch.no_grad():
            _, alpha, lengths = m(torch.zeros(1, frames, FEATURE_PARAMS["bins"]), torch.tensor([frames]))
        return tuple(alpha.shape), lengths.tolist()

    if any(shared(m) != shared(models[0]) for m in models[1:]):
        raise ValueError("ensemble members must share labels, attention lambda and the attention grid's time stride, offset and minimum length")
    probes = (models[0].min_frames(), 300)
    reference = [grid(models[0], n) for n in probes]
    if any([grid(m, n) for n in probes] != reference for m in models[1:]):
        raise ValueError("ensemble members must put out attention maps of the same shape")


def per_member(values: list[str]) -> str:
    """One value where every member has it, else each member's in order, joined by '+'."""
    return values[0] if len(set(values)) == 1 else "+".join(values)


def metadata(models: list[AttentionFCN], model_id: str, extra: dict) -> dict:
    model = models[0]
    geometry = model.encoder.geometry()
    return {
        "format_version": str(FORMAT_VERSION),
        "model_id": model_id,
        "labels": json.dumps(list(model.config.labels)),
        "encoder": per_member([m.config.encoder for m in models]),
        "attention_lambda": str(model.config.attention_lambda),
        "norm": per_member([m.config.norm for m in models]),
        "pooling": per_member([m.config.pooling for m in models]),
        # "true": the network shifts each utterance to unit mean power itself (model.utterance_level)
        "level_norm": per_member([str(m.config.level_norm).lower() for m in models]),
        "ensemble_size": str(len(models)),
        "min_frames": str(model.min_frames()),
        "feature_params": json.dumps(FEATURE_PARAMS),
        # Attention cell j along time is centred on input frame offset + stride * j; its value depends on at most
        # receptive_field input frames (the widest member's).
        "time_stride": str(geometry.stride),
        "time_offset": str(geometry.offset),
        "receptive_field": str(max(m.encoder.geometry().receptive_field for m in models)),
        "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        **{k: v if isinstance(v, str) else json.dumps(v) for k, v in extra.items()},
    }


def _export(models: list[AttentionFCN], example: tuple, out: Path) -> None:
    torch.onnx.export(
        Exported(models),
        example,
        str(out),
        opset_version=OPSET,
        input_names=["features", "lengths"],
        output_names=["probabilities", "attention", "attention_lengths"],
        dynamic_axes={
            "features": {0: "batch", 1: "frames"},
            "lengths": {0: "batch"},
            "probabilities": {0: "batch"},
            "attention": {0: "batch", 2: "cells"},
            "attention_lengths": {0: "batch"},
        },
    )


def store_weights_fp16(proto: onnx.ModelProto, min_size: int = 1024) -> None:
    """Keeps large float32 initializers as float16 followed by a Cast back to float32: half the file, and the same
    float32 arithmetic at run time (onnxruntime folds the casts once, when it loads the model). Weight rounding
    is below 1e-3 relative."""
    graph = proto.graph
    casts = []
    for init in graph.initializer:
        if init.data_type != onnx.TensorProto.FLOAT or int(np.prod(init.dims)) < min_size:
            continue
        values = numpy_helper.to_array(init).astype(np.float16)
        name = init.name
        init.CopyFrom(numpy_helper.from_array(values, name + "_fp16"))
        casts.append(onnx.helper.make_node("Cast", [name + "_fp16"], [name], to=onnx.TensorProto.FLOAT))
    for node in reversed(casts):
        graph.node.insert(0, node)


def export_onnx(
    model: AttentionFCN | list[AttentionFCN],
    out: Path,
    model_id: str,
    lrn: str = "plain",
    extra: dict | None = None,
    fp16_weights: bool = False,
) -> Path:
    """Exports one model or an ensemble with dynamic batch and time axes. Inputs: features float32 [batch, T, 200],
    lengths int64 [batch]. lrn: 'plain' keeps torch's decomposition of LRN into elementwise ops and pooling,
    'native' emits ONNX's LRN. fp16_weights: see store_weights_fp16."""
    models = [copy.deepcopy(m).eval() for m in (model if isinstance(model, list) else [model])]
    check_ensemble(models)
    if lrn not in ("plain", "native"):
        raise ValueError(f"lrn must be 'plain' or 'native', not {lrn!r}")
    if lrn == "native":
        for m in models:
            use_native_lrn(m)
    steps = max(models[0].min_frames(), 64)
    example = (torch.zeros(1, steps, FEATURE_PARAMS["bins"]), torch.tensor([steps]))
    out = Path(out)
    with warnings.catch_warnings():
        # Benign notes of torch 1.13's exporter about the mask arithmetic (strided slices, constant shapes).
        warnings.filterwarnings("ignore", "Constant folding|The shape inference of prim::Constant", UserWarning)
        _export(models, example, out)
    proto = onnx.load(str(out))
    if fp16_weights:
        store_weights_fp16(proto)
    for key, value in metadata(models, model_id, extra or {}).items():
        proto.metadata_props.append(onnx.StringStringEntryProto(key=key, value=value))
    onnx.checker.check_model(proto)
    onnx.save(proto, str(out))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoints", type=Path, nargs="+")
    parser.add_argument("out", type=Path)
    parser.add_argument("--lrn", choices=["plain", "native"], default="plain")
    parser.add_argument("--model-id", help="defaults to the output file's name without .onnx")
    parser.add_argument("--fp16-weights", action="store_true", help="store weights as float16 (half the file)")
    parser.add_argument("--metadata-json", type=Path, help="a JSON object of extra metadata entries")
    parser.add_argument("--temperature", type=float, help="calibration temperature (ser_training.calibration)")
    args = parser.parse_args()
    if args.temperature is not None and not args.temperature > 0:
        parser.error("--temperature must be above 0")
    loaded = [load_checkpoint(c) for c in args.checkpoints]
    extra = json.loads(args.metadata_json.read_text()) if args.metadata_json else {}
    configs = [info["train_config"] for _, info in loaded if "train_config" in info]
    if any(c.get("speaker_norm") for c in configs):
        raise SystemExit("a speaker-normalised model needs each caller's feature statistics, which the plugin does not compute")
    if configs:
        extra.setdefault("train_config", configs[0] if len(configs) == 1 else configs)
    if args.temperature is not None:
        extra["temperature"] = str(args.temperature)
    export_onnx([m for m, _ in loaded], args.out, args.model_id or args.out.stem, args.lrn, extra, args.fp16_weights)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
