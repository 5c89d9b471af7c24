"""Writes a random-weight model and PyTorch's outputs for it, for the TypeScript/onnxruntime parity test.

Usage: python3 -m ser_training.parity OUT_DIR [--encoder alexnet|squeezenet1_1] [--norm lrn|batch] [--pooling attention|attention_stats] [--lengths 31,300,3000] [--lrn native]
Writes OUT_DIR/model.onnx and, per length T, input_T.npy [T, 200], probabilities_T.npy [classes] and
attention_T.npy [F', T'], each utterance run alone. Inputs shorter than the model's minimum are scored as the runtime
scores them: padded with digital silence, ln(1e-10), up to the minimum.
"""

import argparse
import math
from pathlib import Path

import numpy as np
import torch

from .export import export_onnx
from .features import BINS, LOG_FLOOR
from .model import AttentionFCN, ModelConfig


def random_model(encoder: str, seed: int, norm: str = "lrn", pooling: str = "attention") -> AttentionFCN:
    torch.manual_seed(seed)
    model = AttentionFCN(ModelConfig(encoder=encoder, norm=norm, pooling=pooling)).eval()
    with torch.no_grad():  # non-trivial input statistics, as a trained model has
        model.feature_mean.copy_(torch.linspace(-12.0, -6.0, BINS))
        model.feature_std.copy_(torch.linspace(2.0, 4.0, BINS))
        for m in model.modules():  # batch norm statistics other than the identity
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
    return model


def spectrogram_like(frames: int, generator: torch.Generator) -> torch.Tensor:
    """Log-power-like values: a smooth spectral envelope with bursts of 'speech' over a noise floor."""
    envelope = torch.linspace(-4.0, -14.0, BINS)[None, :]
    bursts = (torch.sin(torch.arange(frames)[:, None] / 13.0) > 0).float() * 6.0
    return envelope + bursts + 2.0 * torch.randn(frames, BINS, generator=generator)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--encoder", default="alexnet")
    parser.add_argument("--norm", default="lrn")
    parser.add_argument("--pooling", default="attention")
    parser.add_argument("--lengths", default="12,31,47,100,300,3000")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--lrn", choices=["plain", "native"], default="plain")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    model = random_model(args.encoder, args.seed, args.norm, args.pooling)
    export_onnx(model, args.out / "model.onnx", f"parity-{args.encoder}-{args.norm}", args.lrn)
    generator = torch.Generator().manual_seed(args.seed)
    for frames in map(int, args.lengths.split(",")):
        x = spectrogram_like(frames, generator)
        padded = x
        if frames < model.min_frames():
            silence = torch.full((model.min_frames() - frames, BINS), math.log(LOG_FLOOR))
            padded = torch.cat([x, silence])
        with torch.no_grad():
            logits, alpha, widths = model(padded[None], torch.tensor([padded.shape[0]]))
        np.save(args.out / f"input_{frames}.npy", x.numpy().astype("<f4"))
        np.save(args.out / f"probabilities_{frames}.npy", torch.softmax(logits, 1)[0].numpy().astype("<f4"))
        np.save(args.out / f"attention_{frames}.npy", alpha[0, :, : int(widths[0])].numpy().astype("<f4"))


if __name__ == "__main__":
    main()
