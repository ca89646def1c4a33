"""docs/lab.md stays in step with the CLI and the registry."""

import argparse
import pathlib

from chainrule.lab import cli, registry

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "lab.md"


def test_every_cli_option_is_documented():
    parser = argparse.ArgumentParser()
    cli.add_parser(parser.add_subparsers())
    text = DOC.read_text(encoding="utf-8")
    lab = parser._subparsers._group_actions[0].choices["lab"]
    for action in lab._actions:
        for option in action.option_strings:
            if option.startswith("--") and option != "--help":
                assert option in text, option
    for command in ("chainrule lab list", "chainrule lab run", "--resume", "results.json.bak"):
        assert command in text


def test_the_documented_registry_line_has_the_registry_format():
    text = DOC.read_text(encoding="utf-8")
    assert '"my-claim": "activations:my_claim",' in text
    assert all(value.count(":") == 1 for value in registry.EXPERIMENTS.values())
