"""ONNX export of a trained AttentionFCN, with everything the runtime needs in the model's metadata_props.

Usage: python3 -m ser_training.export CHECKPOINT OUT.onnx [--lrn plain|native] [--model-id ID] [--metadata-json FILE]
(FILE: a JSON object of extra metadata entries, e.g. the cross-validation figures and the training data's licences.)
"""

import argparse
import copy
import json
import time
import warnings
from pathlib import Path

import onnx
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
    own width) and attention_lengths [batch], each utterance's T'."""

    def __init__(self, model: AttentionFCN):
        super().__init__()
        self.model = model

    def forward(self, features: torch.Tensor, lengths: torch.Tensor):
        logits, alpha, out_lengths = self.model(features, lengths)
        return torch.softmax(logits, dim=1), alpha, out_lengths


def use_native_lrn(model: nn.Module) -> None:
    for name, child in model.named_children():
        if isinstance(child, nn.LocalResponseNorm):
            setattr(model, name, NativeLRN(child))
        else:
            use_native_lrn(child)


def metadata(model: AttentionFCN, model_id: str, extra: dict) -> dict:
    geometry = model.encoder.geometry()
    return {
        "format_version": str(FORMAT_VERSION),
        "model_id": model_id,
        "labels": json.dumps(list(model.config.labels)),
        "encoder": model.config.encoder,
        "attention_lambda": str(model.config.attention_lambda),
        "min_frames": str(model.min_frames()),
        "feature_params": json.dumps(FEATURE_PARAMS),
        # Attention cell j along time is centred on input frame offset + stride * j.
        "time_stride": str(geometry.stride),
        "time_offset": str(geometry.offset),
        "receptive_field": str(geometry.receptive_field),
        "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        **{k: v if isinstance(v, str) else json.dumps(v) for k, v in extra.items()},
    }


def _export(model: AttentionFCN, example: tuple, out: Path) -> None:
    torch.onnx.export(
        Exported(model),
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


def export_onnx(model: AttentionFCN, out: Path, model_id: str, lrn: str = "plain", extra: dict | None = None) -> Path:
    """Exports with dynamic batch and time axes. Inputs: features float32 [batch, T, 200], lengths int64 [batch].
    lrn: 'plain' keeps torch's decomposition of LRN into elementwise ops and pooling, 'native' emits ONNX's LRN."""
    model = copy.deepcopy(model).eval()
    if lrn == "native":
        use_native_lrn(model)
    elif lrn != "plain":
        raise ValueError(f"lrn must be 'plain' or 'native', not {lrn!r}")
    steps = max(model.min_frames(), 64)
    example = (torch.zeros(1, steps, FEATURE_PARAMS["bins"]), torch.tensor([steps]))
    out = Path(out)
    with warnings.catch_warnings():
        # Benign notes of torch 1.13's exporter about the mask arithmetic (strided slices, constant shapes).
        warnings.filterwarnings("ignore", "Constant folding|The shape inference of prim::Constant", UserWarning)
        _export(model, example, out)
    proto = onnx.load(str(out))
    for key, value in metadata(model, model_id, extra or {}).items():
        proto.metadata_props.append(onnx.StringStringEntryProto(key=key, value=value))
    onnx.checker.check_model(proto)
    onnx.save(proto, str(out))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--lrn", choices=["plain", "native"], default="plain")
    parser.add_argument("--model-id", help="defaults to the output file's name without .onnx")
    parser.add_argument("--metadata-json", type=Path, help="a JSON object of extra metadata entries")
    args = parser.parse_args()
    model, info = load_checkpoint(args.checkpoint)
    extra = json.loads(args.metadata_json.read_text()) if args.metadata_json else {}
    if "train_config" in info:
        extra.setdefault("train_config", info["train_config"])
    export_onnx(model, args.out, args.model_id or args.out.stem, args.lrn, extra)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
