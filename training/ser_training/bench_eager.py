"""Times PyTorch eager inference of a model, for the side-by-side in `npm run bench`.

Usage: python3 -m ser_training.bench_eager (--checkpoint FILE | --random ENCODER) --seconds 1,3,10,30 --threads 1,2
Prints one JSON object: {"<threads>": {"<seconds>": {"median_ms": .., "p95_ms": ..}}}.
"""

import argparse
import json
import time

import numpy as np
import torch

from .checkpoint import load_checkpoint
from .parity import random_model


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checkpoint")
    parser.add_argument("--random", default="alexnet")
    parser.add_argument("--seconds", default="1,3,10,30")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    model = load_checkpoint(args.checkpoint)[0].eval() if args.checkpoint else random_model(args.random, 1)
    results = {}
    for threads in map(int, args.threads.split(",")):
        torch.set_num_threads(threads)
        results[threads] = {}
        for seconds in map(float, args.seconds.split(",")):
            frames = int(seconds * 100) - 3  # (16000 s - 640) / 160 + 1
            x, lengths = torch.randn(1, frames, 200) - 8, torch.tensor([frames])
            times = []
            with torch.no_grad():
                for i in range(args.runs + 3):
                    start = time.perf_counter()
                    model(x, lengths)
                    if i >= 3:
                        times.append((time.perf_counter() - start) * 1000)
            results[threads][seconds] = {"median_ms": float(np.median(times)), "p95_ms": float(np.percentile(times, 95))}
    print(json.dumps(results))


if __name__ == "__main__":
    main()
