#!/usr/bin/env python3
"""Wall time of every lab experiment: runs ``chainrule lab`` (quick budget by default) in a fresh
process and prints each experiment's compute time (the sum over its seeds, from results.json)
and the elapsed time of the whole run, slowest first.

The acceptance target is the whole quick lab in <= 10 minutes on 2 cores (5 wanted). On a shared
machine the numbers are inflated by other jobs; the elapsed time with ``--workers 2`` is the
figure to compare with the target.

    python benchmarks/bench_lab.py [--budget quick|full] [--workers N] [--out DIR]
    python benchmarks/bench_lab.py --from lab-report/results.json   # only print an earlier run
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time


def table(doc, elapsed=None):
    rows = sorted(doc["experiments"].values(), key=lambda r: -r["wall_time_s"])
    print(f"{'experiment':<30} {'seeds':>5} {'time (s)':>9}  verdict")
    for r in rows:
        print(f"{r['id']:<30} {len(r['seeds']):>5} {r['wall_time_s']:>9.1f}  {r['verdict']}")
    total = sum(r["wall_time_s"] for r in rows)
    print(f"{'sum of experiment times':<36} {total:>9.1f}")
    print(f"{'elapsed (run incl. report)':<36} {elapsed if elapsed is not None else doc.get('elapsed_s', 0.0):>9.1f}")
    print(f"machine: {doc['machine']}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--budget", default="quick", choices=("tiny", "quick", "full"))
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--out", default=None)
    parser.add_argument("--from", dest="source", default=None, help="print the times of an existing results.json")
    args = parser.parse_args()
    if args.source:
        with open(args.source, encoding="utf-8") as stream:
            table(json.load(stream))
        return 0
    out = args.out or tempfile.mkdtemp(prefix="chainrule-lab-")
    command = [sys.executable, "-c", "import sys; from chainrule.cli import main; sys.exit(main())", "lab"]
    command += ["--budget", args.budget, "--out", out] + (["--workers", str(args.workers)] if args.workers else [])
    start = time.perf_counter()
    code = subprocess.call(command, env=dict(os.environ))
    elapsed = time.perf_counter() - start
    with open(os.path.join(out, "results.json"), encoding="utf-8") as stream:
        table(json.load(stream), elapsed)
    return code


if __name__ == "__main__":
    sys.exit(main())
