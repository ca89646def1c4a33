"""``chainrule`` command line: ``check`` (gradcheck every op here), ``lab`` (the experiments), ``bert ...``."""

from __future__ import annotations

import argparse
import sys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="chainrule", description="Deep learning built from the chain rule up.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="gradcheck every registered op (float64 central differences) and print a table")
    # chainrule lab: the experiments (src/chainrule/lab/cli.py)
    from .lab.cli import add_parser as add_lab_parser

    add_lab_parser(sub)
    # BERT: `chainrule bert embed|...` (its subcommands live in models/bert/cli.py)
    from .models.bert.cli import add_bert_parser

    add_bert_parser(sub)
    args = parser.parse_args(argv)
    if args.command == "bert":
        from .models.bert.cli import run

        return run(args)
    if args.command == "check":
        from . import selfcheck

        return 0 if selfcheck.run() else 1
    if args.command == "lab":
        from .lab.cli import main as lab_main

        return lab_main(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
