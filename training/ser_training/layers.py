"""Length-aware layers: every block maps (x, lengths) to (x, lengths) and zeroes the time steps past each
utterance's length, so a padded batch computes, cell for cell, what each utterance computes alone (the zeros stand
in for the convolutions' own zero padding)."""

from dataclasses import dataclass

import torch
from torch import nn


def time_mask(lengths: torch.Tensor, steps: int) -> torch.Tensor:
    """[batch, steps] boolean mask, true on the valid time steps."""
    return torch.arange(steps, device=lengths.device)[None, :] < lengths[:, None]


def zero_padding(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Zeroes x[b, :, :, t] for t >= lengths[b]; x is [batch, channels, freq, time]."""
    return x * time_mask(lengths, x.shape[-1])[:, None, None, :].to(x.dtype)


@dataclass(frozen=True)
class TimeGeometry:
    """How an output time step maps onto input frames: step j is centred on input frame offset + stride * j and
    sees `receptive_field` frames."""

    stride: int = 1
    offset: float = 0.0
    receptive_field: int = 1

    def then(self, kernel: int, stride: int, padding: int) -> "TimeGeometry":
        return TimeGeometry(
            stride=self.stride * stride,
            offset=self.offset + ((kernel - 1) / 2 - padding) * self.stride,
            receptive_field=self.receptive_field + (kernel - 1) * self.stride,
        )


class Windowed(nn.Module):
    """A conv or pool layer (square kernel, same stride and padding on both axes) with its length arithmetic."""

    def __init__(self, layer: nn.Module):
        super().__init__()
        self.layer = layer
        pair = lambda v: v if isinstance(v, int) else v[0]  # noqa: E731
        self.kernel, self.stride, self.padding = pair(layer.kernel_size), pair(layer.stride), pair(layer.padding)

    def out_length(self, lengths: torch.Tensor) -> torch.Tensor:
        # Integer division is floor division here: the network never sees a length below its minimum.
        return torch.div(lengths + 2 * self.padding - self.kernel, self.stride, rounding_mode="floor") + 1

    def geometry(self, g: TimeGeometry) -> TimeGeometry:
        return g.then(self.kernel, self.stride, self.padding)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor):
        lengths = self.out_length(lengths)
        return zero_padding(self.layer(x), lengths), lengths


class Pointwise(nn.Module):
    """A layer that does not mix time steps (ReLU, LRN across channels, dropout)."""

    def __init__(self, layer: nn.Module):
        super().__init__()
        self.layer = layer

    def out_length(self, lengths: torch.Tensor) -> torch.Tensor:
        return lengths

    def geometry(self, g: TimeGeometry) -> TimeGeometry:
        return g

    def forward(self, x: torch.Tensor, lengths: torch.Tensor):
        return self.layer(x), lengths


class Fire(nn.Module):
    """SqueezeNet's fire module: squeeze 1x1, ReLU, then expand 1x1 and 3x3 ('same'), each with ReLU, concatenated.
    expand1x1 = 0 leaves out the 1x1 branch; batch_norm puts a MaskedBatchNorm between each convolution and its ReLU."""

    def __init__(self, in_channels: int, squeeze: int, expand1x1: int, expand3x3: int, batch_norm: bool = False):
        super().__init__()
        norm = lambda channels: MaskedBatchNorm(channels) if batch_norm and channels else None  # noqa: E731
        self.squeeze1x1 = nn.Conv2d(in_channels, squeeze, 1)
        self.expand1x1 = nn.Conv2d(squeeze, expand1x1, 1) if expand1x1 else None
        self.expand3x3 = nn.Conv2d(squeeze, expand3x3, 3, padding=1)
        self.squeeze_norm, self.expand1x1_norm, self.expand3x3_norm = norm(squeeze), norm(expand1x1), norm(expand3x3)
        self.out_channels = expand1x1 + expand3x3

    def out_length(self, lengths: torch.Tensor) -> torch.Tensor:
        return lengths

    def geometry(self, g: TimeGeometry) -> TimeGeometry:
        return g.then(3, 1, 1)

    @staticmethod
    def _conv_relu(conv: nn.Conv2d, norm: nn.Module | None, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """ReLU(conv(x)), zero past the end (MaskedBatchNorm already zeroes it)."""
        x = conv(x)
        return torch.relu(norm(x, lengths)[0]) if norm is not None else zero_padding(torch.relu(x), lengths)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor):
        s = self._conv_relu(self.squeeze1x1, self.squeeze_norm, x, lengths)  # the 3x3 expand must see zeros past the end
        x = self._conv_relu(self.expand3x3, self.expand3x3_norm, s, lengths)
        if self.expand1x1 is not None:
            x = torch.cat([self._conv_relu(self.expand1x1, self.expand1x1_norm, s, lengths), x], dim=1)
        return x, lengths


class LengthAwareSequential(nn.Sequential):
    def out_length(self, lengths: torch.Tensor) -> torch.Tensor:
        for block in self:
            lengths = block.out_length(lengths)
        return lengths

    def geometry(self) -> TimeGeometry:
        g = TimeGeometry()
        for block in self:
            g = block.geometry(g)
        return g

    def min_length(self) -> int:
        """The shortest input (in frames) that leaves at least one time step at the output."""
        length = 1
        while int(self.out_length(torch.tensor([length]))[0]) < 1:
            length += 1
        return length

    def forward(self, x: torch.Tensor, lengths: torch.Tensor):
        for block in self:
            x, lengths = block(x, lengths)
        return x, lengths


class MaskedBatchNorm(nn.BatchNorm2d):
    """Batch normalisation whose training statistics count only the valid time steps, so padding neither shifts
    them nor differs from running alone; in evaluation it is the usual per-channel affine map."""

    def out_length(self, lengths: torch.Tensor) -> torch.Tensor:
        return lengths

    def geometry(self, g: TimeGeometry) -> TimeGeometry:
        return g

    def forward(self, x: torch.Tensor, lengths: torch.Tensor):
        if not self.training:
            return zero_padding(super().forward(x), lengths), lengths
        mask = time_mask(lengths, x.shape[-1])[:, None, None, :].to(x.dtype)
        count = mask.sum() * x.shape[2]
        # Sums of x and x^2 over the valid cells, then one scale-and-shift: fewer passes over the (large) maps
        # than centring first, which matters for SqueezeNet's high-resolution layers.
        masked = x * mask
        mean = masked.sum(dim=(0, 2, 3)) / count
        var = ((masked * x).sum(dim=(0, 2, 3)) / count - mean**2).clamp_min(0.0)
        with torch.no_grad():
            self.running_mean.lerp_(mean, self.momentum)
            self.running_var.lerp_(var * count / max(float(count) - 1, 1.0), self.momentum)
            self.num_batches_tracked += 1
        scale = self.weight * torch.rsqrt(var + self.eps)
        shift = self.bias - mean * scale
        # (x * scale + shift) * mask, with the mask applied to the small [batch, channels, 1, time] shift.
        return torch.addcmul(shift[None, :, None, None] * mask, masked, scale[None, :, None, None]), lengths
