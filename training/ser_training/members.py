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


def members_from_onnx(path: Path) -> list[tuple[AttentionFCN, dict]]:
    """(model, train_config) per member, in the file's order."""
    proto = onnx.load(str(path))
    props = {p.key: p.value for p in proto.metadata_props}
    values = _values(proto.graph)
    # torch's exporter names a Linear layer's transposed weight anonymously: find it as its MatMul node's input.
    matmul_inputs = {node.name: node.input[1] for node in proto.graph.node if node.op_type == "MatMul"}
    members = []
    for k, train in enumerate(_member_configs(props)):
        config = ModelConfig(
            encoder=props["encoder"],
            labels=tuple(json.loads(props["labels"])),
            attention_lambda=float(props["attention_lambda"]),
            # Files exported before "norm" and "pooling" were in the metadata have them in each member's train_config.
            **{key: props.get(key, train.get(key)) for key in ("norm", "pooling") if key in props or key in train},
        )
        model = AttentionFCN(config)
        state = model.state_dict()
        for key, tensor in state.items():
            if key.endswith("num_batches_tracked"):
                continue  # training-only counter, not exported
            module, _, param = key.rpartition(".")
            named = f"members.{k}.{key}"
            anonymous = matmul_inputs.get(f"/members.{k}/{module.replace('.', '/')}/MatMul") if param == "weight" else None
            if named in values:
                value = values[named]
            elif anonymous in values:
                value = values[anonymous].T
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
