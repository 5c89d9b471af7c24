"""Corpus-adversarial training (Ganin and Lempitsky 2015, "Unsupervised domain adaptation by backpropagation"): a
small classifier learns which training corpus an utterance vector c came from, and a gradient reversal layer between
c and that classifier turns its gradient around, so that the encoder learns a c from which the corpus cannot be told
while the emotion still can. It exists only in training: the shipped network has no corpus head.
"""

import math

import torch
from torch import nn


class _Reverse(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, weight: float) -> torch.Tensor:
        ctx.weight = weight
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        return -ctx.weight * grad, None


def reverse_gradient(x: torch.Tensor, weight: float) -> torch.Tensor:
    """The identity going forward; the gradient times -weight going back."""
    return _Reverse.apply(x, weight)


def reversal_weight(progress: float, final: float) -> float:
    """The weight grows from 0 to `final` over training (Ganin and Lempitsky 2015, Section 5.2.1: 2 / (1 + exp(-10 p))
    - 1), so the corpus classifier is not fighting an encoder that has not yet learnt anything."""
    return final * (2.0 / (1.0 + math.exp(-10.0 * progress)) - 1.0)


class CorpusAdversary(nn.Module):
    def __init__(self, channels: int, corpora: int, hidden: int = 128):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(channels, hidden), nn.ReLU(), nn.Linear(hidden, corpora))

    def forward(self, c: torch.Tensor, weight: float) -> torch.Tensor:
        """Corpus logits for utterance vectors c [batch, channels], the encoder's gradient reversed by `weight`."""
        return self.net(reverse_gradient(c, weight))
