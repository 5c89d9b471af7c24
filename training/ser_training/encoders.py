"""The convolutional encoders: AlexNet's convolutional layers (the paper's choice, Sec. 3.2) and SqueezeNet 1.1's,
both taking one input channel, the log spectrogram as a [freq, time] image."""

from torch import nn

from .layers import Fire, LengthAwareSequential, MaskedBatchNorm, Pointwise, Windowed


def alexnet_encoder(norm: str = "lrn") -> LengthAwareSequential:
    """AlexNet without its fully connected layers: conv 11x11/4 (64), ReLU, LRN, max-pool 3/2; conv 5x5 (192), ReLU,
    LRN, max-pool 3/2; conv 3x3 (384), ReLU; conv 3x3 (256), ReLU; conv 3x3 (256), ReLU. Paddings as torchvision's
    AlexNet, whose state dict loads into it (pretrained.py); LRN as in the AlexNet paper (n=5, alpha=1e-4,
    beta=0.75, k=2). norm='batch' replaces LRN by batch normalisation after every convolution (a variant beyond the
    paper, for training from scratch on little data)."""
    relu = lambda: Pointwise(nn.ReLU(inplace=True))  # noqa: E731

    def conv(cin: int, cout: int, kernel: int, **kw) -> list:
        layers = [Windowed(nn.Conv2d(cin, cout, kernel, **kw))]
        return layers + ([MaskedBatchNorm(cout)] if norm == "batch" else []) + [relu()]

    lrn = [Pointwise(nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0))] if norm == "lrn" else []
    if norm not in ("lrn", "batch"):
        raise ValueError(f"norm must be 'lrn' or 'batch', not {norm!r}")
    pool = lambda: [Windowed(nn.MaxPool2d(3, 2))]  # noqa: E731
    encoder = LengthAwareSequential(
        *conv(1, 64, 11, stride=4, padding=2), *lrn, *pool(),
        *conv(64, 192, 5, padding=2), *lrn, *pool(),
        *conv(192, 384, 3, padding=1), *conv(384, 256, 3, padding=1), *conv(256, 256, 3, padding=1),
    )  # fmt: skip
    encoder.out_channels = 256
    return encoder


def alexnet_convs(encoder: LengthAwareSequential) -> list[nn.Conv2d]:
    """The five convolutions, in order (torchvision's AlexNet.features 0, 3, 6, 8, 10)."""
    return [b.layer for b in encoder if isinstance(b, Windowed) and isinstance(b.layer, nn.Conv2d)]


def squeezenet1_1_encoder(norm: str = "none") -> LengthAwareSequential:
    """SqueezeNet 1.1 up to fire9 (Iandola et al. 2016), as in the Keras port whose ImageNet weights load into it:
    conv 3x3/2 (64), ReLU, max-pool 3/2, fire2-3, max-pool 3/2, fire4-5, max-pool 3/2, fire6-9. Pools drop the
    incomplete window at the edge ('valid'), as the port does. The port's fire9 has no expand1x1 branch (its weights
    hold squeeze1x1 and expand3x3 only), so the encoder ends in fire9's 256 expand3x3 channels. norm='batch' puts
    batch normalisation after every convolution (beyond the paper, as for AlexNet); 'none' is SqueezeNet as published."""
    if norm not in ("none", "batch"):
        raise ValueError(f"squeezenet1_1's norm must be 'none' or 'batch', not {norm!r}")
    bn = norm == "batch"
    relu = lambda: Pointwise(nn.ReLU(inplace=True))  # noqa: E731
    pool = lambda: Windowed(nn.MaxPool2d(3, 2))  # noqa: E731
    fire = lambda *channels: Fire(*channels, batch_norm=bn)  # noqa: E731
    encoder = LengthAwareSequential(
        Windowed(nn.Conv2d(1, 64, 3, stride=2)), *([MaskedBatchNorm(64)] if bn else []), relu(), pool(),
        fire(64, 16, 64, 64), fire(128, 16, 64, 64), pool(),
        fire(128, 32, 128, 128), fire(256, 32, 128, 128), pool(),
        fire(256, 48, 192, 192), fire(384, 48, 192, 192), fire(384, 64, 256, 256), fire(512, 64, 0, 256),
    )  # fmt: skip
    # He initialisation, as torchvision's SqueezeNet. Torch's default (weight variance 1/(3 fan_in)) shrinks the
    # signal at each of the 17 ReLU convolutions until the cells' variation is a few thousandths of the input's
    # (the biases dominate), and a network trained from it stayed at chance. ImageNet weights, where loaded,
    # replace these.
    for m in encoder.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_uniform_(m.weight, nonlinearity="relu")
            nn.init.zeros_(m.bias)
    encoder.out_channels = 256
    return encoder


def make_encoder(name: str, norm: str) -> LengthAwareSequential:
    if name == "alexnet":
        return alexnet_encoder(norm)
    if name == "squeezenet1_1":
        # The configuration's default norm, 'lrn', means SqueezeNet as published: it has no LRN layers.
        return squeezenet1_1_encoder("none" if norm == "lrn" else norm)
    raise ValueError(f"unknown encoder {name!r}; choose one of ['alexnet', 'squeezenet1_1']")
