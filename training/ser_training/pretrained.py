"""ImageNet initialisation of the encoders (the paper's transfer learning, Sec. 3.3). The first convolution of an
image network reads three colour channels; the spectrogram has one, so its kernels are summed over colour, which is
what the network would compute on a grey image with R = G = B = the spectrogram."""

import json
from pathlib import Path

import numpy as np
import torch

from .encoders import alexnet_convs
from .layers import Fire
from .model import AttentionFCN

# The Keras port's names of squeezenet1_1_encoder()'s fire modules, in order.
SQUEEZENET_FIRES = ("fire2", "fire3", "fire4", "fire5", "fire6", "fire7", "fire8", "fire9")


def _copy(param: torch.nn.Parameter, value: torch.Tensor, name: str) -> None:
    if tuple(param.shape) != tuple(value.shape):
        raise ValueError(f"{name}: pretrained shape {tuple(value.shape)} does not fit {tuple(param.shape)}")
    with torch.no_grad():
        param.copy_(value)


def _conv_from_rgb(kernel: torch.Tensor) -> torch.Tensor:
    return kernel.sum(dim=1, keepdim=True)


def read_tfjs_layers_weights(folder: Path) -> dict:
    """Tensors of a TensorFlow.js layers model (model.json + binary shards, float32 in manifest order)."""
    folder = Path(folder)
    manifest = json.loads((folder / "model.json").read_text())["weightsManifest"]
    tensors = {}
    for group in manifest:
        data = b"".join((folder / p).read_bytes() for p in group["paths"])
        offset = 0
        for spec in group["weights"]:
            if spec.get("dtype", "float32") != "float32":
                raise ValueError(f"{spec['name']}: unsupported dtype {spec['dtype']}")
            count = int(np.prod(spec["shape"])) if spec["shape"] else 1
            array = np.frombuffer(data, dtype="<f4", count=count, offset=offset).reshape(spec["shape"])
            tensors[spec["name"]] = torch.from_numpy(array.copy())
            offset += 4 * count
        if offset != len(data):
            raise ValueError(f"{folder}: shards hold {len(data)} bytes, the manifest describes {offset}")
    return tensors


def _keras_kernel(kernel: torch.Tensor) -> torch.Tensor:
    """Keras [kh, kw, in, out] -> PyTorch [out, in, kh, kw]."""
    return kernel.permute(3, 2, 0, 1).contiguous()


def load_squeezenet1_1_imagenet(model: AttentionFCN, folder: Path) -> None:
    """Initialises a squeezenet1_1 encoder from the Keras port's ImageNet weights in TensorFlow.js format."""
    if model.config.encoder != "squeezenet1_1":
        raise ValueError(f"SqueezeNet weights need the squeezenet1_1 encoder, not {model.config.encoder}")
    tensors = read_tfjs_layers_weights(folder)
    encoder = model.encoder
    conv1 = encoder[0].layer
    _copy(conv1.weight, _conv_from_rgb(_keras_kernel(tensors["conv1/kernel"])), "conv1")
    _copy(conv1.bias, tensors["conv1/bias"], "conv1/bias")
    for fire, module in zip(SQUEEZENET_FIRES, [b for b in encoder if isinstance(b, Fire)], strict=True):
        for part in ("squeeze1x1", "expand1x1", "expand3x3"):
            conv = getattr(module, part)
            if conv is None:  # fire9's absent expand1x1
                continue
            _copy(conv.weight, _keras_kernel(tensors[f"{fire}/{part}/kernel"]), f"{fire}/{part}")
            _copy(conv.bias, tensors[f"{fire}/{part}/bias"], f"{fire}/{part}/bias")


def load_torchvision_alexnet(model: AttentionFCN, state_dict) -> None:
    """Initialises the alexnet encoder from a torchvision AlexNet state dict (a dict or a path to a .pth file)."""
    if model.config.encoder != "alexnet":
        raise ValueError(f"AlexNet weights need the alexnet encoder, not {model.config.encoder}")
    if not isinstance(state_dict, dict):
        state_dict = torch.load(state_dict, map_location="cpu")
    for i, (conv, theirs) in enumerate(zip(alexnet_convs(model.encoder), (0, 3, 6, 8, 10))):
        weight = state_dict[f"features.{theirs}.weight"]
        _copy(conv.weight, _conv_from_rgb(weight) if i == 0 else weight, f"features.{theirs}.weight")
        _copy(conv.bias, state_dict[f"features.{theirs}.bias"], f"features.{theirs}.bias")
