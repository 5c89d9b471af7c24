"""The attention-based fully convolutional network of Zhang et al., "Attention Based Fully Convolutional Network for
Speech Emotion Recognition" (APSIPA 2018): a convolutional encoder over the whole utterance's log spectrogram, attention
pooling over every time-frequency cell of its output, and a softmax classifier."""

from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from .data import DEFAULT_LABELS
from .encoders import make_encoder
from .features import BINS
from .layers import time_mask, zero_padding



@dataclass
class ModelConfig:
    encoder: str = "alexnet"
    labels: tuple = DEFAULT_LABELS
    # Softmax sharpness of Eq. (2); 0 gives uniform average pooling (the ablation of the paper's Table II).
    attention_lambda: float = 0.3
    attention_dim: int = 256
    dropout: float = 0.5
    norm: str = "lrn"  # 'lrn' as the paper (squeezenet1_1: none, as published), or 'batch' normalisation
    # 'attention': c of Eq. (3) as the paper; 'attention_stats': c and the attention-weighted standard deviation of
    # the cells (attentive statistics pooling, Okabe et al. 2018), so the classifier also sees how features vary.
    pooling: str = "attention"
    # Training only: a second classifier over every emotion of the corpora (an auxiliary task); never exported.
    aux_labels: tuple = ()
    # True: each utterance's log spectrogram is shifted so that its mean power is 1 (utterance_level), before the
    # per-bin standardisation, making the network blind to the level of the line and the speaker's distance.
    level_norm: bool = False
    # True: after the level, each utterance loses its caller's profile (ser_training.caller_profile), an input
    # [batch, 200] of the network; without one, the training population's profile (buffer default_profile).
    caller_norm: bool = False

    def to_dict(self) -> dict:
        d = asdict(self)
        d["labels"] = list(self.labels)
        d["aux_labels"] = list(self.aux_labels)
        return d

    @staticmethod
    def from_dict(d: dict) -> "ModelConfig":
        return ModelConfig(**{**d, "labels": tuple(d["labels"]), "aux_labels": tuple(d.get("aux_labels", ()))})


def weighted_std(alpha: torch.Tensor, a: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    """sqrt(sum_i alpha_i a_i^2 - c^2) per channel; alpha [batch, F, T], a [batch, channels, F, T], c [batch, channels]."""
    second = torch.einsum("bft,bcft->bc", alpha, a * a)
    return torch.sqrt(torch.clamp(second - c * c, min=1e-6))


def utterance_level(features: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """ln of the mean power over every valid cell, [batch, 1, 1]. A gain g adds 2 ln g to every cell of
    S = ln(|X|^2 + 1e-10) (down to the floor), so S - utterance_level(S) does not depend on g."""
    valid = time_mask(lengths, features.shape[1]).to(features.dtype)[:, :, None]
    power = (torch.exp(features) * valid).sum(dim=(1, 2))
    return torch.log(power / (lengths.to(features.dtype) * features.shape[2]))[:, None, None]


class AttentionPooling(nn.Module):
    """Eqs. (1)-(3): e_i = u^T tanh(W a_i + b), alpha = softmax(lambda e) over all valid cells, c = sum_i alpha_i a_i."""

    def __init__(self, channels: int, dim: int, lam: float):
        super().__init__()
        self.project = nn.Linear(channels, dim)  # W, b
        self.context = nn.Linear(dim, 1, bias=False)  # u
        self.lam = lam

    def forward(self, a: torch.Tensor, lengths: torch.Tensor):
        """a: [batch, channels, F, T]; returns c [batch, channels] and alpha [batch, F, T] (zero past each length)."""
        batch, channels, freq, steps = a.shape
        cells = a.permute(0, 2, 3, 1)  # [batch, F, T, channels]
        e = self.context(torch.tanh(self.project(cells))).squeeze(-1)  # [batch, F, T]
        valid = time_mask(lengths, steps)[:, None, :].expand(batch, freq, steps)
        scores = (self.lam * e).masked_fill(~valid, float("-inf"))
        alpha = torch.softmax(scores.reshape(batch, freq * steps), dim=1).reshape(batch, freq, steps)
        c = torch.einsum("bft,bcft->bc", alpha, a)
        return c, alpha


class AttentionFCN(nn.Module):
    """Input: log spectrogram features [batch, T, 200] (the front end's frame layout) and lengths [batch] in frames.
    Output: logits [batch, classes], the attention map alpha [batch, F', T'] and each map's valid width T' [batch]."""

    def __init__(self, config: ModelConfig = ModelConfig()):
        super().__init__()
        self.config = config
        # Per-bin standardisation with statistics of the training set (set by training; identity until then).
        self.register_buffer("feature_mean", torch.zeros(BINS))
        self.register_buffer("feature_std", torch.ones(BINS))
        if config.caller_norm:
            self.register_buffer("default_profile", torch.zeros(BINS))
        self.encoder = make_encoder(config.encoder, config.norm)
        channels = self.encoder.out_channels
        if config.pooling not in ("attention", "attention_stats"):
            raise ValueError(f"unknown pooling '{config.pooling}' (expected 'attention' or 'attention_stats')")
        self.attention = AttentionPooling(channels, config.attention_dim, config.attention_lambda)
        self.dropout = nn.Dropout(config.dropout)
        pooled = channels * (2 if config.pooling == "attention_stats" else 1)
        self.classifier = nn.Linear(pooled, len(config.labels))
        self.aux_classifier = nn.Linear(pooled, len(config.aux_labels)) if config.aux_labels else None

    def min_frames(self) -> int:
        return self.encoder.min_length()

    def pool(self, features: torch.Tensor, lengths: torch.Tensor, profile: torch.Tensor | None = None):
        """The utterance vector c (Eq. 3, with the weighted standard deviation appended for 'attention_stats'), the
        attention map and its widths. `profile` [batch, 200]: the callers' profiles (caller_norm models only)."""
        if self.config.level_norm:
            features = features - utterance_level(features, lengths)
        if self.config.caller_norm:
            features = features - (self.default_profile[None, None, :] if profile is None else profile[:, None, :])
        x = (features - self.feature_mean) / self.feature_std
        x = zero_padding(x.transpose(1, 2).unsqueeze(1), lengths)  # [batch, 1, 200, T]
        a, out_lengths = self.encoder(x, lengths)
        c, alpha = self.attention(a, out_lengths)
        if self.config.pooling == "attention_stats":
            c = torch.cat([c, weighted_std(alpha, a, c)], dim=1)
        return self.dropout(c), alpha, out_lengths

    def forward(self, features: torch.Tensor, lengths: torch.Tensor, profile: torch.Tensor | None = None):
        c, alpha, out_lengths = self.pool(features, lengths, profile)
        return self.classifier(c), alpha, out_lengths

    def forward_with_aux(self, features: torch.Tensor, lengths: torch.Tensor):
        """Training with the auxiliary task: main logits and logits over every emotion, from the same c."""
        c, _, _ = self.pool(features, lengths)
        return self.classifier(c), self.aux_classifier(c)
