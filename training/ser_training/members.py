"""The member networks of an exported model (ser_training.export), recovered as checkpoints: an ensemble that was
shipped can take new members without its old checkpoints having been kept.

Usage: python3 -m ser_training.members MODEL.onnx OUT_DIR  (writes OUT_DIR/member1.pt, member2.pt, ...)
The weights are those of the file: float16-stored weights come back rounded as they were shipped, so exporting the
recovered members again (with --fp16-weights) gives the same network.
"""

import argparse
import json
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch import nn

from .checkpoint import save_checkpoint
from .model import AttentionFCN, ModelConfig


class MemberRecoveryError(ValueError):
    pass


def _values(graph: onnx.GraphProto) -> dict[str, np.ndarray]:
    """Every constant tensor by the name the graph uses: float16-stored weights read through their Cast to float32,
    and tensors that torch's exporter stored once for several members (equal values) through their Identity."""
    values = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    for node in graph.node:
        if node.op_type == "Cast" and node.input[0] in values:
            values[node.output[0]] = values[node.input[0]].astype(np.float32)
        elif node.op_type == "Identity" and node.input[0] in values:
            values[node.output[0]] = values[node.input[0]]
    return values


def _member_configs(props: dict[str, str]) -> list[dict]:
    size = int(props.get("ensemble_size", "1"))
    train = json.loads(props["train_config"]) if "train_config" in props else [{}] * size
    train = train if isinstance(train, list) else [train]
    if len(train) != size:
        raise MemberRecoveryError(f"metadata has {len(train)} train_config entries for an ensemble of {size}")
    return train


def _of_member(props: dict[str, str], key: str, k: int, size: int) -> str:
    """Member k's value of an entry that is either shared or one value per member joined by '+' (export.per_member)."""
    values = props[key].split("+")
    if len(values) not in (1, size):
        raise MemberRecoveryError(f"metadata {key!r} has {len(values)} values for an ensemble of {size}")
    return values[k if len(values) == size else 0]


def _anonymous_inputs(graph: onnx.GraphProto) -> dict[str, list[str]]:
    """The inputs of MatMul and Conv nodes, by module (state_dict prefix) and op, e.g.
    'members.0.encoder.4.squeeze1x1/Conv'. torch's exporter stores two kinds of weight anonymously: a Linear layer's
    transposed weight, and a convolution with the batch normalisation after it folded in. It scopes a node by
    attribute names ('attention/project') or by the path from the parent ('encoder/encoder.4')."""
    found = {}
    for node in graph.node:
        if node.op_type not in ("MatMul", "Conv"):
            continue
        module = ""
        for part in node.name.strip("/").split("/")[:-1]:
            parent, _, last = module.rpartition(".")
            if module and not part.startswith(last + "."):
                module = f"{module}.{part}"
            else:  # the first scope, or one that restates its parent's name ('encoder' then 'encoder.4')
                module = f"{parent}.{part}" if parent else part
        found[f"{module}/{node.op_type}"] = list(node.input)
    return found


CONV_INPUT = {"weight": 1, "bias": 2}  # a Conv node's inputs: X, W, B


def _identity(norm: nn.BatchNorm2d) -> dict[str, torch.Tensor]:
    """A batch normalisation that passes its input through: what is left of one folded into its convolution."""
    ones, zeros = torch.ones_like(norm.weight), torch.zeros_like(norm.weight)
    return {"weight": ones, "bias": zeros, "running_mean": zeros, "running_var": ones - norm.eps}


def members_from_onnx(path: Path) -> list[tuple[AttentionFCN, dict]]:
    """(model, train_config) per member, in the file's order."""
    proto = onnx.load(str(path))
    props = {p.key: p.value for p in proto.metadata_props}
    if "quantization" in props:
        raise MemberRecoveryError(f"{path} is quantised ({props['quantization']}): recover the members from its float source")
    values = _values(proto.graph)
    anonymous = _anonymous_inputs(proto.graph)
    members = []
    configs = _member_configs(props)
    for k, train in enumerate(configs):
        config = ModelConfig(
            encoder=_of_member(props, "encoder", k, len(configs)),
            labels=tuple(json.loads(props["labels"])),
            attention_lambda=float(props["attention_lambda"]),
            # Files exported before "norm" and "pooling" were in the metadata have them in each member's train_config.
            **{key: _of_member(props, key, k, len(configs)) if key in props else train[key] for key in ("norm", "pooling") if key in props or key in train},
            level_norm=_of_member(props, "level_norm", k, len(configs)) == "true" if "level_norm" in props else False,
        )
        model = AttentionFCN(config)
        modules = dict(model.named_modules())
        state = model.state_dict()
        for key, tensor in state.items():
            if key.endswith("num_batches_tracked"):
                continue  # training-only counter, not exported
            module, _, param = key.rpartition(".")
            named, matmul, conv = f"members.{k}.{key}", anonymous.get(f"members.{k}.{module}/MatMul"), anonymous.get(f"members.{k}.{module}/Conv")
            if named in values:
                value = values[named]
            elif param == "weight" and matmul and matmul[1] in values:
                value = values[matmul[1]].T
            elif param in ("weight", "bias") and conv and conv[CONV_INPUT[param]] in values:
                value = values[conv[CONV_INPUT[param]]]
            elif isinstance(modules[module], nn.BatchNorm2d) and not any(f"members.{k}.{module}.{p}" in values for p in ("weight", "running_mean")):
                value = _identity(modules[module])[param].numpy()
            else:
                raise MemberRecoveryError(f"{path}: member {k} has no tensor for {key}")
            if tuple(value.shape) != tuple(tensor.shape):
                raise MemberRecoveryError(f"{path}: member {k} {key} has shape {value.shape}, the model expects {tuple(tensor.shape)}")
            state[key] = torch.tensor(value, dtype=torch.float32)
        model.load_state_dict(state)
        members.append((model.eval(), train))
    return members


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", type=Path)
    parser.add_argument("out_dir", type=Path)
    args = parser.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for k, (model, train) in enumerate(members_from_onnx(args.model), start=1):
        out = args.out_dir / f"member{k}.pt"
        save_checkpoint(out, model, train_config=train, source=str(args.model))
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
