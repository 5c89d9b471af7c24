"""The robustness suite: an exported model (ONNX) scored on clean test utterances and on the same utterances through
each condition a phone line or a room can impose, one row per condition: UA, angry recall and angry precision, and
their change from clean audio.

Conditions (each applied to the 16 kHz waveform, then the front end's log spectrogram, portable_frontend):
- gain -20, -10 and +6 dB (in floating point: no clipping);
- pink and brown noise (synthesised) and babble (five utterances of other speakers of the same corpus, summed) at
  20, 10 and 5 dB SNR (utterance power over noise power);
- reverberation: synthetic room impulse responses, exponentially decaying Gaussian noise with RT60 0.3 and 0.7 s
  after the direct sound, at a direct-to-reverberant ratio of 0 dB, output level kept;
- telephone channels at 8 kHz: G.711 mu-law, G.711 A-law, a 300-3400 Hz band (4th-order Butterworth), GSM 06.10 full
  rate (13 kbit/s) and AMR-NB at 4.75 kbit/s, its lowest mode (both through SoX), each back to 16 kHz;
- the utterance cut to its first 1.0 s.
Each row also has the expected calibration error of the probabilities and the routing rule's (angry >= 0.6) precision
and recall (ser_training.calibration).

Usage (in the evaluation environment, training/.venv):
  .venv/bin/python -m ser_training.robustness MODEL.onnx [CORPUS=MODEL.onnx ...] [--corpora ased,nemo]
      [--per-corpus 100] [--out results.json] [--markdown table.md]
A plain MODEL.onnx scores every corpus; CORPUS=MODEL.onnx scores that corpus with its own model, e.g. the
leave-one-corpus-out model that never heard it. --per-corpus N takes N utterances of each corpus, as evenly over the
classes as the corpus allows (a fixed draw, seed 0); 0 takes them all.
"""

import argparse
import json
import subprocess
import tempfile
import warnings
import wave
import zlib
from pathlib import Path

import numpy as np
from scipy.signal import butter, fftconvolve, resample_poly, sosfiltfilt

with warnings.catch_warnings():  # the G.711 codecs; audioop is deprecated from Python 3.11 and removed in 3.13
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

from .calibration import expected_calibration_error, routing
from .data import DEFAULT_LABELS, read_manifest, select
from .features import BINS, LOG_FLOOR, SAMPLE_RATE
from .metrics import confusion, summarise
from .paths import MANIFEST
from .portable_frontend import log_spectrogram

LABELS = DEFAULT_LABELS
ANGRY = LABELS.index("angry")


def read_audio(path: Path) -> np.ndarray:
    import soundfile

    samples, rate = soundfile.read(str(path), dtype="float32")
    if rate != SAMPLE_RATE or samples.ndim != 1:
        raise ValueError(f"{path}: expected {SAMPLE_RATE} Hz mono, got {rate} Hz, shape {samples.shape}")
    return samples


def power(x: np.ndarray) -> float:
    return float(np.mean(np.asarray(x, np.float64) ** 2)) + 1e-20


def at_snr(x: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    return (x + noise * np.sqrt(power(x) / power(noise) / 10 ** (snr_db / 10))).astype(np.float32)


def coloured(n: int, exponent: float, rng: np.random.Generator) -> np.ndarray:
    """Gaussian noise whose power falls as 1/f^exponent (1: pink, 2: brown), flat below 20 Hz."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.maximum(np.fft.rfftfreq(n, 1 / SAMPLE_RATE), 20.0)
    return np.fft.irfft(spectrum / f ** (exponent / 2), n)


def room_impulse_response(rt60: float, rng: np.random.Generator) -> np.ndarray:
    """The direct sound, then Gaussian noise decaying 60 dB in rt60 seconds, scaled to the direct sound's energy."""
    n = int(1.2 * rt60 * SAMPLE_RATE)
    tail = rng.standard_normal(n) * 10 ** (-3 * np.arange(n) / (rt60 * SAMPLE_RATE))
    tail *= 1 / np.sqrt(np.sum(tail**2))
    return np.concatenate([[1.0], np.zeros(int(0.002 * SAMPLE_RATE)), tail])


def to_8k(x: np.ndarray) -> np.ndarray:
    return resample_poly(np.asarray(x, np.float64), 1, 2)


def to_16k(x: np.ndarray, n: int) -> np.ndarray:
    y = resample_poly(np.asarray(x, np.float64), 2, 1)[:n]
    return np.pad(y, (0, n - len(y))).astype(np.float32)


def pcm16(x: np.ndarray) -> bytes:
    return np.clip(np.round(np.asarray(x) * 32768), -32768, 32767).astype("<i2").tobytes()


def g711(x: np.ndarray, law: str) -> np.ndarray:
    encode, decode = (audioop.lin2ulaw, audioop.ulaw2lin) if law == "mulaw" else (audioop.lin2alaw, audioop.alaw2lin)
    narrow = decode(encode(pcm16(to_8k(x)), 2), 2)
    return to_16k(np.frombuffer(narrow, "<i2") / 32768, len(x))


def sox_codec(x: np.ndarray, extension: str, options: list[str]) -> np.ndarray:
    """Through a SoX-encoded file at 8 kHz and back."""
    with tempfile.TemporaryDirectory() as d:
        source, coded, back = Path(d) / "in.wav", Path(d) / f"coded.{extension}", Path(d) / "back.wav"
        with wave.open(str(source), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(8000)
            w.writeframes(pcm16(to_8k(x)))
        subprocess.run(["sox", str(source), *options, str(coded)], check=True, capture_output=True)
        subprocess.run(["sox", str(coded), "-b", "16", "-r", "8000", str(back)], check=True, capture_output=True)
        with wave.open(str(back)) as w:
            decoded = np.frombuffer(w.readframes(w.getnframes()), "<i2") / 32768
    return to_16k(decoded, len(x))


BAND = butter(4, [300, 3400], btype="bandpass", fs=SAMPLE_RATE, output="sos")


def conditions() -> dict:
    """name -> f(samples, rng, babble) -> samples; babble(n, rng) gives n samples of the corpus's other speakers."""
    table = {"clean": lambda x, rng, babble: x}
    for db in (-20, -10, 6):
        table[f"gain {db:+d} dB"] = lambda x, rng, babble, db=db: (x * 10 ** (db / 20)).astype(np.float32)
    for kind, make in (("pink", lambda n, rng, b: coloured(n, 1, rng)), ("brown", lambda n, rng, b: coloured(n, 2, rng)),
                       ("babble", lambda n, rng, b: b(n, rng))):  # fmt: skip
        for snr in (20, 10, 5):
            table[f"{kind} noise {snr} dB SNR"] = lambda x, rng, b, make=make, snr=snr: at_snr(x, make(len(x), rng, b), snr)
    for rt60 in (0.3, 0.7):
        def reverb(x, rng, b, rt60=rt60):
            y = fftconvolve(x, room_impulse_response(rt60, rng))[: len(x)]
            return (y * np.sqrt(power(x) / power(y))).astype(np.float32)

        table[f"reverberation RT60 {rt60} s"] = reverb
    table["G.711 mu-law 8 kHz"] = lambda x, rng, b: g711(x, "mulaw")
    table["G.711 A-law 8 kHz"] = lambda x, rng, b: g711(x, "alaw")
    table["300-3400 Hz band"] = lambda x, rng, b: sosfiltfilt(BAND, x).astype(np.float32)
    table["GSM 06.10 13 kbit/s"] = lambda x, rng, b: sox_codec(x, "gsm", [])
    table["AMR-NB 4.75 kbit/s"] = lambda x, rng, b: sox_codec(x, "amr-nb", ["-C", "0"])
    table["first 1.0 s"] = lambda x, rng, b: x[:SAMPLE_RATE]
    return table


class OnnxScorer:
    """Scores one utterance's log spectrogram with an exported model, padding short input as the runtime does."""

    def __init__(self, path: Path, threads: int = 1):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        props = self.session.get_modelmeta().custom_metadata_map
        self.labels = tuple(json.loads(props["labels"]))
        if self.labels != LABELS:
            raise ValueError(f"{path}: labels {self.labels}, the suite scores {LABELS}")
        self.min_frames = int(props["min_frames"])
        self.model_id = props["model_id"]

    def __call__(self, features: np.ndarray) -> np.ndarray:
        if features.shape[0] < self.min_frames:
            pad = np.full((self.min_frames - features.shape[0], BINS), np.log(LOG_FLOOR), np.float32)
            features = np.concatenate([features, pad])
        (probabilities, *_) = self.session.run(None, {"features": features[None], "lengths": np.array([features.shape[0]], np.int64)})
        return probabilities[0]


def choose(items: list, per_corpus: int, rng: np.random.Generator) -> list:
    """Up to per_corpus utterances of each corpus, dealt round-robin over its classes (all when per_corpus is 0)."""
    if not per_corpus:
        return items
    chosen = []
    for corpus in sorted({u.corpus for u, _ in items}):
        by_class = [[x for x in items if x[0].corpus == corpus and x[1] == c] for c in range(len(LABELS))]
        by_class = [[group[i] for i in rng.permutation(len(group))] for group in by_class if group]
        picked = []
        while len(picked) < per_corpus and any(by_class):
            for group in by_class:
                if group and len(picked) < per_corpus:
                    picked.append(group.pop())
        chosen += picked
    return chosen


def angry_figures(truth: list[int], predicted: list[int]) -> dict:
    m = confusion(truth, predicted, len(LABELS))
    return {"angry_recall": float(m[ANGRY, ANGRY] / max(1, m[ANGRY].sum())), "angry_precision": float(m[ANGRY, ANGRY] / max(1, m[:, ANGRY].sum()))}


def run_suite(models: dict[str, Path], manifest: Path, corpora: list[str], per_corpus: int, only: list[str] | None = None) -> dict:
    """Figures per condition; models maps a corpus (or '' for every other corpus) to its ONNX file."""
    utterances = read_manifest(manifest)
    items = [x for x in select(utterances, LABELS, None) if x[0].corpus in corpora]
    test = choose(items, per_corpus, np.random.default_rng(0))
    scorers = {key: OnnxScorer(path) for key, path in models.items()}
    root = manifest.parent
    by_corpus = {c: [u for u, _ in items if u.corpus == c] for c in corpora}

    def babble_for(u):
        def make(n: int, rng: np.random.Generator) -> np.ndarray:
            others = [o for o in by_corpus[u.corpus] if o.speaker != u.speaker]
            mix = np.zeros(n)
            for k in rng.choice(len(others), 5, replace=False):
                talker = read_audio(root / others[k].path).astype(np.float64)
                start = int(rng.integers(0, len(talker)))
                mix += np.take(talker, np.arange(start, start + n), mode="wrap") / np.sqrt(power(talker))
            return mix

        return make

    table = conditions()
    names = only or list(table)
    clean = {u.path: read_audio(root / u.path) for u, _ in test}
    rows = {}
    for name in names:
        rng = np.random.default_rng(zlib.crc32(name.encode()))  # the same corruption for every model
        truth, predicted, corpus_of, probabilities = [], [], [], []
        for u, label in test:
            audio = table[name](clean[u.path], rng, babble_for(u))
            p = (scorers.get(u.corpus) or scorers[""])(log_spectrogram(audio))
            truth.append(label)
            predicted.append(int(np.argmax(p)))
            corpus_of.append(u.corpus)
            probabilities.append(p.tolist())
        summary = summarise(truth, predicted, corpus_of, len(LABELS))
        p, y = np.array(probabilities), np.array(truth)
        rows[name] = {"ua": summary["ua"], "wa": summary["wa"], **angry_figures(truth, predicted), "ece": expected_calibration_error(p, y),
                      "routing": routing(p, y), "corpora": {c: s["ua"] for c, s in summary["corpora"].items()}, "n": len(truth)}  # fmt: skip
        print(json.dumps({"condition": name, **{k: round(v, 4) for k, v in rows[name].items() if isinstance(v, float)}}), flush=True)
    return {"models": {k or "*": str(v) for k, v in models.items()},
            "model_ids": {k or "*": scorer.model_id for k, scorer in scorers.items()}, "corpora": corpora, "per_corpus": per_corpus, "conditions": rows}


def markdown(result: dict) -> str:
    clean = result["conditions"].get("clean")
    calibrated = all("ece" in r for r in result["conditions"].values())
    lines = ["| condition | UA | change | angry recall | change | angry precision | change |" + (" ECE | angry >= 0.6 P / R |" if calibrated else ""),
             "|---|---|---|---|---|---|---|" + ("---|---|" if calibrated else "")]  # fmt: skip
    for name, r in result["conditions"].items():
        cells = [f"{100 * r[k]:.1f}" + (f" | {100 * (r[k] - clean[k]):+.1f}" if clean else " | ") for k in ("ua", "angry_recall", "angry_precision")]
        if calibrated:
            cells += [f"{r['ece']:.3f}", f"{100 * r['routing']['precision']:.0f} / {100 * r['routing']['recall']:.0f}"]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="+", help="MODEL.onnx for every corpus, or CORPUS=MODEL.onnx")
    parser.add_argument("--manifest", type=Path, default=MANIFEST)
    parser.add_argument("--corpora", default="emodb,ravdess,savee,ased,nemo")
    parser.add_argument("--per-corpus", type=int, default=100)
    parser.add_argument("--conditions", help="comma list of condition names (default: all)")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args()
    models = {}
    for spec in args.models:
        corpus, _, path = spec.rpartition("=")
        models[corpus] = Path(path)
    corpora = args.corpora.split(",")
    if "" not in models and not set(corpora) <= set(models):
        parser.error(f"no model for {', '.join(sorted(set(corpora) - set(models)))}: give MODEL.onnx or CORPUS=MODEL.onnx")
    result = run_suite(models, args.manifest, corpora, args.per_corpus, args.conditions.split(",") if args.conditions else None)
    if args.out:
        args.out.write_text(json.dumps(result, indent=1))
    table = markdown(result)
    if args.markdown:
        args.markdown.write_text(table)
    print(table)


if __name__ == "__main__":
    main()
