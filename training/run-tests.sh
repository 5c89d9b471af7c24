#!/usr/bin/env bash
# Runs the training side's tests with the Python that has Debian's PyTorch (see README: Training).
set -euo pipefail
cd "$(dirname "$0")"
PY="${SER_PYTHON:-/usr/bin/python3}"
if ! "$PY" -c 'import torch, onnx' 2>/dev/null; then
  echo "Python tests skipped: $PY lacks torch and onnx (apt-get install python3-torch python3-onnx)"
  exit 0
fi
exec "$PY" -m unittest discover -s tests -t . -v 2>&1
