#!/usr/bin/env bash
# Runs the training side's tests: with the Python that has Debian's PyTorch (see README: Training), and the robustness
# suite's, eGeMAPS and quantisation tests in the evaluation environment (training/.venv, made by .ci/run from requirements-eval.txt).
set -euo pipefail
cd "$(dirname "$0")"
PY="${SER_PYTHON:-/usr/bin/python3}"
if ! "$PY" -c 'import torch, onnx' 2>/dev/null; then
  echo "Python tests skipped: $PY lacks torch and onnx (apt-get install python3-torch python3-onnx)"
else
  "$PY" -m unittest discover -s tests -t . -v 2>&1
fi
if [ -x .venv/bin/python ]; then
  .venv/bin/python -m unittest tests.test_robustness tests.test_quantize -v 2>&1
else
  echo "robustness and eGeMAPS tests skipped: no training/.venv (python3 -m venv training/.venv && training/.venv/bin/pip install -r training/requirements-eval.txt)"
fi
