"""Trains the attention FCN on one part of an evaluation protocol (`ser_training.protocols`): a fold of the
speaker-independent 5-fold cross-validation, one corpus left out, or all speakers.

Usage: python3 -m ser_training.train --features DIR --manifest CSV --out RUN_DIR --split fold3|loco-ased|all [options]
Checkpoints every epoch (RUN_DIR/last.pt, best.pt); rerunning the same command resumes (--stop-after N ends a
run after N more epochs, for time-boxed machines). With test speakers, the best epoch (by validation UA; the final
one without a holdout) is evaluated on them, wideband and through the telephone channel, and RUN_DIR/result.json is
written.
"""

import argparse
import json
import math
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from . import caller_profile, protocols
from .adversary import CorpusAdversary, reversal_weight
from .augment import babble, coloured_noise, mix_at_snr, reverberate
from .checkpoint import load_checkpoint, save_checkpoint
from .data import FeatureStore, SpeakerNormalisedStore, feature_statistics, read_manifest, select
from .features import BINS, LOG_FLOOR, level_normalised
from .metrics import summarise
from .model import DEFAULT_LABELS, AttentionFCN, ModelConfig
from .pretrained import load_squeezenet1_1_imagenet, load_torchvision_alexnet

SQUEEZENET_WEIGHTS = Path(
    os.environ.get("SER_SQUEEZENET_WEIGHTS", Path(__file__).resolve().parents[3] / "shared" / "weights" / "squeezenet1_1_imagenet")
)


@dataclass
class TrainConfig:
    encoder: str = "alexnet"
    norm: str = "lrn"
    attention_lambda: float = 0.3
    pretrained: str = "none"  # 'none', 'imagenet' (squeezenet1_1), or a torchvision AlexNet state dict path
    epochs: int = 40
    batch_size: int = 16
    lr: float = 1e-3
    weight_decay: float = 1e-4
    dropout: float = 0.5
    label_smoothing: float = 0.1
    max_frames: int = 400  # training crops (4 s): augmentation and speed; evaluation uses whole utterances
    telephone_prob: float = 0.5  # chance a training utterance is its telephone-channel copy
    spec_augment: bool = True
    warp: float = 0.0  # > 0: time and frequency axes each stretched by a random factor within 1 +- warp
    mixup: float = 0.0  # > 0: mixup (Zhang et al. 2018) with mixing weights drawn from Beta(mixup, mixup)
    segment_frames: int = 0  # > 0: the paper's baseline, fixed-length segments with posteriors averaged
    calm_as: str = ""  # RAVDESS 'calm': '' leaves it out, 'neutral' merges it
    aux_weight: float = 0.0  # > 0: an auxiliary head learns every emotion of all the training speakers' utterances
    pooling: str = "attention"  # or 'attention_stats' (ModelConfig.pooling)
    # False: the validation speakers train too and the final epoch's model is kept (no early stopping)
    holdout: bool = True
    speaker_norm: bool = False  # True: inputs standardised per speaker (data.SpeakerNormalisedStore; test-time adaptation)
    corpora: str = ""  # comma list of the corpora used ('': every corpus of the manifest)
    # > 0: a fixed budget of optimizer steps, checkpointed in `epochs` equal parts, whatever the amount of data
    updates: int = 0
    sampling: str = "shuffle"  # 'balanced': each example draws a corpus, then a class, then an utterance, uniformly
    level_norm: bool = False  # ModelConfig.level_norm: the network ignores the utterance's level
    caller_norm: bool = False  # ModelConfig.caller_norm: each utterance read against its caller's earlier speech
    noise_prob: float = 0.0  # chance of additive noise (coloured noise or babble of training speakers), 0-30 dB SNR
    reverb_prob: float = 0.0  # chance of late reverberation, RT60 0.2-1.0 s, direct-to-reverberant ratio 0-12 dB
    corpus_adversary: float = 0.0  # > 0: corpus-adversarial training (ser_training.adversary), the reversal's final weight
    seed: int = 1


def crop(x: np.ndarray, frames: int, rng: np.random.Generator) -> np.ndarray:
    if x.shape[0] <= frames:
        return x
    start = rng.integers(0, x.shape[0] - frames + 1)
    return x[start : start + frames]


def fix_length(x: np.ndarray, frames: int) -> np.ndarray:
    """Cut or pad (with digital silence) to exactly `frames` frames: the paper's fixed-length segment."""
    if x.shape[0] >= frames:
        return x[:frames]
    return np.concatenate([x, np.full((frames - x.shape[0], BINS), math.log(LOG_FLOOR), dtype=np.float32)])


def spec_augment(x: np.ndarray, mean: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """SpecAugment-style masking (Park et al. 2019): two frequency bands of up to 20 bins and two time spans of up
    to a tenth of the utterance, set to the training mean (zero after the model's standardisation)."""
    x = x.copy()
    for _ in range(2):
        width = rng.integers(0, 21)
        start = rng.integers(0, BINS - width + 1)
        x[:, start : start + width] = mean[start : start + width]
        span = rng.integers(0, max(1, x.shape[0] // 10) + 1)
        begin = rng.integers(0, x.shape[0] - span + 1)
        x[begin : begin + span] = mean
    return x


def stretch(x: np.ndarray, positions: np.ndarray, axis: int) -> np.ndarray:
    """x sampled at fractional positions along an axis, by linear interpolation."""
    low = np.floor(positions).astype(int)
    high = np.minimum(low + 1, x.shape[axis] - 1)
    w = (positions - low).astype(np.float32)
    if axis == 0:
        return x[low] * (1 - w)[:, None] + x[high] * w[:, None]
    return x[:, low] * (1 - w) + x[:, high] * w


def warp(x: np.ndarray, amount: float, rng: np.random.Generator) -> np.ndarray:
    """Speed and vocal-tract-length perturbation in the spectrogram domain: the time axis stretched by one random
    factor in [1 - amount, 1 + amount] and the frequency axis by another (formants and pitch move up or down; bins
    beyond the top repeat the last one)."""
    time_factor, freq_factor = rng.uniform(1 - amount, 1 + amount, 2)
    frames = max(1, round(x.shape[0] * time_factor))
    x = stretch(x, np.linspace(0, x.shape[0] - 1, frames), axis=0)
    return stretch(x, np.minimum(np.arange(BINS) / freq_factor, BINS - 1), axis=1)


def mix(arrays: list[np.ndarray], labels: list[int], classes: int, alpha: float, rng: np.random.Generator):
    """Mixup: each example blended with another of the batch, both cut to the shorter's length, and the targets
    blended alike. Returns the arrays and soft targets [batch, classes]."""
    lam = float(rng.beta(alpha, alpha))
    partner = rng.permutation(len(arrays))
    onehot = np.eye(classes, dtype=np.float32)[labels]
    mixed = []
    for a, b in zip(arrays, (arrays[j] for j in partner)):
        n = min(a.shape[0], b.shape[0])
        mixed.append(lam * a[:n] + (1 - lam) * b[:n])
    return mixed, lam * onehot + (1 - lam) * onehot[partner]


def corrupt(x: np.ndarray, config: TrainConfig, others, rng: np.random.Generator) -> np.ndarray:
    """Reverberation, then additive noise, each with its configured chance. `others()` returns training utterances
    for babble."""
    if config.reverb_prob and rng.random() < config.reverb_prob:
        x = reverberate(x, rng.uniform(0.2, 1.0), rng.uniform(0.0, 12.0))
    if config.noise_prob and rng.random() < config.noise_prob:
        noise = coloured_noise(x.shape[0], rng) if rng.random() < 0.5 else babble(others(int(rng.integers(3, 7))), x.shape[0], rng)
        x = mix_at_snr(x, noise, rng.uniform(0.0, 30.0))
    return x


def training_history(store, train_items, same_speaker: list[int], current: int, channel: str, config: TrainConfig, rng: np.random.Generator) -> list[np.ndarray]:
    """A random history for one training example (caller_profile): none with NO_HISTORY_PROB, else 1 to
    MAX_HISTORY other utterances of its speaker in the same channel, each cut to a random span so that the history
    holds at most twice a training crop."""
    others = [j for j in same_speaker if j != current]
    if not others or rng.random() < caller_profile.NO_HISTORY_PROB:
        return []
    count = int(rng.integers(1, min(caller_profile.MAX_HISTORY, len(others)) + 1))
    span = max(1, 2 * config.max_frames // count)
    return [crop(store.get(train_items[j][0], channel), span, rng) for j in rng.choice(others, count, replace=False)]


def split_like(x: np.ndarray, pieces: list[np.ndarray]) -> list[np.ndarray]:
    """x cut back into pieces of the lengths of `pieces` (after corrupting their concatenation)."""
    return np.split(x, np.cumsum([p.shape[0] for p in pieces])[:-1])


def balanced_indices(items: list, count: int, rng: np.random.Generator) -> np.ndarray:
    """`count` indices into items drawn with replacement: a corpus uniformly, then one of its classes, then one of
    that class's utterances, so that no corpus or class dominates what the network sees."""
    groups: dict[str, dict[int, list[int]]] = {}
    for i, (u, label) in enumerate(items):
        groups.setdefault(u.corpus, {}).setdefault(label, []).append(i)
    corpora = sorted(groups)
    chosen = []
    for c in rng.integers(0, len(corpora), count):
        by_class = groups[corpora[c]]
        members = by_class[sorted(by_class)[rng.integers(0, len(by_class))]]
        chosen.append(members[rng.integers(0, len(members))])
    return np.array(chosen)


def batch_tensors(arrays: list[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
    lengths = [a.shape[0] for a in arrays]
    x = np.zeros((len(arrays), max(lengths), BINS), dtype=np.float32)
    for i, a in enumerate(arrays):
        x[i, : a.shape[0]] = a
    return torch.from_numpy(x), torch.tensor(lengths)


def segments(x: np.ndarray, frames: int) -> list[np.ndarray]:
    """Consecutive fixed-length segments of the utterance; a remainder of at least half a segment becomes a last,
    padded segment, and an utterance shorter than one segment is one padded segment."""
    count = max(1, round(x.shape[0] / frames))
    return [fix_length(x[i * frames : (i + 1) * frames], frames) for i in range(count)]


@torch.no_grad()
def predict(model: AttentionFCN, arrays: list[np.ndarray], segment_frames: int = 0, batch: int = 16, profiles: list[np.ndarray] | None = None) -> np.ndarray:
    """Class probabilities per utterance: whole utterances (sorted by length, masked batches), or with
    segment_frames the mean of the segments' probabilities (the paper's baseline). `profiles`: each utterance's
    caller profile, for caller_norm models (None: the population's)."""
    model.eval()
    device = next(model.parameters()).device
    min_frames = model.min_frames()
    pad = lambda a: a if a.shape[0] >= min_frames else fix_length(a, min_frames)  # noqa: E731
    if segment_frames:
        pieces, owner = [], []
        for i, a in enumerate(arrays):
            for s in segments(a, segment_frames):
                pieces.append(s)
                owner.append(i)
    else:
        pieces, owner = [pad(a) for a in arrays], list(range(len(arrays)))
    order = sorted(range(len(pieces)), key=lambda i: pieces[i].shape[0])
    probabilities = np.zeros((len(pieces), len(model.config.labels)), dtype=np.float64)
    for start in range(0, len(order), batch):
        idx = order[start : start + batch]
        features, lengths = batch_tensors([pieces[i] for i in idx])
        profile = torch.from_numpy(np.stack([profiles[owner[i]] for i in idx])).to(device) if profiles is not None else None
        logits, _, _ = model(features.to(device), lengths.to(device), profile)
        probabilities[idx] = torch.softmax(logits, 1).cpu().numpy()
    result = np.zeros((len(arrays), probabilities.shape[1]))
    np.add.at(result, owner, probabilities)
    return result / np.bincount(owner, minlength=len(arrays))[:, None]


def caller_figures(model, arrays: list[np.ndarray], items) -> dict:
    """A caller_norm model's UA with no history (every utterance a call's first), with the 5 before it, and with all
    the speaker's other utterances; and angry recall for a caller angry throughout: each angry utterance read against
    5 other angry utterances of its speaker, against 5 of any emotion, and against none."""
    truth = [label for _, label in items]
    speakers = [u.speaker for u, _ in items]
    corpora = [u.corpus for u, _ in items]
    history = caller_profile.HistoryProfiles(arrays, model.default_profile.cpu().numpy())
    ua = lambda histories: summarise(truth, predict(model, arrays, profiles=[history.of(h) for h in histories]).argmax(1).tolist(), corpora, len(DEFAULT_LABELS))["ua"]  # noqa: E731
    figures = {"ua_history_none": ua([[] for _ in items]), "ua_history_5": ua(caller_profile.causal_histories(speakers, 5))}
    figures["ua_history_all"] = ua([[j for j, t in enumerate(speakers) if t == s and j != i] for i, s in enumerate(speakers)])
    angry = DEFAULT_LABELS.index("angry")
    rng = np.random.default_rng(1)
    chosen, angry_history, any_history = [], [], []
    for i, s in enumerate(speakers):
        same = [j for j, t in enumerate(speakers) if t == s and j != i]
        angry_same = [j for j in same if truth[j] == angry]
        if truth[i] == angry and len(angry_same) >= 5:
            chosen.append(i)
            angry_history.append(list(rng.choice(angry_same, 5, replace=False)))
            any_history.append(list(rng.choice(same, 5, replace=False)))
    picked = [arrays[i] for i in chosen]
    for name, histories in (("none", [[] for _ in chosen]), ("any_5", any_history), ("angry_5", angry_history)):
        profiles = [history.of(h) for h in histories]
        figures[f"angry_recall_throughout_{name}"] = float(np.mean(predict(model, picked, profiles=profiles).argmax(1) == angry)) if chosen else float("nan")
    return figures


def evaluate(model, store, items, channel: str, config: TrainConfig) -> dict:
    """Scores whole utterances; a caller_norm model reads each against the (at most) MAX_HISTORY utterances of its
    speaker before it in a random order, the causal protocol of a live call (caller_profile)."""
    arrays = [store.get(u, channel) for u, _ in items]
    profiles = None
    if config.caller_norm:
        histories = caller_profile.causal_histories([u.speaker for u, _ in items], caller_profile.MAX_HISTORY)
        history = caller_profile.HistoryProfiles(arrays, model.default_profile.cpu().numpy())
        profiles = [history.of(h) for h in histories]
    probabilities = predict(model, arrays, config.segment_frames, profiles=profiles)
    truth = [label for _, label in items]
    result = summarise(truth, probabilities.argmax(1).tolist(), [u.corpus for u, _ in items], len(model.config.labels))
    result["predictions"] = [
        {"path": u.path, "truth": label, "probabilities": [round(float(p), 5) for p in probs]}
        for (u, label), probs in zip(items, probabilities)
    ]
    if config.caller_norm:
        result["caller"] = caller_figures(model, arrays, items)
    return result


def build_model(config: TrainConfig, mean: np.ndarray, std: np.ndarray, aux_labels: tuple = (), default_profile: np.ndarray | None = None) -> AttentionFCN:
    torch.manual_seed(config.seed)
    model = AttentionFCN(
        ModelConfig(
            encoder=config.encoder,
            norm=config.norm,
            labels=DEFAULT_LABELS,
            attention_lambda=config.attention_lambda,
            dropout=config.dropout,
            pooling=config.pooling,
            aux_labels=aux_labels,
            level_norm=config.level_norm,
            caller_norm=config.caller_norm,
        )
    )
    if config.pretrained == "imagenet":
        load_squeezenet1_1_imagenet(model, SQUEEZENET_WEIGHTS)
    elif config.pretrained != "none":
        load_torchvision_alexnet(model, config.pretrained)
    with torch.no_grad():
        model.feature_mean.copy_(torch.from_numpy(mean))
        model.feature_std.copy_(torch.from_numpy(np.maximum(std, 1e-3)))
        if config.caller_norm:
            model.default_profile.copy_(torch.from_numpy(default_profile))
    return model


def train(args) -> None:
    config = TrainConfig(**{k: v for k, v in vars(args).items() if k in TrainConfig.__dataclass_fields__})
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(args.threads)
    device = torch.device("cuda" if args.device == "auto" and torch.cuda.is_available() else args.device.replace("auto", "cpu"))
    utterances = read_manifest(args.manifest)
    store = FeatureStore(args.features)
    if config.speaker_norm:
        store = SpeakerNormalisedStore(store, utterances)
    items = select(utterances, DEFAULT_LABELS, config.calm_as or None)
    if config.corpora:
        items = [x for x in items if x[0].corpus in config.corpora.split(",")]
    part = protocols.parse(args.split)
    train_items, val_items, test_items = part.split(items)
    if not config.holdout:
        train_items, val_items = train_items + val_items, []
    aux_labels: tuple = ()
    if config.aux_weight:
        if config.mixup:
            raise SystemExit("--aux-weight and --mixup cannot be combined")
        # Every utterance of the training speakers joins training; those outside the four classes (fear, disgust,
        # ...) teach only the auxiliary head (main label -1).
        aux_labels = tuple(sorted({u.emotion for u in utterances}))
        main = {u.path: label for u, label in train_items}
        speakers = {u.speaker for u, _ in train_items}
        train_items = [(u, main.get(u.path, -1)) for u in utterances if u.speaker in speakers]
    prepare = level_normalised if config.level_norm else (lambda x: x)
    default_profile = None
    if config.caller_norm:
        if not config.level_norm:
            raise SystemExit("--caller-norm needs --level-norm: profiles are of level-normalised spectra")
        # Input statistics as the network sees its inputs: each utterance less its speaker's profile.
        speakers = {s: caller_profile.profile([store.get(u) for u, _ in train_items if u.speaker == s]) for s in {u.speaker for u, _ in train_items}}
        mean, std = feature_statistics([level_normalised(store.get(u)) - speakers[u.speaker] for u, _ in train_items])
        default_profile = caller_profile.profile([store.get(u, channel) for u, _ in train_items for channel in ("wideband", "telephone")])
        by_speaker_items: dict[str, list[int]] = {}
        for j, (u, _) in enumerate(train_items):
            by_speaker_items.setdefault(u.speaker, []).append(j)
    else:
        mean, std = feature_statistics([prepare(store.get(u)) for u, _ in train_items])
    model = build_model(config, mean, std, aux_labels, default_profile).to(device)
    adversary, train_corpora = None, sorted({u.corpus for u, _ in train_items})
    if config.corpus_adversary:
        if config.mixup or config.aux_weight or len(train_corpora) < 2:
            raise SystemExit("--corpus-adversary needs two or more training corpora and no --mixup or --aux-weight")
        adversary = CorpusAdversary(model.classifier.in_features, len(train_corpora)).to(device)
    trained = lambda: list(model.parameters()) + (list(adversary.parameters()) if adversary else [])  # noqa: E731
    optimizer = torch.optim.AdamW(trained(), lr=config.lr, weight_decay=config.weight_decay)
    steps_per_epoch = config.updates // config.epochs if config.updates else math.ceil(len(train_items) / config.batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=config.lr, epochs=config.epochs, steps_per_epoch=steps_per_epoch, pct_start=0.15
    )
    loss_fn = nn.CrossEntropyLoss(label_smoothing=config.label_smoothing)
    state = {"epoch": 0, "best_score": -1.0, "history": []}
    last = out / "last.pt"
    if last.exists():
        model, state = load_checkpoint(last)
        model.to(device)
        if adversary:
            adversary.load_state_dict(state.pop("adversary"))
        optimizer = torch.optim.AdamW(trained(), lr=config.lr, weight_decay=config.weight_decay)
        optimizer.load_state_dict(state.pop("optimizer"))
        schedule = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=config.lr, epochs=config.epochs, steps_per_epoch=steps_per_epoch, pct_start=0.15
        )
        schedule.load_state_dict(state.pop("schedule"))
        if {**asdict(TrainConfig()), **state.pop("train_config")} != asdict(config):  # fields added since: defaults
            raise SystemExit(f"{out} holds a run with another configuration: use a new --out")
        print(f"resuming {out} after epoch {state['epoch']}", flush=True)
    rng = np.random.default_rng(config.seed * 1000 + state["epoch"])

    last_epoch = config.epochs if not args.stop_after else min(config.epochs, state["epoch"] + args.stop_after)
    for epoch in range(state["epoch"], last_epoch):
        started = time.time()
        model.train()
        if config.sampling == "balanced":
            order = balanced_indices(train_items, steps_per_epoch * config.batch_size, rng)
        elif config.updates:  # as many shuffled passes as the budget's share of steps needs
            passes = math.ceil(steps_per_epoch * config.batch_size / len(train_items))
            order = np.concatenate([rng.permutation(len(train_items)) for _ in range(passes)])[: steps_per_epoch * config.batch_size]
        else:
            order = rng.permutation(len(train_items))
        others = lambda n: [store.get(train_items[j][0]) for j in rng.integers(0, len(train_items), n)]  # noqa: E731
        losses, corpus_hits = [], []
        for b in range(0, len(order), config.batch_size):
            arrays, labels, profiles = [], [], []
            for i in order[b : b + config.batch_size]:
                u, label = train_items[i]
                channel = "telephone" if rng.random() < config.telephone_prob else "wideband"
                x = store.get(u, channel)
                x = fix_length(crop(x, config.segment_frames, rng), config.segment_frames) if config.segment_frames else crop(x, config.max_frames, rng)
                if config.caller_norm:
                    # The history shares the call's room and line: the same corruption, drawn from the same seed.
                    corruption_seed = int(rng.integers(2**62))
                    x = corrupt(x, config, others, np.random.default_rng(corruption_seed))
                    history = training_history(store, train_items, by_speaker_items[u.speaker], i, channel, config, rng)
                    if history:
                        history = split_like(corrupt(np.concatenate(history), config, others, np.random.default_rng(corruption_seed)), history)
                    profiles.append(caller_profile.profile(history) if history else default_profile)
                else:
                    x = corrupt(x, config, others, rng)
                x = warp(x, config.warp, rng) if config.warp else x
                x = prepare(x if x.shape[0] >= model.min_frames() else fix_length(x, model.min_frames()))
                fill = mean + profiles[-1] if config.caller_norm else mean  # zero once the network has standardised it
                arrays.append(spec_augment(x, fill, rng) if config.spec_augment else x)
                labels.append(label)
            if config.mixup:
                arrays, targets = mix(arrays, labels, len(DEFAULT_LABELS), config.mixup, rng)
            features, lengths = (t.to(device) for t in batch_tensors(arrays))
            if config.aux_weight:
                logits, aux_logits = model.forward_with_aux(features, lengths)
                target = torch.tensor(labels, device=device)
                aux_target = torch.tensor([aux_labels.index(train_items[i][0].emotion) for i in order[b : b + config.batch_size]], device=device)
                loss = config.aux_weight * loss_fn(aux_logits, aux_target)
                known = target >= 0  # the four classes; other emotions teach the auxiliary head only
                if known.any():
                    loss = loss + loss_fn(logits[known], target[known])
            else:
                target = torch.from_numpy(targets).to(device) if config.mixup else torch.tensor(labels, device=device)
                profile = torch.from_numpy(np.stack(profiles)).to(device) if config.caller_norm else None
                c, _, _ = model.pool(features, lengths, profile)
                logits = model.classifier(c)
                loss = loss_fn(logits, target)
                if adversary:
                    progress = (epoch * steps_per_epoch + b // config.batch_size) / (config.epochs * steps_per_epoch)
                    corpus_logits = adversary(c, reversal_weight(progress, config.corpus_adversary))
                    corpus = torch.tensor([train_corpora.index(train_items[i][0].corpus) for i in order[b : b + config.batch_size]], device=device)
                    loss = loss + nn.functional.cross_entropy(corpus_logits, corpus)
                    corpus_hits += (corpus_logits.argmax(1) == corpus).tolist()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            losses.append(float(loss))
        record = {"epoch": epoch + 1, "loss": float(np.mean(losses))}
        if adversary:  # how well the corpus can still be told from c (chance: 1 / the number of training corpora)
            record["corpus_accuracy"] = float(np.mean(corpus_hits))
        if val_items:
            wide = evaluate(model, store, val_items, "wideband", config)
            tel = evaluate(model, store, val_items, "telephone", config)
            score = (wide["ua"] + tel["ua"]) / 2
            record.update(val_ua=wide["ua"], val_ua_telephone=tel["ua"])
        else:
            score = epoch + 1  # no validation speakers: each epoch replaces the last, the final one is kept
        record["seconds"] = round(time.time() - started, 1)
        state["history"].append(record)
        print(json.dumps(record), flush=True)
        state["epoch"] = epoch + 1
        if score > state["best_score"]:
            state["best_score"] = score
            state["best_epoch"] = epoch + 1
            save_checkpoint(out / "best.pt", model, train_config=asdict(config), epoch=epoch + 1)
        extra = {"adversary": adversary.state_dict()} if adversary else {}
        save_checkpoint(last, model, optimizer=optimizer.state_dict(), schedule=schedule.state_dict(), train_config=asdict(config), **extra, **state)

    if state["epoch"] < config.epochs:
        print(f"stopped after epoch {state['epoch']} of {config.epochs}; rerun to resume", flush=True)
    elif not test_items:
        summary = {
            "config": asdict(config),
            "best_epoch": state["best_epoch"],
            "history": state["history"],
            "train_speakers": sorted({u.speaker for u, _ in train_items}),
            "validation_speakers": sorted({u.speaker for u, _ in val_items}),
        }
        (out / "final.json").write_text(json.dumps(summary))
        kept = f"validation UA {state['best_score']:.3f}" if val_items else "no validation speakers"
        print(f"all speakers: kept epoch {state['best_epoch']}, {kept}", flush=True)
    elif not (out / "result.json").exists():
        best, _ = load_checkpoint(out / "best.pt")
        best.to(device)
        result = {
            "config": asdict(config),
            "split": part.part,
            **({"test_fold": part.test_fold} if isinstance(part, protocols.FiveFold) else {"test_corpus": part.corpus}),
            "best_epoch": state["best_epoch"],
            "history": state["history"],
            "train_speakers": sorted({u.speaker for u, _ in train_items}),
            "validation_speakers": sorted({u.speaker for u, _ in val_items}),
            "wideband": evaluate(best, store, test_items, "wideband", config),
            "telephone": evaluate(best, store, test_items, "telephone", config),
        }
        (out / "result.json").write_text(json.dumps(result))
        print(f"{part.part}: UA {result['wideband']['ua']:.3f} wideband, {result['telephone']['ua']:.3f} telephone", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--features", type=Path, required=True)
    parser.add_argument("--manifest", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--split", required=True, help="fold1..fold5, loco-<corpus>, or all (every speaker: a shipped model)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="auto", help="'auto' (CUDA where there is one), 'cpu' or 'cuda'")
    parser.add_argument("--stop-after", type=int, default=0, help="train at most this many epochs now, resume later")
    for name, field in TrainConfig.__dataclass_fields__.items():
        kind = field.type
        if kind is bool:
            parser.add_argument(f"--{name.replace('_', '-')}", type=lambda s: s.lower() in ("1", "true", "yes"), default=field.default)
        else:
            parser.add_argument(f"--{name.replace('_', '-')}", type=kind, default=field.default)
    train(parser.parse_args())


if __name__ == "__main__":
    main()
