"""The convolutional encoders: AlexNet's convolutional layers (the paper's choice, Sec. 3.2) and SqueezeNet 1.1's,
both taking one input channel, the log spectrogram as a [freq, time] image."""

from torch import nn

from .layers import Fire, LengthAwareSequential, Pointwise, Windowed


def alexnet_encoder() -> LengthAwareSequential:
    """AlexNet without its fully connected layers: conv 11x11/4 (64), ReLU, LRN, max-pool 3/2; conv 5x5 (192), ReLU,
    LRN, max-pool 3/2; conv 3x3 (384), ReLU; conv 3x3 (256), ReLU; conv 3x3 (256), ReLU. Paddings as torchvision's
    AlexNet, whose state dict loads into it (pretrained.py); LRN as in the AlexNet paper (n=5, alpha=1e-4,
    beta=0.75, k=2)."""
    lrn = lambda: Pointwise(nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0))  # noqa: E731
    relu = lambda: Pointwise(nn.ReLU(inplace=True))  # noqa: E731
    encoder = LengthAwareSequential(
        Windowed(nn.Conv2d(1, 64, 11, stride=4, padding=2)), relu(), lrn(), Windowed(nn.MaxPool2d(3, 2)),
        Windowed(nn.Conv2d(64, 192, 5, padding=2)), relu(), lrn(), Windowed(nn.MaxPool2d(3, 2)),
        Windowed(nn.Conv2d(192, 384, 3, padding=1)), relu(),
        Windowed(nn.Conv2d(384, 256, 3, padding=1)), relu(),
        Windowed(nn.Conv2d(256, 256, 3, padding=1)), relu(),
    )  # fmt: skip
    encoder.out_channels = 256
    return encoder


# Indices of the convolutions in alexnet_encoder() and in torchvision's AlexNet.features.
ALEXNET_CONVS = {0: 0, 4: 3, 8: 6, 10: 8, 12: 10}


def squeezenet1_1_encoder() -> LengthAwareSequential:
    """SqueezeNet 1.1 up to fire9 (Iandola et al. 2016), as in the Keras port whose ImageNet weights load into it:
    conv 3x3/2 (64), ReLU, max-pool 3/2, fire2-3, max-pool 3/2, fire4-5, max-pool 3/2, fire6-9. Pools drop the
    incomplete window at the edge ('valid'), as the port does. The port's fire9 has no expand1x1 branch (its weights
    hold squeeze1x1 and expand3x3 only), so the encoder ends in fire9's 256 expand3x3 channels."""
    relu = lambda: Pointwise(nn.ReLU(inplace=True))  # noqa: E731
    pool = lambda: Windowed(nn.MaxPool2d(3, 2))  # noqa: E731
    encoder = LengthAwareSequential(
        Windowed(nn.Conv2d(1, 64, 3, stride=2)), relu(), pool(),
        Fire(64, 16, 64, 64), Fire(128, 16, 64, 64), pool(),
        Fire(128, 32, 128, 128), Fire(256, 32, 128, 128), pool(),
        Fire(256, 48, 192, 192), Fire(384, 48, 192, 192), Fire(384, 64, 256, 256), Fire(512, 64, 0, 256),
    )  # fmt: skip
    encoder.out_channels = 256
    return encoder


ENCODERS = {"alexnet": alexnet_encoder, "squeezenet1_1": squeezenet1_1_encoder}
