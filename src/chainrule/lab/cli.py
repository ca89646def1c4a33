"""``chainrule lab``: run the experiments, write ``results.json`` and ``index.html``, print the verdicts.

    chainrule lab [--out DIR] [--budget quick|full] [--seed N] [--lang en|zh] [--workers N]
                  [--scheduler ADDRESS] [--resume]
    chainrule lab list
    chainrule lab run ID... [same options]

Exit status: 0 when every experiment ran, 1 when any raised (its traceback is in results.json
and the report), 2 for a bad request (unknown id, unwritable folder, unreachable scheduler,
unreadable results.json on --resume), with one message saying which.
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["add_parser", "main"]


def _options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--out", default="lab-report", help="output folder (default: lab-report/)")
    common.add_argument(
        "--budget", default="quick", choices=("tiny", "quick", "full"), help="quick (minutes, the default) or full"
    )
    common.add_argument(
        "--seed", type=int, default=0, help="first seed (an experiment with n seeds runs seed..seed+n-1)"
    )
    common.add_argument("--lang", default="en", choices=("en", "zh"), help="language of index.html")
    common.add_argument(
        "--workers", type=int, default=None, help="run the (experiment, seed) tasks on N local processes"
    )
    common.add_argument("--scheduler", default=None, metavar="ADDRESS", help="submit the tasks to this Dask scheduler")
    common.add_argument(
        "--scheduler-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="give up on the scheduler after this long",
    )
    common.add_argument("--resume", action="store_true", help="keep the finished experiments in DIR/results.json")
    return common


def add_parser(subparsers) -> None:
    """Register ``lab`` (and its ``list`` / ``run`` subcommands) on the top-level CLI."""
    common = _options()
    lab = subparsers.add_parser("lab", parents=[common], help="measure every claim of the notes and write a report")
    actions = lab.add_subparsers(dest="lab_command")
    actions.add_parser("list", help="list the experiment ids")
    run = actions.add_parser("run", parents=[common], help="run only the given experiments")
    run.add_argument("ids", nargs="+", metavar="ID")


def _list(stream) -> int:
    from . import registry

    for experiment_id in registry.ids():
        try:
            spec = registry.get(experiment_id).spec
            stream.write(f"{experiment_id:<30} {spec.topic:<12} {spec.title_en}\n")
        except Exception as exc:  # a module that does not import still shows, with why
            stream.write(f"{experiment_id:<30} {'?':<12} (unavailable: {type(exc).__name__}: {exc})\n")
    return 0


def _table(doc, ids, stream) -> None:
    stream.write(f"\n{'experiment':<30} {'verdict':<14} {'seeds agree':<12} {'time (s)':>8}\n")
    for experiment_id in ids:
        r = doc["experiments"].get(experiment_id)
        if r is None:
            continue
        agree = "-" if r["verdict"] == "error" else "yes" if r["seeds_agree"] else "no"
        stream.write(f"{experiment_id:<30} {r['verdict']:<14} {agree:<12} {r['wall_time_s']:>8.1f}\n")


def main(args, stream=None) -> int:
    """Run ``chainrule lab`` for parsed ``args``; returns the exit status."""
    from .runner import LabError, run_lab

    stream = sys.stdout if stream is None else stream
    if args.lab_command == "list":
        return _list(stream)
    ids = args.ids if args.lab_command == "run" else None
    try:
        doc = run_lab(
            ids,
            out=args.out,
            budget=args.budget,
            seed=args.seed,
            workers=args.workers,
            scheduler=args.scheduler,
            resume=args.resume,
            stream=sys.stderr,
            scheduler_timeout=args.scheduler_timeout,
        )
    except LabError as exc:
        sys.stderr.write(f"chainrule lab: error: {exc}\n")
        return 2
    from .report import write_report

    page = write_report(doc, args.out, lang=args.lang)
    shown = list(doc["experiments"]) if ids is None else [i for i in doc["experiments"] if i in set(ids)]
    _table(doc, shown, stream)
    errored = [i for i in shown if doc["experiments"][i]["verdict"] == "error"]
    stream.write(f"\nreport: {page}\nresults: {page.parent / 'results.json'}\n")
    if errored:
        stream.write(f"{len(errored)} experiment(s) raised: {', '.join(errored)} (tracebacks in results.json)\n")
        return 1
    return 0
