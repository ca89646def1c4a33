"""The README's commands and example must stay true."""

import pathlib
import re

import chainrule as cr

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def _blocks(lang):
    return re.findall(rf"```{lang}\n(.*?)```", README.read_text(), flags=re.S)


def test_first_block_holds_exactly_the_two_setup_commands():
    first = re.search(r"```\w*\n(.*?)```", README.read_text(), flags=re.S).group(1)
    lines = [line for line in first.strip().splitlines() if line.strip()]
    assert len(lines) == 2
    assert "chainrule check" in lines[0] or "chainrule lab" in lines[0]
    assert "pytest" in lines[1]
    ci = (README.parent / ".ci" / "run").read_text()
    assert lines[1] in ci, ".ci/run must run exactly the README's test command"


def test_python_example_runs():
    for block in _blocks("python"):
        exec(compile(block, "README.md", "exec"), {"__name__": "readme"})
    assert cr.is_grad_enabled()
