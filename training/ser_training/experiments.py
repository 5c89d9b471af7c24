"""The experiment grid's command line: train rows under a protocol, list them, write the report.

Usage:
  python3 -m ser_training.experiments run NAME [--parts 1,2,3,4,5 | loco | loco-ased,fold2 | all] [--seeds 1,2,3]
                                               [--stop-after N] [--threads T] [--device D]
  python3 -m ser_training.experiments report [--out ../docs/results.md]
  python3 -m ser_training.experiments list
  python3 -m ser_training.experiments last-epoch NAME [--seed S]
  python3 -m ser_training.experiments collect

The rows are in ser_training.recipes, the protocols (which speakers train, validate, test) in ser_training.protocols,
training runs in ser_training.runner, and the report in ser_training.report.
"""

import argparse
from pathlib import Path

from .last_epoch import compare_last_epoch
from .paths import ROOT
from .recipes import EXPERIMENTS
from .report import report
from .runner import collect, parts, run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("name", choices=sorted(EXPERIMENTS))
    r.add_argument("--parts", "--folds", dest="parts", default="five",
                   help="comma list: fold numbers or fold1..fold5, loco-<corpus>, 'five' (every fold), 'loco' (every corpus left out), 'all' (every speaker: a shipped model)")  # fmt: skip
    r.add_argument("--seeds", default="1")
    r.add_argument("--stop-after", type=int, default=0)
    r.add_argument("--threads", type=int, default=2)
    r.add_argument("--device", default="auto", help="'auto' (CUDA where there is one), 'cpu' or 'cuda'")
    p = sub.add_parser("report")
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "results.md")
    sub.add_parser("list")
    e = sub.add_parser("last-epoch", help="score each fold's final-epoch checkpoint beside the validation-chosen one")
    e.add_argument("name", choices=sorted(EXPERIMENTS))
    e.add_argument("--seed", type=int, default=1)
    sub.add_parser("collect", help="copy finished parts from runs/ to results/ (for runs started by hand)")
    args = parser.parse_args()
    if args.command == "run":
        run(args.name, parts(args.parts), [int(s) for s in args.seeds.split(",")], args.stop_after, args.threads, args.device)
    elif args.command == "last-epoch":
        print(f"wrote {compare_last_epoch(args.name, args.seed)}")
    elif args.command == "report":
        report(args.out)
    elif args.command == "collect":
        collect()
    else:
        for name, (description, overrides) in EXPERIMENTS.items():
            print(f"{name}: {description} {overrides}")


if __name__ == "__main__":
    main()
