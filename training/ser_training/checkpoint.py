"""Checkpoints: the model's config and weights, plus whatever the trainer wants to keep (epoch, metrics, metadata)."""

from pathlib import Path

import torch

from .model import AttentionFCN, ModelConfig


def save_checkpoint(path: Path, model: AttentionFCN, **info) -> None:
    path = Path(path)
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save({"config": model.config.to_dict(), "state_dict": model.state_dict(), **info}, tmp)
    tmp.replace(path)  # never leave a half-written checkpoint behind


def load_checkpoint(path: Path) -> tuple[AttentionFCN, dict]:
    # Our own files hold plain Python and numpy values beside the tensors (metrics, configs): not weights only.
    data = torch.load(Path(path), map_location="cpu", weights_only=False)
    model = AttentionFCN(ModelConfig.from_dict(data.pop("config")))
    model.load_state_dict(data.pop("state_dict"))
    return model, data
