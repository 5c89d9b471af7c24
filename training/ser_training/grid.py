"""Runs many experiment parts (folds, corpora left out) at once (one process each) until they are done or a deadline
passes: the form the experiment grid takes on a machine with many cores and a GPU, where one small network leaves the GPU mostly idle.

Usage: python3 -m ser_training.grid [--workers N] [--deadline SECONDS] [--device D] JOB...
JOB is NAME:SEEDS:PARTS with comma lists, e.g. fcn-alexnet-lrn:1:1,2,3,4,5 (folds), five-alexnet-bn:1:loco (every
corpus left out in turn), five-alexnet-bn:1:loco-ased,fold2 or fcn-alexnet-bn-mixwarp:1,2,3:all.
Jobs start in the order given. At the deadline, runs still going are stopped (their checkpoints stay, so the same
command resumes them); every finished part is in training/results as with `experiments run`.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from pathlib import Path

from .paths import ROOT
from .recipes import EXPERIMENTS
from .runner import parts


def parse_jobs(specs: list[str]) -> list[tuple[str, int, str]]:
    jobs = []
    for spec in specs:
        name, seeds, spec_parts = spec.split(":")
        if name not in EXPERIMENTS:
            raise SystemExit(f"unknown experiment {name!r}: see `experiments list`")
        jobs += [(name, int(seed), part) for seed in seeds.split(",") for part in parts(spec_parts)]
    return jobs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("jobs", nargs="+")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--deadline", type=float, default=0, help="seconds; 0 = none")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--log", type=Path, default=ROOT / "training" / "runs" / "grid.jsonl")
    args = parser.parse_args()
    jobs = parse_jobs(args.jobs)
    started = time.time()
    running: dict = {}
    args.log.parent.mkdir(parents=True, exist_ok=True)

    def one(job):
        name, seed, part = job
        code = (
            "from ser_training.runner import run_one; "
            f"run_one({name!r}, {seed}, {part!r}, threads=1, device={args.device!r})"
        )
        # A session of its own, so that stopping it also stops the training process it starts.
        process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT / "training", start_new_session=True)
        running[job] = process
        t0 = time.time()
        rc = process.wait()
        running.pop(job, None)
        record = {"job": f"{name}:{seed}:{part}", "rc": rc, "seconds": round(time.time() - t0, 1), "at": round(time.time() - started, 1)}
        with open(args.log, "a") as f:
            f.write(json.dumps(record) + "\n")
        print(json.dumps(record), flush=True)
        return rc

    pending = list(jobs)
    with ThreadPoolExecutor(args.workers) as pool:
        futures = set()
        while pending or futures:
            while pending and len(futures) < args.workers and not (args.deadline and time.time() - started > args.deadline):
                futures.add(pool.submit(one, pending.pop(0)))
            if not futures:
                break
            left = args.deadline - (time.time() - started) if args.deadline else None
            done, futures = wait(futures, timeout=max(left, 0) if left is not None else None, return_when=FIRST_COMPLETED)
            if args.deadline and time.time() - started > args.deadline:
                for process in list(running.values()):
                    os.killpg(process.pid, signal.SIGTERM)
                wait(futures)
                futures = set()
    print(f"grid: {len(jobs) - len(pending)} of {len(jobs)} jobs started, {time.time() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
