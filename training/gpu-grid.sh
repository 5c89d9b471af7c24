#!/usr/bin/env bash
# The experiment grid on a many-core GPU machine that has Python (PyTorch, scipy) and `flac` but no Node.js:
# decodes the corpora, writes the feature cache with the numpy port of the front end (ser_training.portable_frontend),
# then trains the given jobs in parallel until they finish or the deadline passes (ser_training.grid).
#
# Usage: training/gpu-grid.sh CORPORA_DIR DEADLINE_SECONDS JOB...
#   CORPORA_DIR: manifest.csv and the FLAC files it lists (only those present are used; WAVs already decoded into
#   $SER_WAV, default cache/wav, are kept; features go to cache/portable-features). JOB: NAME:SEEDS:PARTS, see `python3 -m ser_training.grid --help`.
# Results land in training/results as with `experiments run`; checkpoints in training/runs.
set -euo pipefail
cd "$(dirname "$0")/.."
corpora=$(realpath "$1")
deadline=$2
shift 2
wav=$(realpath -m "${SER_WAV:-cache/wav}")
workers=${SER_WORKERS:-$(nproc)}
started=$(date +%s)
mkdir -p "$wav"

(cd "$corpora" && find . -name '*.flac' -printf '%P\n') | while read -r f; do
  [ -e "$wav/${f%.flac}.wav" ] || echo "$f"
done | (cd "$corpora" && xargs -r -P "$workers" -I{} sh -c 'mkdir -p "$(dirname "$0/$1")" && flac -s -d -f -o "$0/${1%.flac}.wav" "$1"' "$wav" {})
echo "decoded: $(find "$wav" -name '*.wav' | wc -l) files, $(($(date +%s) - started)) s"

export SER_MANIFEST=$corpora/manifest.csv SER_FEATURES=$PWD/cache/portable-features
cd training
python3 -m ser_training.portable_frontend "$SER_MANIFEST" "$wav" "$SER_FEATURES" --workers "$workers"
echo "features: $(($(date +%s) - started)) s"
left=$((deadline - ($(date +%s) - started)))
python3 -m ser_training.grid --workers "${SER_GRID_WORKERS:-$workers}" --deadline "$left" "$@"
