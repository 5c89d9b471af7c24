"""Where the training side keeps its runs, kept results, feature cache and manifest."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNS = ROOT / "training" / "runs"
RESULTS = ROOT / "training" / "results"
FEATURES = Path(os.environ.get("SER_FEATURES", ROOT / "cache" / "features"))
MANIFEST = Path(os.environ.get("SER_MANIFEST", ROOT.parent / "shared" / "data" / "manifest.csv"))
