"""The field's standard reference features: openSMILE's eGeMAPS v02 (Eyben et al. 2016, 88 utterance functionals), for
every file of the manifest, wideband and through the telephone channel, cached as one .npy per file and channel as
`ser features` caches spectrograms. `ser_training.baseline_svm --descriptor egemaps` trains the SVM on them.

Runs in the evaluation environment (training/.venv, requirements-eval.txt: the `opensmile` package):
  training/.venv/bin/python -m ser_training.egemaps ../../shared/data/manifest.csv ../cache/egemaps [--workers N]
The telephone copy is portable_frontend.telephone_channel (8 kHz, G.711 mu-law, back to 16 kHz). Files already
written are kept, so an interrupted run resumes.
"""

import argparse
import csv
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from .data import DEFAULT_LABELS
from .portable_frontend import telephone_channel

_smile = None


def functionals(samples: np.ndarray, rate: int) -> np.ndarray:
    """The 88 eGeMAPS v02 functionals of one utterance, float32."""
    global _smile
    if _smile is None:
        import opensmile

        _smile = opensmile.Smile(feature_set=opensmile.FeatureSet.eGeMAPSv02, feature_level=opensmile.FeatureLevel.Functionals)
    return _smile.process_signal(samples, rate).to_numpy()[0].astype(np.float32)


def _one(job: tuple[Path, Path, str]) -> None:
    root, out, path = job
    import soundfile

    files = {c: out / c / Path(path).with_suffix(".npy") for c in ("wideband", "telephone")}
    if all(f.exists() for f in files.values()):
        return
    samples, rate = soundfile.read(str(root / path), dtype="float32")
    if rate != 16000 or samples.ndim != 1:
        raise ValueError(f"{path}: expected 16 kHz mono, got {rate} Hz, shape {samples.shape}")
    for channel, audio in (("wideband", samples), ("telephone", telephone_channel(samples))):
        files[channel].parent.mkdir(parents=True, exist_ok=True)
        np.save(files[channel], functionals(audio, rate))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("manifest", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--all-emotions", action="store_true", help="every file, not only the four classes")
    args = parser.parse_args()
    with open(args.manifest, newline="") as f:
        paths = [r["path"] for r in csv.DictReader(f) if args.all_emotions or r["emotion"] in DEFAULT_LABELS]
    with ProcessPoolExecutor(args.workers) as pool:
        list(pool.map(_one, [(args.manifest.parent, args.out, p) for p in paths], chunksize=16))
    print(f"wrote eGeMAPS functionals of {len(paths)} files, wideband and telephone, to {args.out}")


if __name__ == "__main__":
    main()
